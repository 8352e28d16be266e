"""Data that plugins hand to core.

Plugins return these frozen dataclasses from their hooks and never touch the
database: core validates them, stores what must be stored and acts on them.
Keeping every shape in one module makes the plugin API readable in one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PluginInfo:
    """Who a plugin is: shown on the Plugins screen and its information page."""

    name: str
    title: str
    version: str = "0.1.0"
    description: str = ""
    #: The regulation the plugin implements, e.g. "QĐ 09/2022/QĐ-UBND".
    regulation: str = ""
    #: Issuing authority of that regulation.
    issuer: str = ""
    #: GSO code of the province whose real units ``baocao init`` loads (empty: not a province plugin).
    province_code: str = ""


@dataclass(frozen=True)
class Contact:
    """Where users turn for help or to report an incident (REQUIREMENTS S9)."""

    organisation: str
    role: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    hours: str = ""
    note: str = ""


@dataclass(frozen=True)
class ScheduledJob:
    """A job to run on a schedule, in cron syntax, evaluated in the app's time zone.

    ``func`` is a dotted path (``"package.module:function"``) so that the job
    can cross a process boundary; it is called with ``kwargs`` inside an app
    context and must be idempotent: it may run twice after a worker crash.
    """

    name: str
    cron: str
    func: str
    kwargs: dict = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class Level:
    """One tier of a province's hierarchy, top first (REQUIREMENTS H1).

    ``kinds`` are the unit kinds that sit at this tier (a department and a
    district can share one); ``reviewed_by`` names the tier whose reviewers
    approve reports of this tier's units (None at the top).
    """

    code: str
    name: str
    kinds: tuple[str, ...]
    reviewed_by: str | None = None


@dataclass(frozen=True)
class PasswordPolicy:
    """How strong passwords must be and how accounts are protected (REQUIREMENTS A3, A4).

    Core's default is the stricter reading of the regulations; a province
    plugin answers ``password_policy`` to apply its own (Cao Bằng: 8
    characters; Hà Nội: 10; both change at least every 6 months).
    """

    min_length: int = 10
    require_upper: bool = True
    require_lower: bool = True
    require_digit: bool = True
    require_special: bool = True
    #: Days after which a password must be changed at next login; None: never expires.
    max_age_days: int | None = 180
    #: How many previous passwords may not be reused (the current one included).
    history: int = 5
    #: Failed logins in a row that lock the account, and for how long.
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    #: Days before expiry from which every page warns the user.
    warn_days: int = 14
