"""Units as CSV: export the units in scope, import a file all or nothing (REQUIREMENTS H1).

The file is UTF-8 with a byte-order mark, so Excel opens Vietnamese names
correctly; the import accepts it with or without the mark, comma- or
semicolon-separated (Excel in a Vietnamese locale saves with ";"). Lines are
numbered as in the file: the header is line 1, the first unit line 2.
Every bad row is reported with its line and reason, and when any row is bad
nothing is written. The rules on codes, parents and tiers are those of
:func:`core.hierarchy.units.validate`; this module adds what only a file can get wrong
(columns, dates, yes/no values, lengths). Text is written through
:func:`core.platform.tabular.csv_row` (a name starting with ``=`` never becomes a formula in
Excel) and read back through :func:`core.platform.tabular.restore`, so an exported file imports
unchanged.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from core.hierarchy.models import Unit
from core.platform import tabular
from core.platform.i18n import N_
from core.hierarchy.units import ImportResult, Reason, UnitImportError, import_units, levels, validate

COLUMNS = ("code", "name", "kind", "level", "parent_code", "sector", "active", "valid_from", "valid_to")
REQUIRED = ("code", "name", "kind", "parent_code")
#: Column widths of :class:`core.models.Unit`, checked here so every database refuses alike.
MAX_LENGTHS = {"code": 50, "name": 255, "sector": 100}
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "x", "có", "co", "c"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "không", "khong", "k"})
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


@dataclass(frozen=True)
class CsvRow:
    """One unit line of a file, with its line number; the shape :func:`core.hierarchy.units.import_units` takes."""

    line: int
    code: str
    name: str
    kind: str
    parent_code: str | None
    sector: str | None
    active: bool
    valid_from: date | None
    valid_to: date | None


# --- export ------------------------------------------------------------------


def export_rows(session, where=None) -> list[tuple]:
    """The units matching ``where`` (all without it) as CSV tuples, parents before children."""
    parent = aliased(Unit)
    query = (
        select(Unit.code, Unit.name, Unit.kind, Unit.level, parent.code, Unit.sector, Unit.active,
               Unit.valid_from, Unit.valid_to)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .order_by(Unit.path)
    )
    if where is not None:
        query = query.where(where)
    return [tuple(row) for row in session.execute(query)]


def write(rows) -> bytes:
    """CSV bytes, UTF-8 with BOM: a header, then one line per unit tuple (in :data:`COLUMNS` order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for code, name, kind, level, parent_code, sector, active, valid_from, valid_to in rows:
        writer.writerow(tabular.csv_row([code, name, kind, level, parent_code, sector, "1" if active else "0",
                                         valid_from.isoformat() if valid_from else None,
                                         valid_to.isoformat() if valid_to else None]))
    return out.getvalue().encode("utf-8-sig")


def export_csv(session, where=None) -> tuple[bytes, int]:
    """The file and how many units it holds."""
    rows = export_rows(session, where)
    return write(rows), len(rows)


# --- import ------------------------------------------------------------------


def _clean(value: str) -> str:
    return tabular.restore(unicodedata.normalize("NFC", value).strip())


def _parse_active(value: str):
    word = value.lower()
    if not word or word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _parse_date(value: str):
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if ";" in header and "," not in header else ","


def read(data: bytes, tiers=None) -> tuple[list[CsvRow], list[tuple[int, Reason]]]:
    """Parse a file into rows and the problems only a file can have (not codes or parents).

    ``tiers`` is the hierarchy (:func:`core.hierarchy.units.levels`) used to check the
    optional ``level`` column against each row's kind.
    """
    tiers = levels() if tiers is None else tiers
    level_of_kind = {kind: lvl.code for lvl in reversed(tiers) for kind in lvl.kinds}
    level_codes = {lvl.code: lvl.code for lvl in tiers} | {_clean(lvl.name).lower(): lvl.code for lvl in tiers}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return [], [(line, Reason(N_("the file is not UTF-8 text: save it as \"CSV UTF-8\"")))]
    if not text.strip():
        return [], [(1, Reason(N_("the file is empty")))]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    problems: list[tuple[int, Reason]] = []
    header = [_clean(name).lower() for name in next(reader)]
    for name in sorted({n for n in header if header.count(n) > 1}):
        problems.append((1, Reason(N_("column %(column)s appears twice"), column=name)))
    for name in header:
        if name not in COLUMNS:
            problems.append((1, Reason(N_("unknown column %(column)s (known: %(known)s)"), column=name or "''",
                                       known=", ".join(COLUMNS))))
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        problems.append((1, Reason(N_("missing column(s): %(columns)s"), columns=", ".join(missing))))
        return [], problems
    rows = []
    line = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append((reader.line_num, Reason(N_("the line cannot be read as CSV: %(error)s"), error=str(exc))))
            break
        start, line = line, reader.line_num + 1
        if not any(f.strip() for f in fields):
            continue  # blank line
        if len(fields) > len(header):
            problems.append((start, Reason(N_("%(count)d values but the header has %(columns)d columns"),
                                           count=len(fields), columns=len(header))))
        value = dict(zip(header, [_clean(f) for f in fields]))
        get = lambda name: value.get(name, "")  # noqa: E731
        for name, limit in MAX_LENGTHS.items():
            if len(get(name)) > limit:
                problems.append((start, Reason(N_("%(column)s is longer than %(limit)d characters"),
                                               column=name, limit=limit)))
        active = _parse_active(get("active"))
        if active is None:
            problems.append((start, Reason(N_("active must be 1 (yes) or 0 (no), not %(value)s"),
                                           value=get("active"))))
        dates = {}
        for name in ("valid_from", "valid_to"):
            dates[name] = None
            if get(name):
                try:
                    dates[name] = _parse_date(get(name))
                except ValueError:
                    problems.append((start, Reason(N_("%(column)s is not a date (YYYY-MM-DD or DD/MM/YYYY): %(value)s"),
                                                   column=name, value=get(name))))
        if dates["valid_from"] and dates["valid_to"] and dates["valid_to"] < dates["valid_from"]:
            problems.append((start, Reason(N_("valid_to is before valid_from"))))
        kind, level = get("kind"), get("level")
        if level and kind in level_of_kind and level_codes.get(level.lower()) != level_of_kind[kind]:
            problems.append((start, Reason(N_("level %(level)s does not match kind %(kind)s (expected %(expected)s)"),
                                           level=level, kind=kind, expected=level_of_kind[kind])))
        rows.append(CsvRow(line=start, code=get("code"), name=get("name"), kind=kind,
                           parent_code=get("parent_code") or None, sector=get("sector") or None,
                           active=bool(active) if active is not None else True,
                           valid_from=dates["valid_from"], valid_to=dates["valid_to"]))
    if not rows and not problems:
        problems.append((2, Reason(N_("the file has a header but no units"))))
    return rows, problems


def import_csv(session, data: bytes, source: str) -> ImportResult:
    """Import a file all or nothing; the caller commits. :class:`UnitImportError` lists every bad line."""
    tiers = levels()
    rows, problems = read(data, tiers)
    if problems:
        existing = set(session.execute(select(Unit.code)).scalars())
        by_kind = {kind: lvl.code for lvl in reversed(tiers) for kind in lvl.kinds}
        problems += validate(rows, existing, by_kind)
        raise UnitImportError(sorted(problems, key=lambda p: p[0]))
    return import_units(session, rows, source=source)


def bad_rows(problems) -> int:
    """How many distinct lines have a problem."""
    return len({line for line, _ in problems})


def summary(problems) -> str:
    """One English line for the CLI: ``3 bad rows: line 4: ...; line 6: ...``."""
    count = bad_rows(problems)
    return f"{count} bad row{'s' if count != 1 else ''}: " + "; ".join(
        f"line {line}: {reason}" for line, reason in problems)
