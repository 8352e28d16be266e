"""Make ``core/templates/analytics/exports/default.docx``, the Word template used when the board has none.

Run once after changing it: ``python -m core.analytics.exports.default_docx``. The file
is committed; this script says how it was made (python-docx, docxtpl tags as
:mod:`core.analytics.exports.docx` documents them; the fixed words come from
``labels`` so they follow the translations).
"""
from __future__ import annotations

import sys
from pathlib import Path

from core.analytics.exports.templates import DEFAULT


def _no_borders(table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _centered(cell, *lines: tuple[str, bool, bool]) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    cell.paragraphs[0].text = ""
    for i, (text, bold, italic) in enumerate(lines):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic


def make(target: Path = DEFAULT, issuer: str | None = None) -> Path:
    """Write the template; ``issuer`` is the line above the unit's name (a province's "UBND TỈNH …")."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(11)

    head = doc.add_table(rows=1, cols=2)
    _no_borders(head)
    _centered(head.cell(0, 0), *([(issuer, False, False)] if issuer else []), ("{{ unit.name|upper }}", True, False),
              ("{{ labels.number }}: {{ number }}", False, False))
    _centered(head.cell(0, 1), ("{{ labels.nation|upper }}", True, False), ("{{ labels.motto }}", True, False))

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("{{ form.name|upper }}")
    run.bold, run.font.size = True, Pt(14)
    period = doc.add_paragraph("{{ labels.period }}: {{ period.name }} ({{ period.code }})")
    period.alignment = WD_ALIGN_PARAGRAPH.CENTER

    # Header, the row loop (3 rows: open, the row, close) and the total; columns repeat with {%tc %}.
    grid = doc.add_table(rows=5, cols=5)
    grid.style = "Table Grid"
    texts = [
        ["{{ labels.no }}", "{{ labels.unit }}", "{%tc for c in columns %}", "{{ c.heading }}", "{%tc endfor %}"],
        ["{%tr for r in rows %}", "", "", "", ""],
        ["{{ r.no }}", "{{ r.name }}", "{%tc for v in r.cells %}", "{{ v }}", "{%tc endfor %}"],
        ["{%tr endfor %}", "", "", "", ""],
        ["", "{{ totals.name }}", "{%tc for v in totals.cells %}", "{{ v }}", "{%tc endfor %}"],
    ]
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            grid.cell(r, c).text = text
            if r in (0, 4) and text:
                for run in grid.cell(r, c).paragraphs[0].runs:
                    run.bold = True

    dateline = doc.add_paragraph()
    dateline.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    dateline.add_run("{{ dateline }}").italic = True
    sign = doc.add_table(rows=1, cols=2)
    _no_borders(sign)
    _centered(sign.cell(0, 0), ("{{ labels.prepared|upper }}", True, False), ("{{ labels.sign }}", False, True))
    _centered(sign.cell(0, 1), ("{{ labels.head|upper }}", True, False), ("{{ labels.seal }}", False, True))
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(target)
    return target


if __name__ == "__main__":
    print(make(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
