"""A form as an XLSForm-style workbook, read and written with openpyxl (REQUIREMENTS F1, F9).

People who author ODK or KoboToolbox forms write them in Excel; this module
reads such a workbook into a :class:`~core.contracts.FormSpec` and writes a spec
back out, so that ``read_workbook(write_workbook(spec)) == spec``. No database:
codes that already exist there are passed in (``known_combos``, ...).

Sheets (row 1 holds the column names; other columns are ignored):

``survey``
    ``type``, ``name``, ``label``, ``required`` (yes/true/1 or no/false/0/empty),
    ``hint``, ``appearance``, and ours ``min``, ``max``, ``unit``, ``indicator``,
    ``disaggregation`` (a combo code). Types: ``integer``, ``decimal``, ``percent``
    (ours; ``decimal`` with appearance ``percent``, as we write it for ODK),
    ``text`` (``long_text`` when its appearance is ``multiline``),
    ``long_text`` (ours), ``date``, ``select_one LIST``, ``yes_no`` (ours; also
    ``acknowledge``), ``file``; pyxform's aliases ``int`` and ``string`` too.
    ``begin group``/``begin_group`` ... ``end group``/``end_group`` make a section
    (the group's name and label are its code and title); fields outside any
    group go into a section ``main``, placed where the first of them is. ODK's
    metadata types (``start``, ``end``, ``today``, ``deviceid``, ``username``, ...)
    are recorded by ODK itself and are skipped; any other type is a problem.
    ODK's ``constraint`` is translated: bounds on the field itself (``. >= 0``,
    ``0 <= .``, ``. < 100`` on whole numbers) become ``min``/``max`` (the stricter
    of them and the columns), any other condition our rule language can express
    (``. <= ${households}``) becomes a rule with the ``constraint_message``.
    What cannot be carried over is a **warning**, never dropped silently: a
    constraint (or a part of it) the rule language cannot express, ``relevant``
    (skip logic: the field is always shown), ``calculate`` rows, and every other
    column (``choice_filter``, ``default``, other languages' labels, ...).
``choices``
    ``list_name``, ``name``, ``label``.
``settings``
    ``form_id`` (or pyxform's ``id_string``), ``form_title``, ``default_language``,
    and ours ``sector``, ``description``.
ours, each optional
    ``rules`` (``name``, ``expression``, ``message``), ``categories`` (``category``,
    ``option``, ``label``, ``category_label``), ``combos`` (``combo``, ``label``,
    ``categories`` space-separated), ``indicators`` (``code``, ``name``,
    ``definition``, ``method``, ``unit``, ``sector``), ``schedules``
    (``period_type``, ``levels`` space-separated, optional ``periods``: the numbers of the periods
    of the year it applies to, space-separated, e.g. ``1 3`` for quý I and quý III).

Any label-like column may carry a language as XLSForm does: ``label::vi``,
``label::Vietnamese (vi)``. A plain ``label`` wins; otherwise the column of the
settings' ``default_language``, then a Vietnamese one, then the first. All
text is normalised to Unicode NFC.

Writing is :mod:`core.forms.xlsform_write`.

:func:`read_workbook_with_warnings` also returns the warnings, in the same form as problems.

:func:`read_workbook` reports every problem it finds at once, each as
``(sheet, row number as Excel shows it, message)``; row 0 stands for the sheet
as a whole (a missing sheet) and row 1 for its header (a missing column).
"""
from __future__ import annotations

import io
import keyword
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

from core.platform import tabular
from core.forms import expressions, periods
from core.contracts import (CategorySpec, Choice, ComboSpec, FieldSpec, FormSpec, IndicatorSpec, PeriodType,
                            RuleSpec, ScheduleSpec, SectionSpec)

SHEETS = ("settings", "survey", "choices", "rules", "categories", "combos", "indicators", "schedules")
DEFAULT_SECTION = "main"
#: A workbook whose parts unpack to more than this is refused before it is read (zip bombs).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_CODE = 60

NUMERIC_TYPES = ("integer", "decimal", "percent")
_SIMPLE_TYPES = {"integer": "integer", "int": "integer", "decimal": "decimal", "percent": "percent",
                 "text": "text", "string": "text", "long_text": "long_text", "date": "date",
                 "yes_no": "yes_no", "acknowledge": "yes_no", "file": "file"}
_METADATA_TYPES = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username",
                   "email", "audit", "start-geopoint", "background-audio"}
_YES = {"yes", "true", "1", "y"}
_NO = {"no", "false", "0", "n", ""}

_FIELD_CODE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CODE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")

Problem = tuple[str, int, str]


class XLSFormError(ValueError):
    """Every problem of a workbook, each ``(sheet, row, message)``."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{sheet or 'workbook'} row {row}: {message}" if row
                                   else f"{sheet or 'workbook'}: {message}"
                                   for sheet, row, message in self.problems))


# --- reading: cells and sheets -----------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    elif isinstance(value, str):
        value = tabular.restore(value)  # what xlsform_write neutralised ("'=x" back to "=x")
    return unicodedata.normalize("NFC", str(value)).strip()


class _Sheet:
    """The non-empty rows of one sheet as ``(excel row number, {column: value})``."""

    def __init__(self, name: str, worksheet, language: str = ""):
        self.name = name
        self.language = language
        self.header_row = 1
        self.columns: list[str] = []
        self.rows: list[tuple[int, dict[str, object]]] = []
        if worksheet is None:
            return
        header = None
        for number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [_text(v) for v in values]
            if header is None:
                if any(cells):
                    header = [self._column_name(c) for c in cells]
                    self.header_row, self.columns = number, [h for h in header if h]
                continue
            row = {h: v for h, v in zip(header, values) if h and _text(v) != ""}
            if row:
                self.rows.append((number, row))

    @staticmethod
    def _column_name(cell: str) -> str:
        base, sep, language = cell.partition("::")
        base = base.strip().lower()
        return f"{base}::{language.strip()}" if sep else base

    def column(self, base: str) -> str | None:
        """The column holding ``base``, picking a language for ``label::...`` columns."""
        if base in self.columns:
            return base
        candidates = [c for c in self.columns if c.startswith(base + "::")]
        if not candidates:
            return None
        wanted = self.language.lower()

        def language(c: str) -> str:
            return c.split("::", 1)[1].lower()

        for c in candidates:
            if wanted and language(c) == wanted:
                return c
        for c in candidates:
            lang = language(c)
            if lang == "vi" or "(vi)" in lang or lang.startswith(("vietnamese", "tiếng việt")):
                return c
        return candidates[0]

    def get(self, row: dict, base: str) -> str:
        column = self.column(base)
        return _text(row.get(column)) if column else ""

    def raw(self, row: dict, base: str):
        column = self.column(base)
        return row.get(column) if column else None


class _Reader:
    def __init__(self, workbook, known_combos, known_indicators, known_categories):
        self.workbook = workbook
        self.sheet_names = {ws.title.strip().lower(): ws for ws in workbook.worksheets}
        self.known_combos = set(known_combos)
        self.known_indicators = set(known_indicators)
        self.known_categories = set(known_categories)
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        #: ODK constraints to translate once every field is known: (row, field, text, message).
        self.constraints: list[tuple[int, FieldSpec, str, str]] = []
        self.language = ""

    def problem(self, sheet: str, row: int, message: str) -> None:
        self.problems.append((sheet, row, message))

    def warn(self, sheet: str, row: int, message: str) -> None:
        """Something of the workbook that is not carried over: said, never dropped silently."""
        self.warnings.append((sheet, row, message))

    def unread_columns(self, sheet: _Sheet, known: set[str]) -> None:
        """Warn about every column with values that is not read: unknown ones and other languages."""
        for column in sheet.columns:
            base = column.split("::", 1)[0]
            used = sum(1 for _, row in sheet.rows if _text(row.get(column)) != "")
            if not used:
                continue
            if base not in known:
                self.warn(sheet.name, sheet.header_row, f"column {column} is not carried over ({used} row(s) use it)")
            elif "::" in column and sheet.column(base) != column:
                self.warn(sheet.name, sheet.header_row, f"column {column} is not carried over: only "
                                                        f"{sheet.column(base)} is read ({used} row(s) use it)")

    def sheet(self, name: str) -> _Sheet | None:
        ws = self.sheet_names.get(name)
        return None if ws is None else _Sheet(name, ws, self.language)

    def require_columns(self, sheet: _Sheet, *columns: str) -> bool:
        missing = [c for c in columns if sheet.column(c) is None]
        for c in missing:
            self.problem(sheet.name, sheet.header_row, f"no {c} column")
        return not missing

    def code(self, sheet: str, row: int, what: str, value: str, field: bool = False) -> bool:
        if not value:
            self.problem(sheet, row, f"missing {what}")
            return False
        pattern = _FIELD_CODE if field else _CODE
        if len(value) > MAX_CODE or not pattern.fullmatch(value):
            rule = ("letters a-z, digits and _, starting with a letter or _" if field
                    else "letters a-z, digits, _ . -")
            self.problem(sheet, row, f"{what} {value!r} is not a valid code ({rule}; at most {MAX_CODE})")
            return False
        if field and (keyword.iskeyword(value) or value in expressions.FUNCTIONS):
            self.problem(sheet, row, f"{what} {value!r} is a reserved word of the rule language")
            return False
        return True

    def number(self, sheet: str, row: int, what: str, value) -> float | None:
        if value is None or _text(value) == "":
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        try:
            return float(_text(value).replace(",", "."))
        except ValueError:
            self.problem(sheet, row, f"{what} is not a number: {_text(value)!r}")
            return None

    # --- sheets ---------------------------------------------------------------------------
    def settings(self) -> tuple[str, str, str, str]:
        ws = self.sheet_names.get("settings")
        if ws is None:
            self.problem("settings", 0, "no settings sheet: it must give the form_id")
            return "", "", "", ""
        sheet = _Sheet("settings", ws)
        row_no, row = sheet.rows[0] if sheet.rows else (sheet.header_row + 1, {})
        self.language = sheet.get(row, "default_language")
        sheet.language = self.language
        code = sheet.get(row, "form_id") or sheet.get(row, "id_string")
        if not code:
            self.problem("settings", row_no, "form_id is missing")
        else:
            self.code("settings", row_no, "form_id", code)
        name = sheet.get(row, "form_title") or code
        return code, name, sheet.get(row, "sector"), sheet.get(row, "description")

    def choices(self) -> tuple[dict[str, list[Choice]], dict[str, int]]:
        lists: dict[str, list[Choice]] = {}
        seen: dict[tuple[str, str], int] = {}
        sheet = self.sheet("choices")
        if sheet is None or not sheet.rows:
            return lists, {}
        if not self.require_columns(sheet, "list_name", "name", "label"):
            return lists, {}
        self.unread_columns(sheet, {"list_name", "name", "label"})
        for row_no, row in sheet.rows:
            list_name, name, label = sheet.get(row, "list_name"), sheet.get(row, "name"), sheet.get(row, "label")
            if not list_name:
                self.problem("choices", row_no, "missing list_name")
                continue
            if not name:
                self.problem("choices", row_no, "missing name")
                continue
            if len(name) > MAX_CODE:
                self.problem("choices", row_no, f"name {name!r} is longer than {MAX_CODE} characters")
                continue
            if (list_name, name) in seen:
                self.problem("choices", row_no, f"duplicate name {name!r} in list {list_name} "
                                                f"(first on row {seen[list_name, name]})")
                continue
            seen[list_name, name] = row_no
            if not label:
                self.problem("choices", row_no, f"missing label for {name!r}")
            lists.setdefault(list_name, []).append(Choice(name, label))
        return lists, seen

    def categories(self) -> list[CategorySpec]:
        sheet = self.sheet("categories")
        if sheet is None or not sheet.rows or not self.require_columns(sheet, "category", "option", "label"):
            return []
        found: dict[str, dict] = {}
        for row_no, row in sheet.rows:
            code, option, label = sheet.get(row, "category"), sheet.get(row, "option"), sheet.get(row, "label")
            if not self.code("categories", row_no, "category", code):
                continue
            entry = found.setdefault(code, {"name": "", "options": [], "rows": {}})
            name = sheet.get(row, "category_label")
            if name:
                if entry["name"] and entry["name"] != name:
                    self.problem("categories", row_no, f"category {code} is named both {entry['name']!r} and {name!r}")
                entry["name"] = entry["name"] or name
            if not self.code("categories", row_no, "option", option):
                continue
            if "|" in option:
                self.problem("categories", row_no, f"option {option!r} contains |")
                continue
            if option in entry["rows"]:
                self.problem("categories", row_no, f"duplicate option {option!r} in category {code} "
                                                   f"(first on row {entry['rows'][option]})")
                continue
            entry["rows"][option] = row_no
            if not label:
                self.problem("categories", row_no, f"missing label for option {option!r}")
            entry["options"].append(Choice(option, label))
        return [CategorySpec(code, e["name"] or code, tuple(e["options"])) for code, e in found.items()]

    def combos(self, categories: set[str]) -> list[ComboSpec]:
        sheet = self.sheet("combos")
        if sheet is None or not sheet.rows or not self.require_columns(sheet, "combo", "categories"):
            return []
        combos, seen = [], {}
        for row_no, row in sheet.rows:
            code = sheet.get(row, "combo")
            if not self.code("combos", row_no, "combo", code):
                continue
            if code in seen:
                self.problem("combos", row_no, f"duplicate combo {code} (first on row {seen[code]})")
                continue
            seen[code] = row_no
            members = tuple(sheet.get(row, "categories").split())
            if not members:
                self.problem("combos", row_no, f"combo {code} names no categories")
            for member in members:
                if member not in categories:
                    self.problem("combos", row_no, f"combo {code}: unknown category {member} "
                                                   "(not on the categories sheet)")
            if len(set(members)) != len(members):
                self.problem("combos", row_no, f"combo {code} names a category twice")
            combos.append(ComboSpec(code, sheet.get(row, "label") or code, members))
        return combos

    def indicators(self) -> list[IndicatorSpec]:
        sheet = self.sheet("indicators")
        if sheet is None or not sheet.rows or not self.require_columns(sheet, "code", "name"):
            return []
        indicators, seen = [], {}
        for row_no, row in sheet.rows:
            code, name = sheet.get(row, "code"), sheet.get(row, "name")
            if not self.code("indicators", row_no, "code", code):
                continue
            if code in seen:
                self.problem("indicators", row_no, f"duplicate indicator {code} (first on row {seen[code]})")
                continue
            seen[code] = row_no
            if not name:
                self.problem("indicators", row_no, f"missing name for indicator {code}")
            indicators.append(IndicatorSpec(code, name, sheet.get(row, "definition"), sheet.get(row, "method"),
                                            sheet.get(row, "unit"), sheet.get(row, "sector")))
        return indicators

    def survey(self, lists: dict[str, list[Choice]], combos: set[str], indicators: set[str]):
        sheet = self.sheet("survey")
        if sheet is None:
            self.problem("survey", 0, "no survey sheet")
            return [], {}
        if not self.require_columns(sheet, "type", "name", "label"):
            return [], {}
        self.unread_columns(sheet, SURVEY_COLUMNS)
        sections: list[dict] = []
        section_rows: dict[str, int] = {}
        field_rows: dict[str, int] = {}
        kinds: dict[str, str] = {}
        stack: list[tuple[dict | None, int, str]] = []  # (section or None for a refused group, row, name)
        main = None

        def open_section(code: str, title: str, row_no: int) -> dict:
            if code in section_rows:
                self.problem("survey", row_no, f"duplicate group name {code} (first on row {section_rows[code]})")
            section_rows.setdefault(code, row_no)
            section = {"code": code, "title": title, "fields": []}
            sections.append(section)
            return section

        for row_no, row in sheet.rows:
            type_text = sheet.get(row, "type")
            name = sheet.get(row, "name")
            if not type_text:
                self.problem("survey", row_no, f"missing type{f' for {name}' if name else ''}")
                continue
            tokens = type_text.split()
            head = tokens[0].lower()
            if head in ("begin", "end") and len(tokens) > 1:
                head, tokens = f"{head}_{tokens[1].lower()}", [f"{head}_{tokens[1]}", *tokens[2:]]
            if head in ("begin_group", "begin_repeat"):
                if head == "begin_repeat":
                    self.problem("survey", row_no, "repeat groups are not supported")
                    stack.append((None, row_no, name))
                elif any(s is not None for s, _, _ in stack):
                    self.problem("survey", row_no, f"group {name} is inside another group: "
                                                   "groups inside groups are not supported")
                    stack.append((None, row_no, name))
                else:
                    ok = self.code("survey", row_no, "group name", name)
                    section = open_section(name if ok else f"_row{row_no}", sheet.get(row, "label"), row_no)
                    stack.append((section, row_no, name))
                continue
            if head in ("end_group", "end_repeat"):
                if not stack:
                    self.problem("survey", row_no, f"{head.replace('_', ' ')} without a begin group")
                else:
                    stack.pop()
                continue
            if head in _METADATA_TYPES and len(tokens) == 1:
                continue
            if head == "calculate" and len(tokens) == 1:
                self.warn("survey", row_no, f"calculate {name} ({sheet.get(row, 'calculation')}) is not carried "
                                            "over: baocao has no calculated fields (add a field and a rule)")
                continue
            if sheet.get(row, "relevant"):
                self.warn("survey", row_no, f"relevant of {name} ({sheet.get(row, 'relevant')}) is not carried over: "
                                            "the field is always shown")
            field = self.field(sheet, row_no, row, tokens, lists, combos, indicators)
            if field is not None and sheet.get(row, "constraint"):
                self.constraints.append((row_no, field, sheet.get(row, "constraint"),
                                         sheet.get(row, "constraint_message")))
            if name and name in field_rows:
                self.problem("survey", row_no, f"duplicate name {name} (first on row {field_rows[name]})")
                continue
            if name:
                field_rows[name] = row_no
            if field is None:
                if name and _FIELD_CODE.fullmatch(name):
                    kinds[name] = "number"  # so that rules naming it are not reported twice
                continue
            kinds[field.code] = ("cells" if field.combo else "number" if field.type in NUMERIC_TYPES else "text")
            current = next((s for s, _, _ in reversed(stack) if s is not None), None)
            if current is None:
                if main is None:
                    main = open_section(DEFAULT_SECTION, "", row_no)
                current = main
            current["fields"].append(field)
        for _, row_no, name in stack:
            self.problem("survey", row_no, f"group {name} is not closed (no end group)")
        if not field_rows:
            self.problem("survey", sheet.header_row, "the form has no fields")
        return [SectionSpec(s["code"], s["title"], tuple(s["fields"])) for s in sections], kinds

    def field(self, sheet, row_no, row, tokens, lists, combos, indicators) -> FieldSpec | None:
        ok = True
        name, label = sheet.get(row, "name"), sheet.get(row, "label")
        head = tokens[0].lower()
        choices: tuple[Choice, ...] = ()
        type_text = " ".join(tokens)
        if head == "select_one":
            if len(tokens) != 2:
                ok = False
                self.problem("survey", row_no, f"type {type_text!r}: write select_one and one list name"
                             + (" (or_other is not supported)" if "or_other" in tokens[2:] else ""))
            elif tokens[1] not in lists:
                ok = False
                self.problem("survey", row_no, f"select_one names an unknown list {tokens[1]} "
                                               "(not on the choices sheet)")
            else:
                choices = tuple(lists[tokens[1]])
            kind = "choice"
        elif head in _SIMPLE_TYPES and len(tokens) == 1:
            kind = _SIMPLE_TYPES[head]
            appearance = sheet.get(row, "appearance").lower().split()
            if kind == "text" and "multiline" in appearance:
                kind = "long_text"
            elif kind == "decimal" and "percent" in appearance:
                kind = "percent"  # how xlsform_write gives ODK a percentage
        else:
            ok = False
            kind = None
            supported = ", ".join(["integer", "decimal", "percent", "text", "long_text", "date",
                                   "select_one LIST", "yes_no", "file"])
            self.problem("survey", row_no, f"unknown type {type_text!r} (supported: {supported})")
        if not self.code("survey", row_no, "name", name, field=True):
            ok = False
        if not label:
            ok = False
            self.problem("survey", row_no, f"missing label{f' for {name}' if name else ''}")
        required_text = sheet.get(row, "required").lower()
        if required_text not in _YES | _NO:
            self.problem("survey", row_no, f"required must be yes or no, not {required_text!r}")
        low = self.number("survey", row_no, "min", sheet.raw(row, "min"))
        high = self.number("survey", row_no, "max", sheet.raw(row, "max"))
        if low is not None and high is not None and low > high:
            ok = False
            self.problem("survey", row_no, f"min {_text(low)} is greater than max {_text(high)}")
        if kind and kind not in NUMERIC_TYPES and (low is not None or high is not None):
            self.problem("survey", row_no, f"min and max apply to number fields only, not to {kind}")
        combo = sheet.get(row, "disaggregation") or None
        if combo is not None:
            if combo not in combos:
                ok = False
                self.problem("survey", row_no, f"unknown disaggregation {combo} (not on the combos sheet)")
            if kind and kind not in NUMERIC_TYPES:
                ok = False
                self.problem("survey", row_no, f"only number fields can be disaggregated, not {kind}")
        indicator = sheet.get(row, "indicator") or None
        if indicator is not None and indicator not in indicators:
            ok = False
            self.problem("survey", row_no, f"unknown indicator {indicator} (not on the indicators sheet)")
        if not ok:
            return None
        return FieldSpec(code=name, label=label, type=kind, required=required_text in _YES, min=low, max=high,
                         unit_of_measure=sheet.get(row, "unit"), help=sheet.get(row, "hint"), choices=choices,
                         combo=combo, indicator=indicator)

    def rules(self, kinds: dict[str, str]) -> list[RuleSpec]:
        sheet = self.sheet("rules")
        if sheet is None or not sheet.rows or not self.require_columns(sheet, "name", "expression", "message"):
            return []
        rules, seen = [], {}
        for row_no, row in sheet.rows:
            code, expression, message = (sheet.get(row, "name"), sheet.get(row, "expression"),
                                         sheet.get(row, "message"))
            if not self.code("rules", row_no, "name", code):
                continue
            if code in seen:
                self.problem("rules", row_no, f"duplicate rule {code} (first on row {seen[code]})")
                continue
            seen[code] = row_no
            if not message:
                self.problem("rules", row_no, f"rule {code} has no message")
            if not expression:
                self.problem("rules", row_no, f"rule {code} has no expression")
                continue
            try:
                expressions.check(expression, kinds)
            except expressions.ExpressionError as exc:
                self.problem("rules", row_no, f"rule {code}: {exc}")
                continue
            rules.append(RuleSpec(code, expression, message))
        return rules

    def schedules(self) -> list[ScheduleSpec]:
        sheet = self.sheet("schedules")
        if sheet is None or not sheet.rows or not self.require_columns(sheet, "period_type", "levels"):
            return []
        schedules, seen = [], {}
        allowed = [t.value for t in PeriodType if t is not PeriodType.ADHOC]
        for row_no, row in sheet.rows:
            period_type = sheet.get(row, "period_type").lower()
            if period_type not in allowed:
                self.problem("schedules", row_no, f"unknown period_type {period_type!r} "
                                                  f"(one of {', '.join(allowed)})")
                continue
            if period_type in seen:
                self.problem("schedules", row_no, f"duplicate period_type {period_type} "
                                                  f"(first on row {seen[period_type]})")
                continue
            seen[period_type] = row_no
            levels = tuple(sheet.get(row, "levels").split())
            if not levels:
                self.problem("schedules", row_no, "no levels")
                continue
            words = sheet.get(row, "periods").split()
            if not all(w.isdigit() for w in words):
                self.problem("schedules", row_no, f"periods must be numbers, not {' '.join(words)!r}")
                continue
            indexes = tuple(sorted({int(w) for w in words}))
            if problem := periods.check_indexes(period_type, indexes):
                self.problem("schedules", row_no, problem)
                continue
            schedules.append(ScheduleSpec(period_type, levels, indexes))
        return schedules

    def translate_constraints(self, sections: list[SectionSpec], rules: list[RuleSpec],
                              kinds: dict[str, str]) -> tuple[list[SectionSpec], list[RuleSpec]]:
        """ODK constraints as field limits and rules; what the rule language cannot say, as warnings."""
        changed: dict[str, FieldSpec] = {}
        codes = {r.code for r in rules}
        for row_no, field, text, message in self.constraints:
            low, high, conditions, left = _translate_constraint(text, field, kinds)
            for part in left:
                self.warn("survey", row_no, f"constraint of {field.code}: {part!r} is not carried over "
                                            "(the rule language cannot express it)")
            field = changed.get(field.code, field)
            if low is not None or high is not None:
                field = replace(field, min=_stricter(field.min, low, max), max=_stricter(field.max, high, min))
                changed[field.code] = field
            for n, condition in enumerate(conditions, start=1):
                code = f"{field.code}_constraint" + (f"_{n}" if len(conditions) > 1 else "")
                while code in codes:
                    code += "_odk"
                codes.add(code)
                rules.append(RuleSpec(code, condition, message or f"“{field.label}”: {text}"))
        if changed:
            sections = [replace(s, fields=tuple(changed.get(f.code, f) for f in s.fields)) for s in sections]
        return sections, rules

    def read(self) -> FormSpec:
        code, name, sector, description = self.settings()
        lists, _ = self.choices()
        categories = self.categories()
        combos = self.combos({c.code for c in categories} | self.known_categories)
        indicators = self.indicators()
        sections, kinds = self.survey(lists, {c.code for c in combos} | self.known_combos,
                                      {i.code for i in indicators} | self.known_indicators)
        rules = self.rules(kinds)
        sections, rules = self.translate_constraints(sections, rules, kinds)
        schedules = self.schedules()
        if self.problems:
            order = {name: i for i, name in enumerate(SHEETS)}
            raise XLSFormError(sorted(self.problems, key=lambda p: (order.get(p[0], len(order)), p[1])))
        return FormSpec(code=code, name=name, sections=tuple(sections), rules=tuple(rules), sector=sector,
                        description=description, categories=tuple(categories), combos=tuple(combos),
                        indicators=tuple(indicators), schedules=tuple(schedules))


#: The survey columns read (``constraint_message`` with ``constraint``); any other is a warning.
SURVEY_COLUMNS = {"type", "name", "label", "required", "hint", "appearance", "constraint", "constraint_message",
                  "relevant", "calculation", "min", "max", "unit", "indicator", "disaggregation"}
_NUMBER = r"-?\d+(?:\.\d+)?"
_BOUND = re.compile(rf"^\.\s*(>=|<=|>|<|=)\s*({_NUMBER})$")
_BOUND_REVERSED = re.compile(rf"^({_NUMBER})\s*(>=|<=|>|<|=)\s*\.$")
_MIRROR = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "=": "="}


def _stricter(current: float | None, new: float | None, pick) -> float | None:
    return new if current is None else current if new is None else pick(current, new)


def _conjuncts(text: str) -> list[str]:
    """``a and (b or c) and d`` as ``[a, (b or c), d]``: the parts that must all hold."""
    parts, depth, start = [], 0, 0
    for match in re.finditer(r"[()]|\band\b", text):
        token = match.group()
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            parts.append(text[start:match.start()])
            start = match.end()
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _unwrap(part: str) -> str:
    """``((a))`` as ``a``; ``(a) or (b)`` stays whole."""
    while part.startswith("(") and part.endswith(")"):
        depth = 0
        for i, char in enumerate(part):
            depth += (char == "(") - (char == ")")
            if depth == 0 and i < len(part) - 1:
                return part
        part = part[1:-1].strip()
    return part


def _translate_constraint(text: str, field: FieldSpec, kinds: dict[str, str]):
    """``(min, max, rule expressions, parts not carried over)`` of an ODK constraint on ``field``."""
    low = high = None
    conditions, left = [], []
    whole = field.type == "integer"
    for part in (_unwrap(p) for p in _conjuncts(text)):
        bound_op = number = None
        if match := _BOUND.match(part):
            bound_op, number = match.group(1), match.group(2)
        elif match := _BOUND_REVERSED.match(part):
            bound_op, number = _MIRROR[match.group(2)], match.group(1)
        if bound_op and field.type in NUMERIC_TYPES and (bound_op in (">=", "<=", "=") or whole):
            value = float(number)
            if bound_op == ">" or bound_op == "<":
                if not value.is_integer():
                    bound_op = None
                else:
                    value += 1 if bound_op == ">" else -1
            if bound_op:
                if bound_op in (">=", ">", "="):
                    low = _stricter(low, value, max)
                if bound_op in ("<=", "<", "="):
                    high = _stricter(high, value, min)
                continue
        expression = _as_rule(part, field.code)
        try:
            expressions.check(expression, kinds)
        except expressions.ExpressionError:
            left.append(part)
            continue
        conditions.append(expression)
    return low, high, conditions, left


def _as_rule(part: str, code: str) -> str:
    """An XPath condition in our rule language: ``${x}`` is ``x``, ``.`` this field, ``=`` is ``==``."""
    out = re.sub(r"\$\{(\w+)\}", r"\1", part)
    out = re.sub(r"(?<![\w.\d])\.(?![\w.\d])", code, out)
    out = re.sub(r"(?<![<>!=])=(?!=)", "==", out)
    out = re.sub(r"\bdiv\b", "/", out)
    return re.sub(r"\bmod\b", "%", out)


def _load(data, filename: str):
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    elif isinstance(data, (str, os.PathLike)):
        with open(data, "rb") as handle:
            raw = handle.read()
    else:
        raw = data.read()
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise XLSFormError([("", 0, f"{filename} is too large once unpacked "
                                            f"(more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB)")])
    except zipfile.BadZipFile:
        raise XLSFormError([("", 0, f"{filename} is not an Excel workbook (.xlsx)")]) from None
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            return openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure to read means the same thing to the user
        raise XLSFormError([("", 0, f"{filename} is not an Excel workbook (.xlsx): {exc}")]) from None


def read_workbook(data, known_combos: Iterable[str] = (), known_indicators: Iterable[str] = (),
                  known_categories: Iterable[str] = (), filename: str | None = None) -> FormSpec:
    """The :class:`FormSpec` an XLSForm-style workbook describes (see :func:`read_workbook_with_warnings`)."""
    return read_workbook_with_warnings(data, known_combos, known_indicators, known_categories, filename)[0]


def read_workbook_with_warnings(data, known_combos: Iterable[str] = (), known_indicators: Iterable[str] = (),
                                known_categories: Iterable[str] = (),
                                filename: str | None = None) -> tuple[FormSpec, list[Problem]]:
    """The :class:`FormSpec` an XLSForm-style workbook describes.

    ``data`` is the workbook's bytes, a binary file object or a path. ``known_*``
    are codes already defined (in the database) that the workbook may use
    without defining them. Raises :class:`XLSFormError` listing every problem.
    """
    if filename is None:
        filename = (getattr(data, "filename", None) or getattr(data, "name", None)
                    or (os.fspath(data) if isinstance(data, (str, os.PathLike)) else None) or "the file")
        filename = os.path.basename(str(filename))
    workbook = _load(data, filename)
    try:
        reader = _Reader(workbook, known_combos, known_indicators, known_categories)
        spec = reader.read()
        order = {name: i for i, name in enumerate(SHEETS)}
        return spec, sorted(reader.warnings, key=lambda w: (order.get(w[0], len(order)), w[1]))
    finally:
        workbook.close()
