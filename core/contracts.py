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
