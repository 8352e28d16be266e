"""The offline workbook (issue 18, part 3): a report as an XLSX file to fill without a connection,
and that file read back.

Communes on slow or intermittent links download their report once, fill it in Excel or LibreOffice
at their own pace, and send it back in one upload. The file is a *form*, not an export:

* one sheet per section of the report's form version: labels, units, help, each field's input cell
  (a disaggregated field as its grid: rows of the first category, columns of the others), with the
  values stored now;
* every cell outside the inputs is locked (sheet protection, no password: it guides, the checks
  below protect), the inputs are unlocked and yellow; Excel's data validation refuses what the
  field cannot hold (whole or decimal numbers in range, percentages, dates, text length, a choice
  from its list, Có/Không) before the file ever comes back;
* a hidden sheet ``_baocao`` holds the report id, the form code and version, ``lock_version``, when
  the values were last saved, and an HMAC (key derived from ``SECRET_KEY``) over those and the layout,
  so a workbook of another report, another version, an outdated one or one whose hidden sheet was
  edited is refused by name.

Reading back trusts nothing in the file but the input cells of the layout the definition gives
(:func:`layout`, the same function that wrote it), checks the field code beside each input (rows
inserted or deleted shift it), refuses formulas (a cell starting with ``=`` is Excel's, never data)
and hands every value to :func:`core.reporting.entry.save_checked`, the entry screen's own save, as
if typed on the screen. Every problem comes back with its sheet, cell and field; with any problem
nothing is written (the caller rolls back). Text travels as :mod:`core.platform.tabular` writes it
(a leading apostrophe before ``=``, ``+``, ``-``, ``@``) and is read back with its ``restore``.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial

from flask import current_app
from flask_babel import gettext as _

from core.forms import expressions
from core.forms.definitions import fields_of, grid
from core.forms.models.form import NUMERIC_TYPES
from core.platform import audit, crypto, tabular
from core.reporting import entry
from core.reporting.cells import MAX_NUMBER, TEXT_LIMITS
from core.reporting.models import Report

META_SHEET = "_baocao"
LISTS_SHEET = "_lists"
#: Header rows above the fields of each section sheet; the first field is on the row after.
FIRST_ROW = 6
CODE_COL, LABEL_COL, UNIT_COL, VALUE_COL = 1, 2, 3, 4
#: A workbook of a 300-field form is about 40 KiB; anything far larger is not ours.
MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED = 60 * 1024 * 1024
MAX_MEMBERS = 500
YES, NO = "Có", "Không"
_BAD_TITLE = re.compile(r"[\\/?*\[\]:']")
#: What the checksum covers, in this order.
META_KEYS = ("report_id", "form_code", "form_version", "lock_version", "saved_at", "mode", "unit_code",
             "period_code", "layout")


class WorkbookRefused(Exception):
    """The file as a whole cannot be taken; the message is for the user.

    ``conflict``: the file is right but outdated (another form version, the report changed since).
    """

    def __init__(self, message: str, conflict: bool = False):
        super().__init__(message)
        self.conflict = conflict


# --- the layout: where each field sits ---------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One input cell: where it is and which value it holds."""

    sheet: str
    row: int
    column: int
    code: str
    cell: str
    label: str

    @property
    def coordinate(self) -> str:
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(self.column)}{self.row}"


@dataclass
class Block:
    """A field's rows on its sheet: the title row, and for a grid one row per option of its first category."""

    fld: dict
    row: int
    grid: dict | None = None
    help_row: int | None = None


@dataclass
class Sheet:
    title: str
    section: dict
    blocks: list[Block] = field(default_factory=list)
    width: int = VALUE_COL


@dataclass
class Layout:
    sheets: list[Sheet]
    slots: list[Slot]

    def signature(self) -> str:
        """What the checksum binds: every input's place and name (a changed layout is another workbook)."""
        text = "\n".join(f"{s.sheet}!{s.coordinate}={entry.input_name(s.code, s.cell)}" for s in self.slots)
        return hashlib.sha256(text.encode()).hexdigest()


def _titles(sections: list[dict]) -> list[str]:
    """Sheet names: "1. Hộ và nhân khẩu", at most 31 characters, no character Excel refuses, unique."""
    titles = []
    for n, section in enumerate(sections, start=1):
        base = _BAD_TITLE.sub(" ", f"{n}. {section.get('title') or section['code']}").strip()[:31].rstrip()
        titles.append(base)
    return titles


def layout(defn: dict) -> Layout:
    """The workbook's shape, from the definition alone: the writer and the reader both use it."""
    sheets, slots = [], []
    sections = [s for s in defn["sections"] if any(f["type"] != "file" for f in s["fields"])]
    for title, section in zip(_titles(sections), sections):
        sheet = Sheet(title, section)
        row = FIRST_ROW
        for fld in section["fields"]:
            if fld["type"] == "file":
                continue  # attachments are uploaded on the entry page
            block = Block(fld, row)
            if fld.get("combo"):
                block.grid = grid(defn["combos"][fld["combo"]])
                for r, grid_row in enumerate(block.grid["rows"], start=1):
                    for c, cell in enumerate(grid_row["cells"]):
                        slots.append(Slot(title, row + r, VALUE_COL + c, fld["code"], cell["key"],
                                          f"{fld['label']} ({cell['label']})"))
                sheet.width = max(sheet.width, VALUE_COL + len(block.grid["columns"]) - 1)
                row += len(block.grid["rows"])
            else:
                slots.append(Slot(title, row, VALUE_COL, fld["code"], "", fld["label"]))
            if fld.get("help"):
                row += 1
                block.help_row = row
            sheet.blocks.append(block)
            row += 1
        sheets.append(sheet)
    return Layout(sheets, slots)


def _row_marker(code: str, option: str | None = None) -> str:
    """What the code column shows on a field's row (``households``) or a grid row (``poor_by_ethnicity/01``)."""
    return code if option is None else f"{code}/{option}"


def _markers(lay: Layout) -> dict[tuple[str, int], str]:
    """``{(sheet, row): code column text}`` for every row that holds inputs."""
    out = {}
    for sheet in lay.sheets:
        for block in sheet.blocks:
            out[(sheet.title, block.row)] = _row_marker(block.fld["code"])
            if block.grid:
                for r, grid_row in enumerate(block.grid["rows"], start=1):
                    option = grid_row["cells"][0]["key"].split("|", 1)[0]
                    out[(sheet.title, block.row + r)] = _row_marker(block.fld["code"], option)
    return out


# --- the checksum ------------------------------------------------------------------------------


def _key() -> bytes:
    return crypto.derived_key(current_app.config["SECRET_KEY"], b"baocao report workbook")


def checksum(meta: dict) -> str:
    text = json.dumps([str(meta.get(k, "")) for k in META_KEYS], ensure_ascii=False)
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()


def _saved_at(report: Report) -> str:
    return report.updated_at.isoformat() if report.updated_at else ""


def meta_of(report: Report, lay: Layout, editable: bool) -> dict:
    defn = report.version.definition
    meta = {"report_id": report.id, "form_code": defn["code"], "form_version": defn.get("version", ""),
            "lock_version": report.lock_version, "saved_at": _saved_at(report),
            "mode": "edit" if editable else "read", "unit_code": report.unit.code,
            "period_code": report.period.code, "layout": lay.signature()}
    meta["checksum"] = checksum(meta)
    return meta


# --- writing -----------------------------------------------------------------------------------


def filename(report: Report) -> str:
    """``CB-DT01_2026_X011.xlsx``: form, period and unit, safe on any file system."""
    name = f"{report.form.code}_{report.period.code}_{report.unit.code}"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name) + ".xlsx"


def _choice_labels(fld: dict) -> list[str]:
    """What a choice's drop-down offers: the labels, or the codes when two labels are the same."""
    labels = [c["label"] or c["code"] for c in fld.get("choices") or []]
    return labels if len(set(labels)) == len(labels) else [c["code"] for c in fld.get("choices") or []]


def _shown(fld: dict, value):
    """A stored value as its input cell holds it (text is neutralised when written, by :func:`_text`)."""
    if value is None:
        return None
    kind = fld["type"]
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "yes_no":
        return YES if value else NO
    if kind == "choice":
        codes = [c["code"] for c in fld.get("choices") or []]
        return _choice_labels(fld)[codes.index(value)] if value in codes else str(value)
    return value


def _bounds(fld: dict) -> tuple:
    """The field's range as the screen checks it (a percentage within 0..100); None where it has none."""
    low, high = fld.get("min"), fld.get("max")
    if fld["type"] == "percent":
        low = 0 if low is None else max(low, 0)
        high = 100 if high is None else min(high, 100)
    return low, high


def _number_message(kind: str, low, high) -> str:
    """The validation's message, from the entry screen's own sentences."""
    from flask_babel import format_decimal

    parts = [_("Enter a whole number.") if kind == "integer" else _("Enter a number.")]
    if low is not None:
        parts.append(_("Enter at least %(min)s.", min=format_decimal(entry.plain(low))))
    if high is not None:
        parts.append(_("Enter at most %(max)s.", max=format_decimal(entry.plain(high))))
    return " ".join(parts)


class _Validations:
    """One Excel data validation per kind of input (type and range), each over all its cells of a sheet."""

    def __init__(self, lists: "_Lists"):
        self.by_key: dict = {}
        self.lists = lists

    @staticmethod
    def key_of(fld: dict):
        kind = fld["type"]
        if kind in NUMERIC_TYPES:
            return (kind, *_bounds(fld))
        if kind == "choice":
            return (kind, fld["code"])
        return (kind,) if kind in ("date", "yes_no") or kind in TEXT_LIMITS else None

    def rule_for(self, fld: dict):
        key = self.key_of(fld)
        if key is None:
            return None
        rule = self.by_key.get(key)
        if rule is None:
            rule = self.by_key[key] = self._make(fld)
        return rule

    def _make(self, fld: dict):
        from openpyxl.worksheet.datavalidation import DataValidation

        kind = fld["type"]
        if kind in NUMERIC_TYPES:
            low, high = _bounds(fld)
            limit = int(MAX_NUMBER) - 1
            make = dict(type="whole" if kind == "integer" else "decimal", operator="between",
                        formula1=str(entry.plain(-limit if low is None else low)),
                        formula2=str(entry.plain(limit if high is None else high)))
            message = _number_message(kind, low, high)
        elif kind == "date":
            make = dict(type="date", operator="between", formula1="DATE(1900,1,1)", formula2="DATE(2999,12,31)")
            message = _("Enter a real date as DD/MM/YYYY.")
        elif kind in TEXT_LIMITS:
            make = dict(type="textLength", operator="lessThanOrEqual", formula1=str(TEXT_LIMITS[kind]))
            message = _("Write at most %(n)d characters.", n=TEXT_LIMITS[kind])
        elif kind == "yes_no":
            make = dict(type="list", formula1=f'"{YES},{NO}"')
            message = _("Answer yes or no.")
        else:
            make = dict(type="list", formula1=self.lists.range_for(fld))
            message = _("Choose one of the listed options.")
        rule = DataValidation(allow_blank=True, showErrorMessage=True, showInputMessage=True, errorStyle="stop",
                              **make)
        rule.error, rule.errorTitle, rule.prompt = message[:255], _("Value not accepted")[:32], message[:255]
        return rule


class _Lists:
    """The hidden sheet of choice lists (a list validation longer than 255 characters needs a range)."""

    def __init__(self, wb):
        self.wb, self.ws, self.columns = wb, None, {}

    def range_for(self, fld: dict) -> str:
        from openpyxl.utils import get_column_letter

        if self.ws is None:
            self.ws = self.wb.create_sheet(LISTS_SHEET)
            self.ws.sheet_state = "hidden"
            self.ws.protection.sheet = True
        column = self.columns.setdefault(fld["code"], len(self.columns) + 1)
        labels = _choice_labels(fld)
        for r, label in enumerate(labels, start=1):
            _text(self.ws, r, column, label)
        letter = get_column_letter(column)
        return f"'{LISTS_SHEET}'!${letter}$1:${letter}${max(len(labels), 1)}"


def _styles(wb) -> dict:
    """The workbook's few cell styles, each made once: a cell then takes a copy of its style array
    (openpyxl's own way to copy a style), instead of hashing fonts, fills and borders for every cell."""
    from copy import copy

    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    filled = dict(fill=PatternFill("solid", fgColor="FFF2CC"), protection=Protection(locked=False))
    specs = {
        "title": dict(font=Font(bold=True, size=13)),
        "bold": dict(font=bold),
        "muted": dict(font=Font(italic=True, color="666666"), alignment=wrap),
        "note": dict(font=Font(italic=True, color="666666")),
        "code": dict(font=Font(color="666666", size=9)),
        "label": dict(alignment=wrap),
        "label_bold": dict(font=bold, alignment=wrap),
        "option": dict(alignment=Alignment(indent=2)),
        "header": dict(font=bold, fill=PatternFill("solid", fgColor="DDEBF7"), border=border),
    }
    for prefix, extra in (("locked", {}), ("input", filled)):
        specs[prefix] = dict(border=border, **extra)
        specs[f"{prefix}_date"] = dict(border=border, number_format="DD/MM/YYYY", **extra)
        specs[f"{prefix}_text"] = dict(border=border, number_format="@", alignment=wrap, **extra)
    scratch = wb.create_sheet("_styles")
    arrays = {}
    for row, (name, attrs) in enumerate(specs.items(), start=1):
        c = scratch.cell(row, 1)
        for attr, value in attrs.items():
            setattr(c, attr, value)
        arrays[name] = copy(c._style)
    wb.remove(scratch)
    return arrays


def _styled(c, styles: dict, name: str):
    from copy import copy

    c._style = copy(styles[name])
    return c


def _input_style(fld: dict, editable: bool) -> str:
    prefix = "input" if editable else "locked"
    if fld["type"] == "date":
        return f"{prefix}_date"
    return f"{prefix}_text" if fld["type"] in TEXT_LIMITS else prefix


def build(session, report: Report, editable: bool) -> bytes:
    """The report's workbook: inputs open for entry when ``editable``, else a locked read-only copy."""
    from openpyxl import Workbook
    from openpyxl.worksheet.cell_range import MultiCellRange

    defn = report.version.definition
    lay = layout(defn)
    stored = entry.values_of(session, report)
    fields = fields_of(defn)
    wb = Workbook()
    wb.remove(wb.active)
    styles = _styles(wb)
    validations = _Validations(_Lists(wb))
    covered: dict[int, tuple] = {}  # the cells of each validation, set in one go (openpyxl's add parses each)
    slots_by_sheet: dict[str, list[Slot]] = {}
    for slot in lay.slots:
        slots_by_sheet.setdefault(slot.sheet, []).append(slot)
    for sheet in lay.sheets:
        ws = wb.create_sheet(sheet.title)
        _write_heading(ws, report, defn, sheet, styles, editable)
        for block in sheet.blocks:
            _write_block(ws, block, styles)
        for slot in slots_by_sheet.get(sheet.title, []):
            fld = fields[slot.code]
            value = _shown(fld, stored.get((slot.code, slot.cell)))
            c = _text(ws, slot.row, slot.column, value) if isinstance(value, str) else ws.cell(slot.row, slot.column,
                                                                                            value)
            _styled(c, styles, _input_style(fld, editable))
            if editable and (rule := validations.rule_for(fld)) is not None:
                covered.setdefault(id(rule), (rule, []))[1].append(c.coordinate)
        for rule, coordinates in covered.values():  # the sheet's own validations, then afresh for the next
            rule.sqref = MultiCellRange(" ".join(coordinates))
            ws.add_data_validation(rule)
        validations.by_key, covered = {}, {}
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # widening a column is fine
        ws.protection.formatRows = False
        ws.freeze_panes = ws.cell(FIRST_ROW, VALUE_COL)
    _write_meta(wb, meta_of(report, lay, editable))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text(ws, row: int, col: int, value: str, styles: dict | None = None, style: str | None = None):
    """A text cell: typed ``s`` (never a formula), without what XML cannot hold, neutralised
    (:func:`core.platform.tabular.cell`), as every spreadsheet we write."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    c = ws.cell(row, col, tabular.cell(ILLEGAL_CHARACTERS_RE.sub("", value)))
    c.data_type = "s"
    if style is not None:
        _styled(c, styles, style)
    return c


def _write_heading(ws, report: Report, defn: dict, sheet: Sheet, styles: dict, editable: bool) -> None:
    from openpyxl.utils import get_column_letter

    _text(ws, 1, 1, f"{defn['name']} ({_('version %(n)s', n=defn.get('version', ''))})", styles, "title")
    _text(ws, 2, 1, _("Unit: %(unit)s · Period: %(period)s · Deadline: %(deadline)s", unit=report.unit.name,
                      period=report.period.name, deadline=report.deadline.strftime("%d/%m/%Y")))
    _text(ws, 3, 1, sheet.section.get("title") or "", styles, "bold")
    _text(ws, 4, 1, _("Type the values in the yellow cells only, then upload this file on the report's entry page. "
                      "Do not add or delete rows.") if editable else
          _("Read-only copy: it cannot be uploaded."), styles, "note")
    for col, heading in ((CODE_COL, _("Code")), (LABEL_COL, _("Indicator")), (UNIT_COL, _("Unit of measure")),
                         (VALUE_COL, _("Value"))):
        _text(ws, FIRST_ROW - 1, col, heading, styles, "header")
    widths = {CODE_COL: 16, LABEL_COL: 56, UNIT_COL: 12}
    for col in range(1, sheet.width + 1):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(col, 16)


def _write_block(ws, block: Block, styles: dict) -> None:
    fld = block.fld
    _text(ws, block.row, CODE_COL, _row_marker(fld["code"]), styles, "code")
    _text(ws, block.row, LABEL_COL, fld["label"] + (" (*)" if fld.get("required") else ""), styles,
          "label_bold" if block.grid else "label")
    _text(ws, block.row, UNIT_COL, fld.get("unit_of_measure") or "")
    if block.grid:
        for c, column in enumerate(block.grid["columns"]):
            _text(ws, block.row, VALUE_COL + c, column["label"] or _("Value"), styles, "header")
        for r, grid_row in enumerate(block.grid["rows"], start=1):
            option = grid_row["cells"][0]["key"].split("|", 1)[0]
            _text(ws, block.row + r, CODE_COL, _row_marker(fld["code"], option), styles, "code")
            _text(ws, block.row + r, LABEL_COL, grid_row["label"], styles, "option")
    if block.help_row:
        _text(ws, block.help_row, LABEL_COL, fld["help"], styles, "muted")


def _write_meta(wb, meta: dict) -> None:
    ws = wb.create_sheet(META_SHEET)
    ws.sheet_state = "hidden"
    for r, key in enumerate((*META_KEYS, "checksum"), start=1):
        ws.cell(r, 1, key)
        c = ws.cell(r, 2, str(meta.get(key, "")))
        c.data_type = "s"
    ws.protection.sheet = True


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an uploaded workbook, named as the person sees it in Excel."""

    sheet: str
    cell: str
    field: str
    message: str

    @property
    def key(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.cell else (self.sheet or "workbook")

    def as_json(self) -> dict:
        return {"sheet": self.sheet, "cell": self.cell, "field": self.field, "message": self.message}


@dataclass
class Outcome:
    """What an upload did: the problems (nothing saved), or the number of cells changed."""

    problems: list[Problem]
    changed: int = 0
    check: entry.Check | None = None

    def errors(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.key, []).append(p.message)
        return out


class Cells:
    """The cells of an uploaded workbook the reader looks at, read in one pass in openpyxl's read-only mode
    (no styles kept, no random access): the hidden sheet's rows and, on each sheet of the layout, the
    rows and columns the layout uses. Nothing else of the file is kept, however large it claims to be."""

    def __init__(self, wb, lay: Layout):
        self.sheetnames = list(wb.sheetnames)
        self.cells: dict[tuple[str, int, int], object] = {}
        extent = {META_SHEET: (len(META_KEYS) + 1, 2)}
        for sheet in lay.sheets:
            extent[sheet.title] = (0, sheet.width)
        for slot in lay.slots:
            extent[slot.sheet] = (max(extent[slot.sheet][0], slot.row), extent[slot.sheet][1])
        for title, (rows, columns) in extent.items():
            if title not in self.sheetnames or rows == 0:
                continue
            for row in wb[title].iter_rows(min_row=1, max_row=rows, max_col=columns):
                for c in row:
                    if c.value is not None:
                        self.cells[(title, c.row, c.column)] = c

    def value(self, title: str, row: int, column: int):
        c = self.cells.get((title, row, column))
        return None if c is None else c.value

    def cell(self, title: str, row: int, column: int):
        return self.cells.get((title, row, column))


def open_workbook(data: bytes, lay: Layout) -> Cells:
    """The cells of the uploaded bytes; :class:`WorkbookRefused` for what is not a sane XLSX."""
    from openpyxl import load_workbook

    not_ours = _("This file is not an Excel workbook (.xlsx). Upload the workbook downloaded for this report.")
    if not data:
        raise WorkbookRefused(_("Choose the workbook file to upload."))
    if len(data) > MAX_BYTES:
        raise WorkbookRefused(_("The file is too large for a report workbook (at most %(n)d MB).",
                                n=MAX_BYTES // (1024 * 1024)))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED:
                raise WorkbookRefused(not_ours)  # a zip bomb, not a workbook
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False, keep_vba=False)
        try:
            return Cells(wb, lay)
        finally:
            wb.close()
    except WorkbookRefused:
        raise
    except Exception:  # a broken zip, XML openpyxl (defusedxml) refuses, a missing part
        raise WorkbookRefused(not_ours) from None


def read_meta(cells: Cells) -> dict:
    if META_SHEET not in cells.sheetnames:
        raise WorkbookRefused(_("This workbook was not made by this system for a report: download the "
                                "report's workbook from its entry page."))
    value = partial(cells.value, META_SHEET)
    return {str(value(r, 1)): "" if value(r, 2) is None else str(value(r, 2)) for r in range(1, len(META_KEYS) + 2)}


def check_meta(meta: dict, report: Report, lay: Layout) -> None:
    """Refuse a workbook of another report, form or version, a tampered one, or one older than the report."""
    if not hmac.compare_digest(checksum(meta), meta.get("checksum", "")):
        raise WorkbookRefused(_("The workbook's hidden information was changed or damaged, so it cannot be "
                                "trusted. Download the workbook again."))
    defn = report.version.definition
    if meta["report_id"] != str(report.id):
        raise WorkbookRefused(_("This workbook belongs to another report (%(form)s, %(period)s, unit %(unit)s). "
                                "Upload it on that report's page.", form=meta["form_code"],
                                period=meta["period_code"], unit=meta["unit_code"]))
    if meta["form_code"] != defn["code"] or meta["form_version"] != str(defn.get("version", "")):
        raise WorkbookRefused(_("This workbook was made for version %(old)s of the form; the report now uses "
                                "version %(new)s. Download the workbook again.", old=meta["form_version"],
                                new=defn.get("version", "")), conflict=True)
    if meta["mode"] != "edit":
        raise WorkbookRefused(_("This is a read-only copy of the report. Download the workbook for entry "
                                "from the report's entry page."))
    if meta["layout"] != lay.signature():
        raise WorkbookRefused(_("This workbook was made by an earlier version of the system. Download the "
                                "workbook again."), conflict=True)
    if meta["lock_version"] != str(report.lock_version):
        raise WorkbookRefused(_("The report was sent, returned or reopened after this workbook was downloaded. "
                                "Download the workbook again and copy your values into it."), conflict=True)
    if meta["saved_at"] != _saved_at(report):
        raise WorkbookRefused(_("The report's values were saved after this workbook was downloaded, so "
                                "uploading it would undo those changes. Download the workbook again."),
                              conflict=True)


_FORMULA_TYPES = ("f",)


def _raw(fld: dict, value, labels: dict):
    """A cell's value as the entry screen would receive it (text still to be read by the same rules)."""
    if isinstance(value, str):
        value = tabular.restore(value)
        if fld["type"] == "choice":
            return labels.get(value.strip(), value)
        return value
    if isinstance(value, datetime) and fld["type"] != "date":
        # Excel turned "1/2" or "12.5" into a date: say what it shows, the field's own check judges it.
        return value.strftime("%d/%m/%Y") if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, float) and value.is_integer() and fld["type"] in ("choice", "text", "long_text"):
        return str(int(value))
    return value


def read_values(cells: Cells, defn: dict, lay: Layout) -> tuple[dict, list[Problem], dict]:
    """``({input name: raw value}, problems, {input name: slot})`` of every input cell of the layout."""
    fields = fields_of(defn)
    problems: list[Problem] = []
    missing = [s.title for s in lay.sheets if s.title not in cells.sheetnames]
    if missing:
        raise WorkbookRefused(_("The sheet %(sheet)s is missing from the workbook. Download the workbook again.",
                                sheet=missing[0]))
    for (title, row), marker in _markers(lay).items():
        found = cells.value(title, row, CODE_COL)
        if str(found or "") != marker:
            raise WorkbookRefused(_("Rows were added, deleted or moved on sheet %(sheet)s (row %(row)d should be "
                                    "%(code)s). Download the workbook again and type the values without "
                                    "changing its rows.", sheet=title, row=row, code=marker))
    labels = {code: {label: c["code"] for label, c in zip(_choice_labels(fld), fld.get("choices") or [])}
              for code, fld in fields.items() if fld["type"] == "choice"}
    raw: dict = {}
    where: dict = {}
    for slot in lay.slots:
        c = cells.cell(slot.sheet, slot.row, slot.column)
        fld = fields[slot.code]
        name = entry.input_name(slot.code, slot.cell)
        where[name] = slot
        if c is None:
            raw[name] = None  # empty: clears the value, as an emptied input does
            continue
        if c.data_type in _FORMULA_TYPES or type(c.value).__name__ in ("ArrayFormula", "DataTableFormula"):
            problems.append(Problem(slot.sheet, slot.coordinate, slot.label,
                                    _("This cell holds a formula; type the value itself.")))
            continue
        if c.data_type == "e":
            problems.append(Problem(slot.sheet, slot.coordinate, slot.label,
                                    _("This cell shows an error (%(error)s); type the value itself.",
                                      error=c.value)))
            continue
        raw[name] = _raw(fld, c.value, labels.get(slot.code, {}))
    return raw, problems, where


def place(defn: dict, errors: dict[str, list[str]], where: dict) -> list[Problem]:
    """The entry service's errors (``field``, ``field[cell]``, ``_rules``) at their sheet and cell."""
    fields = fields_of(defn)
    by_key = {entry.error_key(s.code, s.cell): s for s in where.values()}
    first_of = {}
    for slot in where.values():
        first_of.setdefault(slot.code, slot)
    rules = {entry.rule_message(rule): rule for rule in defn.get("rules") or []}
    problems = []
    for key, messages in errors.items():
        if key == entry.RULES_KEY:
            for message in messages:
                rule = rules.get(message)
                named = [first_of[n] for n in _rule_fields(rule, fields) if n in first_of] if rule else []
                slot = named[0] if named else None
                problems.append(Problem(slot.sheet if slot else "", slot.coordinate if slot else "",
                                        ", ".join(fields[s.code]["label"] for s in named), message))
            continue
        slot = by_key.get(key) or first_of.get(key.split("[", 1)[0])
        for message in messages:
            if slot is None:
                problems.append(Problem("", "", key, message))
            else:
                label = slot.label if key == entry.error_key(slot.code, slot.cell) else fields[slot.code]["label"]
                problems.append(Problem(slot.sheet, slot.coordinate, label, message))
    return problems


def _rule_fields(rule: dict, fields: dict) -> list[str]:
    try:
        named = expressions.names(rule["expression"])
    except expressions.ExpressionError:
        return []
    return [code for code in fields if code in named]


def _in_order(problems: list[Problem], lay: Layout) -> list[Problem]:
    """Sheet by sheet as the workbook shows them, top to bottom, left to right; the rules last."""
    sheets = {s.title: n for n, s in enumerate(lay.sheets)}

    def key(problem: Problem):
        match = re.fullmatch(r"([A-Z]+)(\d+)", problem.cell or "")
        return (sheets.get(problem.sheet, len(sheets)), int(match[2]) if match else 0,
                (len(match[1]), match[1]) if match else (0, ""))

    return sorted(problems, key=key)


def upload(session, report: Report, data: bytes, filename: str | None = None) -> Outcome:
    """Read an uploaded workbook into ``report`` through the entry screen's save, all or nothing.

    Raises :class:`WorkbookRefused` for a file that is not this report's current workbook and
    :class:`core.reporting.entry.EntryRefused` when the report cannot take values; returns the
    problems (the caller rolls back) or the count of changed cells. The report row is locked
    first, so the version checks and the save see the same report.
    """
    from sqlalchemy import select
    from sqlalchemy.orm.attributes import set_committed_value

    defn = report.version.definition
    lay = layout(defn)
    cells = open_workbook(data, lay)
    meta = read_meta(cells)
    current = session.execute(select(Report.state, Report.lock_version, Report.updated_at)
                              .where(Report.id == report.id).with_for_update()).one()
    for name, value in zip(("state", "lock_version", "updated_at"), current):
        set_committed_value(report, name, value)
    check_meta(meta, report, lay)
    entry.refuse_unless_editable(report)
    raw, problems, where = read_values(cells, defn, lay)
    # A formula cell is already a problem: the others are still judged (nothing is written), so the
    # person sees every problem of the file at once.
    result = (entry.check if problems else entry.save_checked)(session, report, raw, partial=True)
    problems += place(defn, result.errors, where)
    if problems:
        return Outcome(_in_order(problems, lay))
    audit.record("report.workbook_upload", "Report", report.id, {
        "form": defn["code"], "version": defn.get("version"), "file": (filename or "")[:200],
        "sha256": hashlib.sha256(data).hexdigest(), "cells": len(raw), "changed": len(result.changes),
    }, session=session)
    return Outcome([], len(result.changes), result)



def receive(session, report: Report, data: bytes, name: str | None) -> tuple[Outcome | None, str | None, int]:
    """Take an uploaded workbook into ``report`` and end the transaction: ``(outcome, refusal, HTTP status)``.

    Committed when saved; a refused or faulty file is rolled back, then noted in the audit log in a
    transaction of its own (who sent which file, and why). The screen and the API both answer from here.
    """
    try:
        outcome = upload(session, report, data, name)
    except WorkbookRefused as exc:
        session.rollback()
        _note_refusal(session, report.id, data, name, str(exc))
        return None, str(exc), 409 if exc.conflict else 422
    except entry.EntryRefused as exc:  # the state changed since the page was drawn
        session.rollback()
        return None, str(exc), 409
    except Exception:
        session.rollback()
        raise
    if outcome.problems:
        session.rollback()
        _note_refusal(session, report.id, data, name, "problems", len(outcome.problems))
        return outcome, _("Not saved: correct the cells listed below in the workbook, then upload it again."), 422
    session.commit()
    return outcome, None, 200


def _note_refusal(session, report_id: int, data: bytes, name: str | None, reason: str, problems: int = 0) -> None:
    audit.record("report.workbook_refused", "Report", report_id, {
        "file": (name or "")[:200], "sha256": hashlib.sha256(data or b"").hexdigest(),
        "reason": reason[:500], "problems": problems}, session=session)
    session.commit()
