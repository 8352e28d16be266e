"""History rows written directly, as docs/reorganisation.md defines them (issue 19): a ``lineage`` row and
approved reports of past periods, so the totals on either tree can be tested apart from the reorganisation
service (the units' dated versions are kept by :mod:`core.hierarchy.versions` as the units change).

:func:`cao_bang_2025` is the scenario the tests share: Cao Bằng's test tree (``tests.factories.PROVINCE``)
with approved CB-HIST reports for 2023 and 2024 on the old tree, the 1 July 2025 reorganisation (districts
removed; X011 + X012 + 40 % of X021 → N01, 60 % of X021 → N02) and 2025, 2026 reports of the new communes.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.contracts import FieldSpec, FormSpec, ScheduleSpec, SectionSpec
from core.forms.definitions import sync_spec
from core.forms.models.form import Form, FormVersion
from core.forms.models.period import Period
from core.hierarchy.models import Unit, UnitLineage
from core.reporting.models import Report, ReportValue

EFFECTIVE = date(2025, 7, 1)
LAST_OLD_DAY = EFFECTIVE - timedelta(days=1)
FORM = "CB-HIST"
#: X021's split: the share going to N01 (the rest, 0.6, to N02), as a decision would give it.
SPLIT = Decimal("0.4")

#: Approved households per unit and year (2023, 2024 on the old tree; 2025, 2026 on the new one).
HOUSEHOLDS = {
    "2023": {"X011": 100, "X012": 50, "X021": 30, "H01": 5},
    "2024": {"X011": 110, "X012": 60, "X021": 40, "H01": 6},
    "2025": {"N01": 215, "N02": 25},
    "2026": {"N01": 220, "N02": 27},
}
#: The poverty rate (%), averaged by the form's rule.
RATE = {"2024": {"X011": 10, "X012": 20, "X021": 30, "H01": 40}, "2026": {"N01": 12, "N02": 28}}


def lineage(session, unit: Unit, current_unit: Unit, share, reported_from: date | None,
            reported_to: date) -> UnitLineage:
    """"Reports of ``unit`` dated in [reported_from, reported_to] count towards ``current_unit`` × share"."""
    row = UnitLineage(unit_id=unit.id, current_unit_id=current_unit.id, share=Decimal(str(share)),
                      reported_from=reported_from, reported_to=reported_to)
    session.add(row)
    return row


def new_unit(session, code: str, name: str, parent: Unit, level: str = "commune", kind: str = "commune",
             valid_from: date = EFFECTIVE) -> Unit:
    unit = Unit(code=code, name=name, level=level, kind=kind, parent_id=parent.id, path="/", active=True,
                valid_from=valid_from)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path}{unit.id}/"
    return unit


def form(session) -> Form:
    """CB-HIST: households (sum) and a poverty rate (the cao_bang plugin gives no rule: sum)."""
    sync_spec(session, FormSpec(FORM, "Biểu lịch sử hộ nghèo", (SectionSpec("s", "Chung", (
        FieldSpec("households", "Số hộ", min=0), FieldSpec("poverty_rate", "Tỷ lệ hộ nghèo", type="decimal", min=0),
        FieldSpec("note", "Ghi chú", type="text"))),),
        schedules=(ScheduleSpec("yearly", ("commune",)),)), source="board")
    session.flush()
    return session.scalar(select(Form).where(Form.code == FORM))


def period(session, year: int) -> Period:
    code = str(year)
    found = session.scalar(select(Period).where(Period.code == code))
    if found is None:
        end = date(year, 12, 31)
        found = Period(code=code, type="yearly", name=f"Năm {year}", start=date(year, 1, 1), end=end,
                       deadline=end + timedelta(days=20), opens=end - timedelta(days=30), closes=end + timedelta(days=31))
        session.add(found)
        session.flush()
    return found


def approved(session, the_form: Form, the_period: Period, unit: Unit, values: dict, state: str = "approved") -> Report:
    """An approved report with ``values`` ({field: number or text}), written directly (the figures are the
    point here; the workflow is tested elsewhere)."""
    version_id = session.scalar(select(FormVersion.id).where(FormVersion.form_id == the_form.id,
                                                              FormVersion.version == the_form.published_version))
    sent = datetime.combine(the_period.deadline, datetime.min.time())
    report = Report(form_id=the_form.id, form_version_id=version_id, period_id=the_period.id, unit_id=unit.id,
                    state=state, level=unit.level, deadline=the_period.deadline, submitted_at=sent,
                    approved_at=sent if state != "submitted" else None)
    session.add(report)
    session.flush()
    for code, value in values.items():
        session.add(ReportValue(report_id=report.id, field_code=code, cell="",
                                number=None if isinstance(value, str) else Decimal(str(value)),
                                text=value if isinstance(value, str) else None))
    return report


def cao_bang_2025(session) -> dict:
    """The shared scenario (module docstring); returns ``{"form", "periods": {year: Period}, "units": {code: Unit}}``.
    Needs ``tests.factories.province()`` first; call in an app context; commits."""
    units = {u.code: u for u in session.scalars(select(Unit))}
    board = units["04"]
    # The versions are core.hierarchy.versions' work: closing a unit ends its version, a new unit's
    # first version starts at its own valid_from.
    for code in ("H01", "H02", "X011", "X012", "X021"):
        units[code].valid_to, units[code].active = LAST_OLD_DAY, False
    units["N01"] = new_unit(session, "N01", "Xã Hà Quảng", board)
    units["N02"] = new_unit(session, "N02", "Xã Bảo Lạc", board)
    for code in ("X011", "X012"):
        lineage(session, units[code], units["N01"], 1, None, LAST_OLD_DAY)
    lineage(session, units["X021"], units["N01"], SPLIT, None, LAST_OLD_DAY)
    lineage(session, units["X021"], units["N02"], 1 - SPLIT, None, LAST_OLD_DAY)
    for code in ("H01", "H02"):  # a removed level's own reports pass to the parent it was removed from
        lineage(session, units[code], board, 1, None, LAST_OLD_DAY)
    the_form = form(session)
    periods = {}
    for year, by_unit in HOUSEHOLDS.items():
        periods[year] = period(session, int(year))
        for code, households in by_unit.items():
            values = {"households": households}
            if code in RATE.get(year, {}):
                values["poverty_rate"] = RATE[year][code]
            approved(session, the_form, periods[year], units[code], values)
    session.commit()
    return {"form": the_form, "periods": periods, "units": units}
