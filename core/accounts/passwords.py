"""Password policy checks (REQUIREMENTS A3, A4): which rule a password breaks, in words.

Each broken rule comes back as a :class:`Violation` carrying the rule's code
(``max_length``, ``min_length``, ``upper``, ``lower``, ``digit``, ``special``, ``history``,
``username``) and a Vietnamese sentence, so the UI can show the sentence and
the API can name the rule.

A password longer than ``PASSWORD_MAX_LENGTH`` (256) is refused before anything hashes it: every
request carrying one is refused at the door (:mod:`core.platform.input_guard`), and :func:`check`
stops at that rule before comparing it with the previous passwords' hashes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from core.platform import clock, plugin_admin
from core.contracts import PasswordPolicy


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str

    def __str__(self) -> str:
        return self.message


def policy() -> PasswordPolicy:
    return plugin_admin.registry().hook.password_policy()


def hash_password(password: str) -> str:
    """FAB's own KDF settings (scrypt by default), so FAB's login can check what we store."""
    return generate_password_hash(
        password,
        method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )


def max_length() -> int:
    return int(current_app.config.get("PASSWORD_MAX_LENGTH", 256))


def check(password: str, rules: PasswordPolicy, username: str = "", previous: list[str] = ()) -> list[Violation]:
    """Every rule ``password`` breaks; ``previous`` are hashes, newest first, of earlier passwords."""
    limit = max_length()
    if len(password) > limit:  # never hashed: scrypt over megabytes is a way to tie up a worker
        return [Violation("max_length", _("The password must have at most %(n)d characters.", n=limit))]
    found = []
    if len(password) < rules.min_length:
        found.append(Violation("min_length", _("The password must have at least %(n)d characters.", n=rules.min_length)))
    classes = (
        ("upper", rules.require_upper, str.isupper, _("The password must contain an upper-case letter.")),
        ("lower", rules.require_lower, str.islower, _("The password must contain a lower-case letter.")),
        ("digit", rules.require_digit, str.isdigit, _("The password must contain a digit.")),
        ("special", rules.require_special, lambda ch: not ch.isalnum() and not ch.isspace(),
         _("The password must contain a special character such as ! @ # $ &.")),
    )
    for code, required, test, message in classes:
        if required and not any(test(ch) for ch in password):
            found.append(Violation(code, message))
    if username and username.lower() in password.lower():
        found.append(Violation("username", _("The password must not contain the user name.")))
    if any(check_password_hash(old, password) for old in previous[: rules.history]):
        found.append(Violation("history", _("The password must differ from your last %(n)d passwords.", n=rules.history)))
    return found


def describe(rules: PasswordPolicy) -> list[str]:
    """Every rule of the policy as a sentence, shown before a password is typed (not one failure at a time)."""
    found = [_("At least %(n)d characters.", n=rules.min_length)]
    for required, text in ((rules.require_upper, _("An upper-case letter (A–Z).")),
                           (rules.require_lower, _("A lower-case letter (a–z).")),
                           (rules.require_digit, _("A digit (0–9).")),
                           (rules.require_special, _("A special character such as ! @ # $ &."))):
        if required:
            found.append(text)
    found.append(_("Not containing the user name."))
    if rules.history:
        found.append(_("Different from the last %(n)d passwords.", n=rules.history))
    if rules.max_age_days:
        found.append(_("To be changed every %(n)d days.", n=rules.max_age_days))
    return found


def fab_validator(password: str) -> None:
    """FAB's ``FAB_PASSWORD_COMPLEXITY_VALIDATOR``: the policy's class and length rules."""
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    broken = check(password or "", policy())
    if broken:
        raise PasswordComplexityValidationError(" ".join(v.message for v in broken))


def expires_at(changed_at: datetime | None, rules: PasswordPolicy) -> datetime | None:
    if rules.max_age_days is None or changed_at is None:
        return None
    return changed_at + timedelta(days=rules.max_age_days)


def is_expired(changed_at: datetime | None, rules: PasswordPolicy) -> bool:
    deadline = expires_at(changed_at, rules)
    return deadline is not None and deadline <= clock.utcnow()


def days_left(changed_at: datetime | None, rules: PasswordPolicy) -> int | None:
    """Whole days until expiry when inside the warning window, else None."""
    deadline = expires_at(changed_at, rules)
    if deadline is None:
        return None
    left = deadline - clock.utcnow()
    if left > timedelta(days=rules.warn_days):
        return None
    return max(math.ceil(left.total_seconds() / 86400), 0)  # "10 days" on the 170th of 180


def one_time_password(rules: PasswordPolicy | None = None, length: int = 16) -> str:
    """A random password that satisfies every class rule; longer than any policy's minimum."""
    import secrets
    import string

    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, "!@#$%^&*-_=+"]
    length = max(length, rules.min_length if rules else 0)
    alphabet = "".join(classes)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(ch in cls for ch in candidate) for cls in classes):
            return candidate
