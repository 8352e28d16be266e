"""Units: import a province's tree and answer "which units are in my subtree".

An import is all-or-nothing: rows are checked first (codes unique, parents
known, kinds placed on a tier of the province's hierarchy), and a single bad
row refuses the whole file with every problem listed. Paths (``/1/7/42/``)
are computed as rows go in, top tier first, so subtree queries stay one
indexed prefix match.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core import audit, plugin_admin
from core.models import Unit


class UnitImportError(Exception):
    """Every problem found, each with its line (1-based, as in the file) and reason."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(f"line {n}: {why}" for n, why in problems[:5]))


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def levels() -> list:
    return plugin_admin.registry().hook.hierarchy_levels()


def level_by_kind() -> dict[str, str]:
    """``{unit kind: level code}`` from the hierarchy hook, asked once per operation, not per row."""
    return {kind: lvl.code for lvl in reversed(levels()) for kind in lvl.kinds}


def level_for_kind(kind: str) -> str | None:
    return level_by_kind().get(kind)


def validate(rows: list, existing_codes: set[str], tiers: dict[str, str]) -> list[tuple[int, str]]:
    """Problems with ``rows`` (objects with code, name, kind, parent_code), line numbers from 1."""
    problems, seen = [], set()
    for line, row in enumerate(rows, start=1):
        if not row.code or not row.name:
            problems.append((line, "code and name are required"))
        if row.code in seen:
            problems.append((line, f"code {row.code} appears twice"))
        if row.kind not in tiers:
            problems.append((line, f"kind {row.kind!r} has no tier in this province's hierarchy"))
        if row.parent_code and row.parent_code not in seen and row.parent_code not in existing_codes:
            problems.append((line, f"parent {row.parent_code} is unknown (parents must come first)"))
        seen.add(row.code)
    return problems


def import_units(session, rows: list, source: str) -> ImportResult:
    """Create or update units from ``rows``; the caller commits. Refuses the lot on any bad row."""
    existing = {u.code: u for u in session.execute(select(Unit)).scalars()}
    tiers = level_by_kind()
    problems = validate(rows, set(existing), tiers)
    if problems:
        raise UnitImportError(problems)
    created = updated = unchanged = 0
    with audit.suppressed(session):
        for tier in _tiers(rows):
            touched = []
            for row in tier:  # one flush per tier: ids come back in one batched INSERT
                parent = existing.get(row.parent_code) if row.parent_code else None
                values = {"name": row.name, "kind": row.kind, "level": tiers[row.kind], "parent": parent}
                unit = existing.get(row.code)
                if unit is None:
                    unit = existing[row.code] = Unit(code=row.code, active=True, path="/", **values)
                    session.add(unit)
                    created += 1
                elif any(getattr(unit, k) != v for k, v in values.items()):
                    for key, value in values.items():
                        setattr(unit, key, value)
                    updated += 1
                else:
                    unchanged += 1
                    continue
                touched.append(unit)
            session.flush()
            for unit in touched:
                unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.id}/"
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


def subtree(session, unit: Unit):
    """A select of ``unit`` and everything under it: one prefix match on the indexed path."""
    return select(Unit).where(Unit.path.startswith(unit.path, autoescape=True))
