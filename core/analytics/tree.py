"""Totals on either tree (issue 19, docs/reorganisation.md "Totals on either tree").

Every aggregate of the platform (roll-up, completeness, trends, analysis, exports, DHIS2/ADX) asks the
same question of each report it reads: *under which unit does this report count?* This module answers it
once, as SQL joined onto the caller's query, so a total stays one grouped statement on either tree:

* ``as_reported``: the unit that made the report, placed by the ``unit_version`` valid on the report's
  date (its period's ``end``); the subtree is the chosen unit's version on that date. History exactly as it
  was approved. A unit with no version row at all (made before the dated tree, or by code that does not
  write versions) is its own only version: ``unit.path``.
* ``current``: ``unit_lineage`` LEFT JOINed on the report's unit and date, the value times
  ``COALESCE(share, 1)`` counted towards ``COALESCE(current_unit_id, report.unit_id)``, whose *current*
  ``Unit.path`` decides the subtree. A figure that used a lineage row is *reconstructed*.

Defaults: trends draw the ``current`` tree (a line across 1 July 2025 has no break); every other aggregate
keeps ``as_reported`` (what was approved, as it was before the dated tree existed: exports, the DHIS2
exchange and the totals screen give the same figures as before unless asked otherwise).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from core.hierarchy.models import Unit, UnitLineage, UnitVersion

AS_REPORTED, CURRENT = "as_reported", "current"
TREES = (AS_REPORTED, CURRENT)
#: What a reconstructed figure says on screens and in files.
RECONSTRUCTED = _l("estimated on today's boundaries")
LABELS = {AS_REPORTED: _l("as when reported"), CURRENT: _l("as today")}


class BadTree(ValueError):
    """A ``tree`` that is neither ``as_reported`` nor ``current``."""


def parse(value, default: str = AS_REPORTED) -> str:
    """``value`` checked (blank gives ``default``); raises :class:`BadTree`."""
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    if not value:
        return default
    if value not in TREES:
        raise BadTree(value)
    return value


def choices_text() -> str:
    return ", ".join(TREES)


def _holds(row, day):
    """``row`` (a version or a lineage row) holds on ``day`` (a date or a date column); dates inclusive."""
    start = row.valid_from if hasattr(row, "valid_from") else row.reported_from
    end = row.valid_to if hasattr(row, "valid_to") else row.reported_to
    return and_(or_(start.is_(None), start <= day), or_(end.is_(None), end >= day))


def version_on(session, unit: Unit, day: date) -> tuple[bool, str | None]:
    """``(exists, path)`` of ``unit`` on ``day``: its version's path then; a unit without any version row
    is its own only version (``unit.path``, always there)."""
    path = session.scalar(select(UnitVersion.path).where(UnitVersion.unit_id == unit.id, _holds(UnitVersion, day))
                          .order_by(UnitVersion.valid_from.desc()).limit(1))
    if path is not None:
        return True, path
    if session.scalar(select(exists().where(UnitVersion.unit_id == unit.id))):
        return False, None
    return True, unit.path


def has_versions(session, unit: Unit) -> bool:
    return bool(session.scalar(select(exists().where(UnitVersion.unit_id == unit.id))))


@dataclass
class Placement:
    """What :func:`place` joined: the condition "counts in the chosen subtree", the share each value is
    multiplied by, 1 where a lineage row was used (else 0), and the unit the report counts towards
    (``Unit`` itself on ``as_reported``; the current unit on ``current``)."""

    query: object
    where: object
    share: object
    reconstructed: object
    target: object
    level: object
    #: The path the report is placed at (its current unit's, or its own version's then).
    path: object


def place(query, tree: str, unit: Unit, day, report_unit_id, root_path: str | None = None,
          root_versions: bool = False) -> Placement:
    """Join onto ``query`` (which already has ``Unit`` joined as the report's unit on ``report_unit_id``)
    what places each report on ``tree``. ``day`` is a date (one period) or a date column (``Period.end``).

    ``as_reported``: ``root_path`` is the chosen unit's path on ``day`` when ``day`` is one date; with a
    column and ``root_versions`` the chosen unit's own version on each date is joined (a date on which it
    did not exist counts nothing)."""
    if tree == CURRENT:
        lineage = aliased(UnitLineage, name="lineage")
        target = aliased(Unit, name="current_unit")
        query = (query.outerjoin(lineage, and_(lineage.unit_id == report_unit_id, _holds(lineage, day)))
                 .join(target, target.id == func.coalesce(lineage.current_unit_id, report_unit_id)))
        return Placement(query, target.path.like(f"{unit.path}%"), func.coalesce(lineage.share, 1),
                         case((lineage.id.is_not(None), 1), else_=0), target, target.level, target.path)
    version = aliased(UnitVersion, name="version_then")
    query = query.outerjoin(version, and_(version.unit_id == report_unit_id, _holds(version, day)))
    path = func.coalesce(version.path, Unit.path)
    if root_path is not None:
        where = path.like(f"{root_path}%")
    elif root_versions:
        root = aliased(UnitVersion, name="root_then")
        query = query.join(root, and_(root.unit_id == unit.id, _holds(root, day)))
        where = path.like(root.path + "%")
    else:
        where = path.like(f"{unit.path}%")
    return Placement(query, where, literal(1), literal(0), Unit, func.coalesce(version.level, Unit.level), path)


def children(session, unit: Unit, day: date, tree: str):
    """The child units of ``unit`` as a subquery ``(id, code, name, level, path)``: today's children on
    ``current``; on ``as_reported`` those whose version on ``day`` had ``unit`` as parent (with that
    version's name and path), plus the children without any version row."""
    if tree == CURRENT:
        return select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.path).where(Unit.parent_id == unit.id).subquery()
    dated = (select(Unit.id, Unit.code, UnitVersion.name, UnitVersion.level, UnitVersion.path)
             .join(UnitVersion, UnitVersion.unit_id == Unit.id)
             .where(UnitVersion.parent_id == unit.id, _holds(UnitVersion, day)))
    plain = select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.path).where(
        Unit.parent_id == unit.id, ~exists().where(UnitVersion.unit_id == Unit.id))
    return dated.union_all(plain).subquery()


def missing_message(unit: Unit, day: date) -> str:
    from flask_babel import gettext as _

    return _("%(unit)s did not exist on %(day)s: on the tree as reported it has no figures for this period.",
             unit=unit.name, day=day.strftime("%d/%m/%Y"))


def counts_in(unit: Unit, day, report_unit_id):
    """On ``current``: "a report of ``report_unit_id`` dated ``day`` counts (wholly or by a share) in
    ``unit``'s subtree", as a condition (needs the report's ``Unit`` joined), one row per report however
    many successors share it. Also returns "it counts through a lineage row"."""
    lineage, into = aliased(UnitLineage), aliased(UnitLineage)
    target = aliased(Unit)
    traced = exists().where(lineage.unit_id == report_unit_id, _holds(lineage, day))
    towards = exists().where(into.unit_id == report_unit_id, _holds(into, day), target.id == into.current_unit_id,
                             target.path.like(f"{unit.path}%"))
    return or_(and_(~traced, Unit.path.like(f"{unit.path}%")), towards), traced
