"""XLSX: openpyxl in write-only mode (rows streamed to the file, a province in a few seconds).

Above the table, as on a paper form: the issuing unit and the number on the
left, the national motto on the right, the title, the period and the dateline.
The header row is frozen with the unit columns; numbers are written as
numbers, text as text (:func:`core.platform.tabular.xlsx_cell`: never a formula, a leading ``=`` neutralised),
the total row is the roll-up's, and the signature block closes it.
"""
from __future__ import annotations

from typing import BinaryIO, Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from core.analytics.exports import document
from core.analytics.exports.table import Table
from core.platform import tabular

FIXED = 3  # STT, unit code, unit name
_BOLD = Font(name="Times New Roman", bold=True)
_TITLE = Font(name="Times New Roman", bold=True, size=14)
_ITALIC = Font(name="Times New Roman", italic=True)
_THIN = Side(style="thin", color="444444")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="EEEEEE")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _cell(ws, value, font=None, align=None, border=None, fill=None, number_format=None):
    return tabular.xlsx_cell(ws, value, font=font, alignment=align, border=border, fill=fill,
                             number_format=number_format)


def _merge(ws, row: int, first: int, last: int) -> None:
    if last > first:
        ws.merged_cells.add(CellRange(min_row=row, max_row=row, min_col=first, max_col=last))


def _heading(ws, table: Table, head: document.Letterhead, words: dict, width: int) -> int:
    """The letterhead rows; returns the number of the table's header row."""
    right = max(FIXED + 1, width - 3)  # where the motto starts
    pad = [None] * (right - 2)
    ws.append([_cell(ws, head.issuing_unit.upper(), _BOLD), None] + pad[:-1] + [_cell(ws, words["nation"].upper(), _BOLD)])
    ws.append([_cell(ws, f"{words['number']}: {head.number}"), None] + pad[:-1] + [_cell(ws, words["motto"], _BOLD)])
    ws.append([])
    ws.append([_cell(ws, head.title.upper(), _TITLE)])
    ws.append([_cell(ws, f"{words['period']}: {head.period}")])
    ws.append([_cell(ws, head.dateline, _ITALIC)])
    ws.append([])
    for row in (4, 5, 6):
        _merge(ws, row, 1, width)
    return 8


def write(table: Table, head: document.Letterhead, out: BinaryIO,
          progress: Callable[[int, int], None] | None = None, **_options) -> None:
    words = document.labels()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=table.form.code[:31])
    width = FIXED + len(table.columns)
    for i, w in enumerate([6, 12, 32] + [14] * len(table.columns), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    header_row = _heading(ws, table, head, words, width)
    ws.freeze_panes = f"{get_column_letter(FIXED + 1)}{header_row + 1}"
    ws.append([_cell(ws, text, _BOLD, _CENTER, _BOX, _HEAD_FILL)
               for text in [words["no"], words["code"], words["unit"]] + [c.heading for c in table.columns]])
    for chunk in document.chunks(table.rows, document.chunk_size(), progress):
        for row in chunk:
            ws.append(tabular.xlsx_row(ws, [row.no, row.code, row.name, *row.values]))
    ws.append([None, None, _cell(ws, words["total"], _BOLD, border=_BOX)]
              + [_cell(ws, v, _BOLD, border=_BOX) for v in table.totals])
    ws.append([])
    ws.append([None, None, _cell(ws, head.dateline, _ITALIC)])
    ws.append([None, None, _cell(ws, words["prepared"].upper(), _BOLD), None,
               _cell(ws, words["head"].upper(), _BOLD)])
    ws.append([None, None, _cell(ws, words["sign"], _ITALIC), None, _cell(ws, words["seal"], _ITALIC)])
    wb.save(out)
