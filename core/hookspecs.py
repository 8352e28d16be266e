"""Every hook a baocao plugin can implement, in one place.

Each spec says when core calls it and how answers from several plugins
combine. Hooks marked ``firstresult`` stop at the first non-``None`` answer;
the order (``core.platform.plugin_manager``, docs/plugins.md) is: features first, then
whole plugins, each the most recently enabled first, and core defaults
(``trylast``) last. All others return a list per plugin, and core
concatenates them in that order.

Plugins import the markers from :mod:`core` (``from core import hookimpl``)
and return dataclasses from :mod:`core.contracts`.
"""
from __future__ import annotations

import pluggy

from core.contracts import (CalendarDay, Contact, FormSpec, Level, PasswordPolicy, PeriodRule, ReorganisationOffer,
                            ScheduledJob, UnitSpec)

PROJECT = "baocao"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def support_contacts() -> list[Contact]:
    """Contacts for help and incident reports, shown on the help page (S9).

    Called on every render of the help page. All plugins' lists are shown,
    in plugin order, core's operator contact last.
    """


@hookspec
def scheduled_jobs() -> list[ScheduledJob]:
    """Jobs to run on a cron schedule (backups, assignment, reminders).

    Evaluated by the worker's scheduler at every minute tick, so enabling or
    disabling a plugin changes the schedule without a restart. Lists are
    concatenated; two jobs with the same ``name`` are refused at start-up.
    """


@hookspec(firstresult=True)
def hierarchy_levels() -> list[Level]:
    """The province's tiers, top first, with which tier reviews which (H1).

    Read whenever units are imported, validated or displayed. First answer
    wins: an enabled province plugin overrides core's default two-level
    government (province bodies; communes, wards, special zones).
    """


@hookspec
def agency_units() -> list[UnitSpec]:
    """The province's agencies that are not administrative divisions: sở, ban, ngành (H1, H3).

    Called by ``baocao init`` after it loads the province's real divisions from
    vietnam-provinces; each unit is created or updated by code, under ``parent_code`` or, when
    that is None, under the province's root unit. Lists of all enabled plugins are concatenated;
    the import is all or nothing, like ``baocao units import``.
    """


@hookspec(firstresult=True)
def password_policy() -> PasswordPolicy:
    """The password and lockout rules every account of the province follows (A3, A4).

    Read at each login, password change and page view (for the expiry
    warning), so enabling a plugin applies its policy at once. First answer
    wins; core's default (10 characters, four classes, 180 days, last 5 not
    reused, 15-minute lock after 5 failures) answers last.
    """


@hookspec(firstresult=True)
def period_rules() -> list[PeriodRule]:
    """How reporting periods are dated: data range, deadline and entry window per type (F3, F4).

    Read by :func:`core.forms.periods.rules` whenever periods are built: when forms
    are assigned to units for a period, deadlines and lateness are computed,
    and periods are listed. First answer wins, type by type: a period type the
    answer has no rule for keeps core's national rule (Nghị định
    09/2019/NĐ-CP, Điều 12), so a plugin lists only what its regulation changes.
    """


@hookspec
def register_forms() -> list[FormSpec]:
    """Forms (with their categories, indicators and schedules) the province prescribes (F1).

    Called by ``baocao init`` and on each plugin enable: each form is synced
    into the database by code. A form the plugin changed gets a new published
    version; one the board has since edited in the designer is left alone
    (the board's copy wins). Lists from all enabled plugins are concatenated;
    two plugins registering the same code is refused.
    """


@hookspec(firstresult=True)
def approval_chain(form, unit) -> list[str]:
    """The levels that review ``unit``'s reports of ``form``, bottom-up (W2): level codes of the hierarchy.

    Asked at each submit and approval. First answer wins; core's default is
    the level of the unit's parent (one review). Cao Bằng answers the whole
    chain: commune → district → board.
    """


@hookspec
def workflow_guards(report, action, actor) -> list[str]:
    """Reasons, in Vietnamese, to refuse ``action`` on ``report`` by ``actor`` (e.g. "a signed scan is required").

    ``actor`` is the signed-in account, read-only: ``id``, ``username``, ``first_name``, ``last_name``,
    ``unit_id``, ``unit`` (``id``, ``code``, ``name``, ``path``, ``level``, ``kind``, ``sector``, ``active``)
    and ``roles`` (each with ``id`` and ``name``). On the API's hot endpoints it is a light snapshot
    (:class:`core.accounts.light.LightAccount`) carrying exactly these, not the ORM account: ask the
    database for anything else.

    Asked before every transition; the reasons of all plugins are shown together and the
    report does not move while any remain.
    """


@hookspec
def after_transition(report, transition) -> None:
    """Called after a transition is written, in the same database transaction (notifications, exports).

    ``transition`` is the new :class:`core.models.Transition` row. An exception rolls the
    transition back.
    """


@hookspec
def aggregation_rules(form) -> dict[str, str]:
    """How ``form``'s fields roll up the hierarchy (H2): ``{field_code: rule}``.

    Rules: ``sum`` (the default for a field no plugin names), ``avg``, ``min``, ``max``,
    ``count`` (values given), or ``wavg:<field>`` — the average weighted by another field of
    the same report. Answers of all plugins are merged; the first plugin to name a field wins.
    """



@hookspec(firstresult=True)
def backup_schedule() -> str:
    """When the automatic backup runs, as cron text in the app's time zone (S2).

    Read by core's ``scheduled_jobs`` at every scheduler tick, so enabling a plugin changes
    the schedule without a restart. First answer wins; core's default is twice per working
    week, Tuesday and Friday at 02:00 (``0 2 * * 2,5``, Cao Bằng Đ5.1).
    """


@hookspec(firstresult=True)
def maintenance_lead_time() -> float:
    """How many hours before a planned maintenance the units must be told (S3).

    Read when pages and API answers are built (notices re-read with the plugin state): a
    notice shows from this many hours before its start until its end; an emergency notice
    shows at once. First answer wins; core's default is 24 (QN-R Đ14.6), Hà Nội answers 48.
    """


@hookspec(firstresult=True)
def export_template(form) -> str | None:
    """The path of a Word (.docx) template for ``form``'s DOCX exports (R1), or None.

    A province that distributes its forms as Word files ships them in its plugin. A template the
    board uploads for the form wins over it; the plugin's wins over a board upload for every form
    and over core's default. The template is rendered with docxtpl (see docs/exports.md).
    """



@hookspec
def calendar_days(year: int) -> list[CalendarDay]:
    """The days of ``year`` that are not ordinary Monday-to-Friday working days or weekends (A8).

    Read by :mod:`core.platform.workdays` the first time a process counts working days in
    ``year`` after a plugin switch (answers are cached per plugin set). Lists are concatenated;
    for a day named twice the earlier answer wins (plugins before core's default, which gives
    Vietnam's public holidays, lunar Tết included, from the ``holidays`` package). The days the
    administrator enters on the *Working calendar* screen override every answer.
    """


@hookspec
def reorganisations() -> list[ReorganisationOffer]:
    """The administrative reorganisations the province plugin offers (issue 19), with the structure its
    installations run now ("2020" with districts, or "2025").

    Read when the *Sắp xếp đơn vị hành chính* screen is drawn: each offer is shown, and the system
    administrator turns one into a draft event (previewed, then applied; docs/reorganisation.md "How a
    province plugin declares its own events"). Lists are concatenated in plugin order.
    """
