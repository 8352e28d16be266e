"""Tables as downloads: CSV with a UTF-8 BOM (so Excel on a Vietnamese Windows reads the diacritics) and XLSX
written row by row (openpyxl ``write_only``), for results that can run to thousands of rows."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@")


def _cell(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _csv_text(value) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # text is never a formula in the reader's spreadsheet
    return str(value)


def csv_bytes(headers: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(target, title: str, headers: list[str], rows) -> None:
    """Write the sheet to ``target`` (a path or a binary file object)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=re.sub(r"[\\/?*\[\]:]", " ", title)[:31].strip() or "Sheet1")
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", str(h)))
        c.font = bold
        header_cells.append(c)
    ws.append(header_cells)
    for row in rows:
        cells = []
        for v in row:
            v = _cell(v)
            if isinstance(v, str):
                c = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", v))
                c.data_type = "s"  # "=1+1" stays text, never a formula
                cells.append(c)
            else:
                cells.append(v)
        ws.append(cells)
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
    return format_decimal(_cell(value), format="#,##0.##")
