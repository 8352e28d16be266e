"""Keep ``unit_version`` right, whichever door a unit comes in by (issue 19; docs/reorganisation.md).

ONE mechanism, not an edit in every path: a session listener sees every ``Unit`` created or changed
(the import, :func:`core.hierarchy.units.move`, the unit screens and API, the factories, ``baocao
init``, a reorganisation) and, after the flush, brings the units' versions in line in a few set-based
statements:

* a new unit gets its first version, valid from the unit's own ``valid_from`` (NULL: "as long as the
  records go", as the 0016 backfill did), so history entered for an existing tree finds its place;
* a unit whose name, level, parent or path differs from its open version closes that version the day
  before and opens a new one from the day of the change (:func:`clock.today`, or an applied
  reorganisation's effective date, :func:`on`); a version that began that very day, or in this
  transaction, is corrected in place rather than leaving a stretch of no days;
* a unit given a ``valid_to`` (deactivated, closed by a reorganisation) ends its open version then.

:func:`core.hierarchy.units.move` rewrites the paths of a whole subtree in one ``UPDATE`` the ORM never
sees; it calls :func:`sync` for that subtree itself.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import and_, case, delete, event, exists, insert, literal, or_, select, update
from sqlalchemy.orm import Session, aliased, attributes

from core.hierarchy.models import Unit, UnitVersion
from core.platform import clock

_TOUCHED = "baocao_versions_touched"
_DELETED = "baocao_versions_deleted"
_FRESH = "baocao_versions_fresh"
_ON = "baocao_versions_on"
#: What a version holds; a change of any of these opens a new one.
TRACKED = ("name", "level", "parent_id", "path")


@contextmanager
def on(session: Session, day: date, reorganisation_id: int | None = None):
    """Changes made inside are dated ``day`` and belong to the reorganisation (applying an event)."""
    previous = session.info.get(_ON)
    session.info[_ON] = (day, reorganisation_id)
    try:
        yield
    finally:
        if previous is None:
            session.info.pop(_ON, None)
        else:
            session.info[_ON] = previous


def _day(session: Session) -> tuple[date, int | None]:
    return session.info.get(_ON) or (clock.today(), None)


def _changed(unit: Unit) -> bool:
    state = attributes.instance_state(unit)
    return any(state.attrs[key].history.has_changes()
               for key in ("name", "level", "parent_id", "parent", "path", "valid_to", "active"))


def _before_flush(session: Session, flush_context, instances) -> None:
    touched = session.info.setdefault(_TOUCHED, {})
    for obj in session.new:
        if isinstance(obj, Unit):
            touched[obj] = True
    for obj in session.dirty:
        if isinstance(obj, Unit) and obj not in touched and _changed(obj):
            touched[obj] = False
    gone = [obj for obj in session.deleted if isinstance(obj, Unit) and obj.id is not None]
    if gone:
        # A unit deleted on its screen (never used: pre_delete refuses otherwise) takes its versions along.
        session.execute(delete(UnitVersion).where(UnitVersion.unit_id.in_([u.id for u in gone])))


def _after_flush(session: Session, flush_context) -> None:
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    ids = [u.id for u in touched if u.id is not None and u not in session.deleted]
    new = [u.id for u, is_new in touched.items() if is_new and u.id is not None]
    if ids:
        sync(session, ids, new=new)


def sync(session: Session, unit_ids, new=()) -> None:
    """Bring the versions of ``unit_ids`` (a list or a select of ids) in line with the units: set-based.

    ``new``: units created in this flush (their first version starts at their own ``valid_from``).
    """
    day, reorganisation_id = _day(session)
    connection = session.connection()
    fresh = session.info.setdefault(_FRESH, set())
    fresh.update(new)
    ids = unit_ids if not isinstance(unit_ids, (list, tuple, set)) else list(unit_ids)
    unit = Unit.__table__.c
    version = UnitVersion.__table__.c

    def of_unit(column):
        return select(getattr(unit, column)).where(unit.id == version.unit_id).scalar_subquery()

    open_version = and_(version.valid_to.is_(None), version.unit_id.in_(ids))
    differs = or_(*(version[c].is_distinct_from(of_unit(c)) for c in TRACKED))
    same_day = or_(version.valid_from >= day, version.unit_id.in_(list(fresh)) if fresh else literal(False))
    # 1. a version that began today (or in this transaction) takes the change in place
    connection.execute(update(UnitVersion.__table__).where(open_version, same_day, differs)
                       .values(**{c: of_unit(c) for c in TRACKED}))
    # 2. an older one ends the day before
    connection.execute(update(UnitVersion.__table__).where(open_version, differs)
                       .values(valid_to=day - timedelta(days=1)))
    # 3. a unit with no open version (new, or just closed above) and still open itself gets one
    has_open = exists().where(version.unit_id == unit.id, version.valid_to.is_(None))
    ever = exists().where(version.unit_id == unit.id)
    connection.execute(insert(UnitVersion.__table__).from_select(
        ["unit_id", "name", "level", "parent_id", "path", "valid_from", "valid_to", "reorganisation_id"],
        select(unit.id, unit.name, unit.level, unit.parent_id, unit.path,
               _first_from(unit, new, day), unit.valid_to,
               literal(reorganisation_id))
        .where(unit.id.in_(ids), ~has_open, or_(~ever, unit.valid_to.is_(None)))))
    # 4. a unit that ended (deactivated, closed by an event) ends its open version the same day
    connection.execute(update(UnitVersion.__table__).where(
        open_version, of_unit("valid_to").is_not(None)).values(valid_to=of_unit("valid_to")))


def _first_from(unit, new, day):
    """A new unit starts at its own ``valid_from``; a unit re-opening after a closed version, on ``day``."""
    if not new:
        return literal(day)
    return case((unit.id.in_(list(new)), unit.valid_from), else_=literal(day))


def _forget(session: Session, *args) -> None:
    session.info.pop(_FRESH, None)
    session.info.pop(_TOUCHED, None)


def install(session_target) -> None:
    """Attach the listeners once to the session class behind ``db.session`` (as the audit log does)."""
    for name, fn in (("before_flush", _before_flush), ("after_flush", _after_flush),
                     ("after_commit", _forget), ("after_soft_rollback", _forget)):
        if not event.contains(session_target, name, fn):
            event.listen(session_target, name, fn)


# --- the tree as of a date -------------------------------------------------------------------------


def valid_on(day: date, version=UnitVersion):
    """The condition "this version holds on ``day``" (dates inclusive, NULL open)."""
    return and_(or_(version.valid_from.is_(None), version.valid_from <= day),
                or_(version.valid_to.is_(None), version.valid_to >= day))


def tree_as_of(session: Session, day: date) -> list[UnitVersion]:
    """Every unit as it stood on ``day`` (its version then), in tree order: one query."""
    return list(session.execute(select(UnitVersion).where(valid_on(day)).order_by(UnitVersion.path)).scalars())


def subtree_as_of(session: Session, unit: Unit, day: date) -> list[UnitVersion]:
    """``unit`` and everything under it as the tree stood on ``day``: one query (a prefix match on the
    path of ``unit``'s version that day); empty when the unit did not exist then."""
    root = aliased(UnitVersion)
    prefix = select(root.path).where(root.unit_id == unit.id, valid_on(day, root)).limit(1).scalar_subquery()
    return list(session.execute(
        select(UnitVersion).where(valid_on(day), UnitVersion.path.startswith(prefix))
        .order_by(UnitVersion.path)).scalars())
