"""Verified API tokens remembered per worker, until they expire.

Every API request verifies its token: PyJWT decodes it twice (once unverified, for the key, then
verified), validating each base64 segment character by character; a twentieth of an autosave's CPU
(bench/autosave.py, issue 15), for a token the same officer sends every ten seconds for fifteen minutes.

:class:`RememberingJWTManager` keeps the claims of a token once it has passed every check, keyed by the
token itself, and hands them out again while the token is unexpired. Only verification is remembered:
the revocation check (the account's session epoch, :mod:`core.accounts.login_guard`), the account's
lock, closure and roles are still read on every request, so a sign-out or a lock applies on the next
one as before. A forged or altered token is a different key and is verified from scratch; an expired one
is dropped and verified again, which raises as before.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config

#: Tokens remembered per worker process: well above the officers one worker serves in 15 minutes.
LIMIT = 8192


class RememberingJWTManager(JWTManager):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._verified: dict[str, dict] = {}

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        plain = csrf_value is None and not allow_expired
        if plain:
            claims = self._verified.get(encoded_token)
            if claims is not None and _unexpired(claims):
                return dict(claims)
        claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        if plain:
            if len(self._verified) >= LIMIT:
                self._verified.clear()  # the next requests verify once more; no bookkeeping per hit
            self._verified[encoded_token] = dict(claims)
        return claims


def _unexpired(claims: dict) -> bool:
    """PyJWT's own test (``exp`` against the current UTC time, with the configured leeway)."""
    expires = claims.get("exp")
    if expires is None:
        return True
    leeway = config.leeway.total_seconds() if hasattr(config.leeway, "total_seconds") else config.leeway
    return datetime.now(tz=timezone.utc).timestamp() < expires + leeway
