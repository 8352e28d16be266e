"""Units: import a province's tree, move a unit, and answer "which units are in my subtree".

An import is all-or-nothing: rows are checked first (codes unique, parents
known, kinds placed on a tier of the province's hierarchy), and a single bad
row refuses the whole file with every problem listed. Paths (``/1/7/42/``)
are computed as rows go in, top tier first, so subtree queries stay one
indexed prefix match. Moving a unit (:func:`move`) rewrites its path and
every descendant's in one UPDATE; the import re-parents through it too.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import String, func, literal, select, update

from core.platform import audit, plugin_admin
from core.platform.extensions import db
from core.platform.i18n import N_
from core.hierarchy.models import Unit

#: Optional row attributes an import copies onto the unit when the row carries them
#: (CSV rows do; the administrative-unit rows of :mod:`core.hierarchy.sources` do not).
OPTIONAL_FIELDS = ("sector", "active", "valid_from", "valid_to")


class Reason(str):
    """A problem's reason: English text as a ``str`` (logs, CLI, tests), translatable for screens.

    ``str(reason)`` never depends on the request's language, so the CLI and the
    log stay stable; a screen calls :meth:`translated` for the user's language.
    """

    msgid: str
    params: dict

    def __new__(cls, msgid: str, **params) -> "Reason":
        obj = super().__new__(cls, msgid % params if params else msgid)
        obj.msgid = msgid
        obj.params = params
        return obj

    def translated(self) -> str:
        return gettext(self.msgid, **self.params)


def translated(reason) -> str:
    """A problem's reason in the user's language (plain strings pass through)."""
    return reason.translated() if isinstance(reason, Reason) else str(reason)


class UnitImportError(Exception):
    """Every problem found, each with its line (1-based, as in the file) and reason."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(f"line {n}: {why}" for n, why in problems[:5]))


class UnitMoveError(Exception):
    """A refused move; ``reason`` is a :class:`Reason`."""

    def __init__(self, reason: Reason):
        self.reason = reason
        super().__init__(str(reason))


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class ProvinceUnits:
    """A province's real units from vietnam-provinces, ready for :func:`import_units`."""

    code: str
    name: str
    structure: str
    rows: list

    @property
    def source(self) -> str:
        return f"vietnam-provinces {self.structure} {self.code}"


def province_units(query: str, structure: str | None = None) -> ProvinceUnits:
    """Find the province ``query`` names and shape its units for this province's hierarchy.

    Without ``structure``, a hierarchy with a district tier gets the pre-2025
    districts (2020), any other the two-level 2025 structure. The province
    itself becomes the root: the provincial board's tier. LookupError names
    close matches when ``query`` names no province.
    """
    from dataclasses import replace

    from core.hierarchy.sources import administrative_units, find_province

    structure = structure or ("2020" if level_for_kind("district") else "2025")
    code, name = find_province(query, structure)
    rows = [replace(r, kind="board") if r.kind == "province" else r for r in administrative_units(code, structure)]
    return ProvinceUnits(code, name, structure, rows)


def levels() -> list:
    return plugin_admin.registry().hook.hierarchy_levels()


def names_of(codes) -> dict[str, str]:
    """``{code: name}`` of the units with ``codes``, in one query (screens name units, not codes)."""
    return dict(db.session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(list(codes)))).all())


def level_by_kind() -> dict[str, str]:
    """``{unit kind: level code}`` from the hierarchy hook, asked once per operation, not per row."""
    return {kind: lvl.code for lvl in reversed(levels()) for kind in lvl.kinds}


def level_for_kind(kind: str) -> str | None:
    return level_by_kind().get(kind)


def _numbered(rows: list, first_line: int):
    """``(line, row)``: a row's own ``line`` when it has one (CSV), else its position from ``first_line``."""
    for index, row in enumerate(rows):
        yield getattr(row, "line", None) or first_line + index, row


def validate(rows: list, existing_codes: set[str], tiers: dict[str, str],
             first_line: int = 1) -> list[tuple[int, Reason]]:
    """Problems with ``rows`` (objects with code, name, kind, parent_code).

    Lines count from ``first_line`` (a CSV's first data row is line 2), unless a
    row carries its own ``line``.
    """
    problems, seen = [], set()
    for line, row in _numbered(rows, first_line):
        if not row.code or not row.name:
            problems.append((line, Reason(N_("code and name are required"))))
        if row.code and row.code in seen:
            problems.append((line, Reason(N_("code %(code)s appears twice"), code=row.code)))
        if row.kind not in tiers:
            problems.append((line, Reason(N_("kind '%(kind)s' has no tier in this province's hierarchy"),
                                          kind=row.kind or "")))
        if row.parent_code and row.parent_code == row.code:
            problems.append((line, Reason(N_("unit %(code)s cannot be its own parent"), code=row.code)))
        elif row.parent_code and row.parent_code not in seen and row.parent_code not in existing_codes:
            problems.append((line, Reason(N_("parent %(parent)s is unknown (parents must come first)"),
                                          parent=row.parent_code)))
        seen.add(row.code)
    return problems


def import_units(session, rows: list, source: str, first_line: int = 1) -> ImportResult:
    """Create or update units from ``rows``; the caller commits. Refuses the lot on any bad row.

    A unit whose parent changes is moved with :func:`move`, so its descendants'
    paths follow it.
    """
    existing = {u.code: u for u in session.execute(select(Unit)).scalars()}
    tiers = level_by_kind()
    problems = validate(rows, set(existing), tiers, first_line)
    if problems:
        raise UnitImportError(problems)
    lines = {row.code: line for line, row in _numbered(rows, first_line)}
    created = updated = unchanged = 0
    with audit.suppressed(session):
        for tier in _tiers(rows):
            fresh, moves = [], []
            for row in tier:  # one flush per tier: ids come back in one batched INSERT
                parent = existing.get(row.parent_code) if row.parent_code else None
                values = {"name": row.name, "kind": row.kind, "level": tiers[row.kind]}
                values.update({key: getattr(row, key) for key in OPTIONAL_FIELDS if hasattr(row, key)})
                unit = existing.get(row.code)
                if unit is None:
                    unit = existing[row.code] = Unit(code=row.code, path="/", parent=parent,
                                                     **{"active": True, **values})
                    session.add(unit)
                    fresh.append(unit)
                    created += 1
                    continue
                changed = {key: value for key, value in values.items() if getattr(unit, key) != value}
                moved = unit.parent is not parent
                if not changed and not moved:
                    unchanged += 1
                    continue
                for key, value in changed.items():
                    setattr(unit, key, value)
                if moved:
                    moves.append((row, unit, parent))
                updated += 1
            session.flush()
            for unit in fresh:
                unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.id}/"
            for row, unit, parent in moves:
                try:
                    move(session, unit, parent)
                except UnitMoveError as exc:
                    raise UnitImportError([(lines[row.code], exc.reason)]) from exc
        session.flush()
    result = ImportResult(created, updated, unchanged)
    if created or updated:
        audit.record("units.import", "Unit", None, {"source": source, **result.__dict__}, session=session)
    return result


def _tiers(rows: list) -> list[list]:
    """Rows grouped by depth (parents are earlier tiers); codes absent from ``rows`` count as depth 0."""
    depth: dict[str, int] = {}
    tiers: dict[int, list] = {}
    for row in rows:
        d = depth[row.code] = depth.get(row.parent_code, -1) + 1 if row.parent_code else 0
        tiers.setdefault(d, []).append(row)
    return [tiers[d] for d in sorted(tiers)]


_NO_EDITOR = object()


def move(session, unit: Unit, new_parent: Unit | None, editor=_NO_EDITOR) -> int:
    """Put ``unit`` under ``new_parent`` (None: a root); returns how many paths were rewritten.

    The unit's path and every descendant's are rewritten by ONE ``UPDATE``
    replacing the old path prefix with the new one. Refused (:class:`UnitMoveError`)
    under the unit itself or one of its descendants and, when ``editor`` (an
    account) is given, to a place outside the editor's scope. The caller
    commits, or rolls back after a refusal.
    """
    from core.hierarchy.scope import in_scope, is_system_admin

    if editor is not _NO_EDITOR:
        if new_parent is None and not is_system_admin(editor):
            raise UnitMoveError(Reason(N_("only a system administrator may make %(unit)s a top-level unit"),
                                       unit=unit.code))
        if new_parent is not None and not in_scope(editor, new_parent):
            raise UnitMoveError(Reason(N_("unit %(parent)s is outside your scope"), parent=new_parent.code))
    if unit.id is None:  # not stored yet: its path is set when it gets an id
        unit.parent = new_parent
        return 0
    old = unit.path
    if new_parent is not None and new_parent.path.startswith(old):
        raise UnitMoveError(Reason(N_("%(unit)s cannot be placed under itself or one of its own units (%(parent)s)"),
                                   unit=unit.code, parent=new_parent.code))
    new = f"{new_parent.path if new_parent else '/'}{unit.id}/"
    unit.parent = new_parent
    if new == old:
        return 0
    statement = (
        update(Unit)
        .where(Unit.path.startswith(old, autoescape=True))
        .values(path=literal(new, String) + func.substr(Unit.path, len(old) + 1))
        .execution_options(synchronize_session="fetch")
    )
    count = session.execute(statement).rowcount
    from core.hierarchy import versions

    # The UPDATE bypassed the ORM: date the new paths of the whole subtree in the same few statements.
    versions.sync(session, select(Unit.id).where(Unit.path.startswith(new, autoescape=True)))
    return count


def subtree(session, unit: Unit):
    """A select of ``unit`` and everything under it: one prefix match on the indexed path."""
    return select(Unit).where(Unit.path.startswith(unit.path, autoescape=True))
