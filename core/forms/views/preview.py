"""The entry layout of a form definition, as the form's page previews it.

A disaggregated field is drawn as the grid the reporting unit fills: one row
per option of the combo's first category, one column per combination of the
others' options, with nested header rows when there are several. Cell keys
are those of :func:`core.forms.definitions.combo_definition` (``"kinh|nam"``), so the
preview shows exactly the cells a version freezes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from math import prod

from core.forms.definitions import CELL_SEPARATOR


@dataclass
class Grid:
    corner: str
    #: One list per header row, each of ``(label, colspan)``.
    header_rows: list[list[tuple[str, int]]]
    #: ``(row label, [cell key, ...])`` per option of the first category.
    rows: list[tuple[str, list[str]]]
    columns: int = 0
    caption: str = ""

    @property
    def cells(self) -> int:
        return sum(len(keys) for _label, keys in self.rows)


@dataclass
class PreviewField:
    code: str
    label: str
    type: str
    required: bool
    unit_of_measure: str = ""
    help: str = ""
    choices: list = field(default_factory=list)
    grid: Grid | None = None


@dataclass
class PreviewSection:
    code: str
    title: str
    fields: list[PreviewField]


def grid(combo: dict) -> Grid:
    """Rows from the first category's options, columns from the others' options crossed in order."""
    categories = combo["categories"]
    if not categories:
        return Grid(corner="", header_rows=[], rows=[], caption=combo.get("name", ""))
    first, others = categories[0], categories[1:]
    sizes = [len(c["options"]) for c in others]
    header_rows = []
    for level, category in enumerate(others):
        repeat, span = prod(sizes[:level]), prod(sizes[level + 1:])
        header_rows.append([(o["label"], span) for _ in range(repeat) for o in category["options"]])
    columns = list(product(*[c["options"] for c in others]))
    rows = [(option["label"], [CELL_SEPARATOR.join([option["code"], *(o["code"] for o in combination)])
                               for combination in columns])
            for option in first["options"]]
    return Grid(corner=first["name"], header_rows=header_rows, rows=rows, columns=len(columns),
                caption=" × ".join(c["name"] for c in categories))


def layout(defn: dict) -> list[PreviewSection]:
    """The sections of a definition with each field ready to draw, grids built."""
    sections = []
    for section in defn["sections"]:
        fields = []
        for f in section["fields"]:
            combo = defn["combos"].get(f["combo"]) if f.get("combo") else None
            fields.append(PreviewField(
                code=f["code"], label=f["label"], type=f["type"], required=f["required"],
                unit_of_measure=f.get("unit_of_measure") or "", help=f.get("help") or "",
                choices=f.get("choices") or [], grid=grid(combo) if combo else None))
        sections.append(PreviewSection(section["code"], section["title"], fields))
    return sections
