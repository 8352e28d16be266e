"""The one clock baocao reads: naive UTC, as stored in every DateTime column.

Callers use ``clock.utcnow()`` (not ``from core.clock import utcnow``) so that
tests can move time forward with ``monkeypatch.setattr(clock, "utcnow", ...)``
to check expiry and lockout without sleeping.
"""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
