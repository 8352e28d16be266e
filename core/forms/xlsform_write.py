"""A form spec written out as an XLSForm-style workbook (REQUIREMENTS F1, F9): the layout's other half,
read back by :func:`core.forms.xlsform.read_workbook` so that ``read_workbook(write_workbook(spec)) == spec``.

Text is written as text and neutralised (:func:`core.platform.tabular.cell`: a label starting with ``=``
gets a leading apostrophe, never a formula); the reader takes the apostrophe off again.
"""
from __future__ import annotations

import io

from core.contracts import FormSpec
from core.platform import tabular


_COLUMNS = {
    "survey": ["type", "name", "label", "required", "hint", "appearance", "constraint", "min", "max", "unit",
               "indicator", "disaggregation"],
    "choices": ["list_name", "name", "label"],
    "settings": ["form_id", "form_title", "sector", "description"],
    "rules": ["name", "expression", "message"],
    "categories": ["category", "option", "label", "category_label"],
    "combos": ["combo", "label", "categories"],
    "indicators": ["code", "name", "definition", "method", "unit", "sector"],
    "schedules": ["period_type", "levels", "periods"],
}
_WIDTHS = {"constraint": 28, "type": 22, "name": 24, "label": 48, "hint": 36, "expression": 48, "message": 48, "description": 48,
           "definition": 40, "method": 40, "form_title": 40, "category_label": 30, "categories": 30, "levels": 30}


def _number_cell(value: float | None):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


#: Our types that ODK's tools do not know, written as ``(ODK type, appearance)`` that read back to them:
#: a percentage is a decimal ODK shows as usual; a yes/no is ODK's ``acknowledge`` (ticked: yes).
ODK_TYPES = {"percent": ("decimal", "percent"), "yes_no": ("acknowledge", None)}


def constraint(f) -> str | None:
    """The field's limits as ODK's ``constraint`` (``. >= 0 and . <= 100``): ODK's tools ignore our ``min`` and
    ``max`` columns, so without it a form filled in ODK Collect would take any number. We read it back."""
    parts = [f". >= {_number_cell(f.min)}" if f.min is not None else None,
             f". <= {_number_cell(f.max)}" if f.max is not None else None]
    return " and ".join(p for p in parts if p) or None


def _append(ws, values: list) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    ws.append([tabular.cell(ILLEGAL_CHARACTERS_RE.sub("", v)) if isinstance(v, str) else v for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text such as "=1+1" stays text, never a formula


def write_workbook(spec: FormSpec) -> bytes:
    """``spec`` as an XLSForm-style workbook (the inverse of :func:`read_workbook`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows: dict[str, list[list]] = {name: [] for name in _COLUMNS}
    for section in spec.sections:
        rows["survey"].append(["begin group", section.code, section.title])
        for f in section.fields:
            appearance = None
            if f.type == "choice":
                kind = f"select_one {f.code}"
                rows["choices"].extend([f.code, c.code, c.label] for c in f.choices)
            elif f.type == "long_text":
                kind, appearance = "text", "multiline"
            elif f.type in ODK_TYPES:  # types ODK does not know, as the ODK type we read back to them
                kind, appearance = ODK_TYPES[f.type]
            else:
                kind = f.type
            rows["survey"].append([kind, f.code, f.label, "yes" if f.required else None, f.help or None,
                                   appearance, constraint(f), _number_cell(f.min), _number_cell(f.max),
                                   f.unit_of_measure or None, f.indicator, f.combo])
        rows["survey"].append(["end group"])
    rows["settings"].append([spec.code, spec.name, spec.sector or None, spec.description or None])
    rows["rules"].extend([r.code, r.expression, r.message] for r in spec.rules)
    for category in spec.categories:
        for i, option in enumerate(category.options):
            rows["categories"].append([category.code, option.code, option.label, category.name if i == 0 else None])
        if not category.options:
            rows["categories"].append([category.code, None, None, category.name])
    rows["combos"].extend([c.code, c.name, " ".join(c.categories)] for c in spec.combos)
    rows["indicators"].extend([i.code, i.name, i.definition or None, i.method or None, i.unit_of_measure or None,
                               i.sector or None] for i in spec.indicators)
    rows["schedules"].extend([str(s.period_type), " ".join(s.levels), " ".join(map(str, s.indexes))]
                             for s in spec.schedules)

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for name in ("survey", "choices", "settings", "rules", "categories", "combos", "indicators", "schedules"):
        ws = workbook.create_sheet(name)
        _append(ws, _COLUMNS[name])
        for cell in ws[1]:
            cell.font = bold
        for values in rows[name]:
            _append(ws, values)
        for i, column in enumerate(_COLUMNS[name]):
            ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = _WIDTHS.get(column, 14)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
