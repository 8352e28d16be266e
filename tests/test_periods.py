"""Reporting periods: codes, the national rule (NĐ 09/2019 Đ12), Hà Nội's F4 dates through the hook."""
from datetime import date, timedelta

import pytest

from core.forms import periods
from core.platform import plugin_admin
from core.contracts import Period, PeriodDate, PeriodRule, PeriodType
from core.defaults.periods import NATIONAL_RULES
from core.platform.extensions import db

D = date
#: The calendar itself (explicit dates, no clock): cheap, and run at every instant CI tries.
pytestmark = pytest.mark.calendar


def _dates(p: Period):
    return p.start, p.end, p.deadline


# --- codes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("code, expected", [
    ("2026", (PeriodType.YEARLY, 2026, None)),
    ("202603", (PeriodType.MONTHLY, 2026, 3)),
    ("202612", (PeriodType.MONTHLY, 2026, 12)),
    ("2026Q3", (PeriodType.QUARTERLY, 2026, 3)),
    ("2026S1", (PeriodType.SIX_MONTHLY, 2026, 1)),
    ("2026S2", (PeriodType.SIX_MONTHLY, 2026, 2)),
    ("2026N9", (PeriodType.NINE_MONTH, 2026, None)),
    ("2021-2025", (PeriodType.PHASE, 2021, 2025)),
    ("2026-DX01", (PeriodType.ADHOC, None, None)),
    ("chuyen_de_ton_giao", (PeriodType.ADHOC, None, None)),
    ("X" * 40, (PeriodType.ADHOC, None, None)),
])
def test_parse(code, expected):
    assert tuple(periods.parse(code)) == expected


@pytest.mark.parametrize("code", [
    "202613", "202600", "2026Q0", "2026Q5", "2026S3", "2026N8", "2026q3", "2026W10", "20263",
    "2025-2021", "2025-2025", "2026-", "0999", "X" * 41, "", "quý 3", "2026/03", "2026 Q3",
])
def test_bad_codes_raise_value_error_naming_the_code(code):
    with pytest.raises(ValueError) as exc:
        periods.parse(code)
    assert repr(code) in str(exc.value)


def test_build_rejects_ad_hoc_codes_naming_them():
    with pytest.raises(ValueError, match="'dot_xuat_1'"):
        periods.build("dot_xuat_1", NATIONAL_RULES)


def test_code_for_round_trips():
    for code in ("2026", "202603", "2026Q3", "2026S2", "2026N9", "2021-2025"):
        kind, year, index = periods.parse(code)
        assert periods.code_for(kind, year, index) == code


# --- national rule -------------------------------------------------------------------------

@pytest.mark.parametrize("code, start, end, deadline, name", [
    ("202603", D(2026, 2, 15), D(2026, 3, 14), D(2026, 3, 20), "Tháng 3 năm 2026"),
    ("202601", D(2025, 12, 15), D(2026, 1, 14), D(2026, 1, 20), "Tháng 1 năm 2026"),
    ("2026Q1", D(2025, 12, 15), D(2026, 3, 14), D(2026, 3, 20), "Quý 1 năm 2026"),
    ("2026Q3", D(2026, 6, 15), D(2026, 9, 14), D(2026, 9, 20), "Quý 3 năm 2026"),
    ("2026S1", D(2025, 12, 15), D(2026, 6, 14), D(2026, 6, 20), "6 tháng đầu năm 2026"),
    ("2026S2", D(2026, 6, 15), D(2026, 12, 14), D(2026, 12, 20), "6 tháng cuối năm 2026"),
    ("2026N9", D(2025, 12, 15), D(2026, 9, 14), D(2026, 9, 20), "9 tháng năm 2026"),
    ("2026", D(2025, 12, 15), D(2026, 12, 14), D(2026, 12, 20), "Năm 2026"),
    ("2021-2025", D(2021, 1, 1), D(2025, 12, 31), D(2025, 12, 20), "Giai đoạn 2021-2025"),
])
def test_national_rule(code, start, end, deadline, name):
    p = periods.build(code, NATIONAL_RULES)
    assert (p.code, p.name) == (code, name)
    assert _dates(p) == (start, end, deadline)


def test_entry_window_opens_on_the_first_of_the_last_month_and_closes_a_month_later():
    p = periods.build("2026Q1", NATIONAL_RULES)
    assert (p.opens, p.closes) == (D(2026, 3, 1), D(2026, 4, 30))
    p = periods.build("2026", NATIONAL_RULES)
    assert (p.opens, p.closes) == (D(2026, 12, 1), D(2027, 1, 31))
    p = periods.build("202601", NATIONAL_RULES)
    assert (p.opens, p.closes) == (D(2026, 1, 1), D(2026, 2, 28))


def test_rules_outside_an_app_are_the_national_ones_when_no_plugin_answers():
    assert periods.merge(None) == tuple(NATIONAL_RULES)


# --- containing / periods_between ----------------------------------------------------------

@pytest.mark.parametrize("kind, day, code", [
    ("monthly", D(2026, 3, 14), "202603"),
    ("monthly", D(2026, 3, 15), "202604"),
    ("monthly", D(2025, 12, 14), "202512"),
    ("monthly", D(2025, 12, 15), "202601"),
    ("quarterly", D(2026, 3, 14), "2026Q1"),
    ("quarterly", D(2026, 3, 15), "2026Q2"),
    ("quarterly", D(2025, 12, 15), "2026Q1"),
    ("six_monthly", D(2026, 6, 14), "2026S1"),
    ("six_monthly", D(2026, 6, 15), "2026S2"),
    ("nine_month", D(2026, 9, 14), "2026N9"),
    ("yearly", D(2026, 12, 14), "2026"),
    ("yearly", D(2026, 12, 15), "2027"),
    ("phase", D(2025, 12, 31), "2021-2025"),
    ("phase", D(2026, 1, 1), "2026-2030"),
])
def test_containing_on_boundary_days(kind, day, code):
    assert periods.containing(kind, day, NATIONAL_RULES).code == code


def test_no_nine_month_period_holds_the_last_quarter():
    with pytest.raises(ValueError, match="no nine_month period"):
        periods.containing("nine_month", D(2026, 10, 1), NATIONAL_RULES)


def _assert_tiles(found):
    for before, after in zip(found, found[1:]):
        assert after.start == before.end + timedelta(days=1), (before.code, after.code)


def test_twelve_months_tile_a_data_year():
    found = periods.periods_between("monthly", D(2025, 12, 15), D(2026, 12, 14), NATIONAL_RULES)
    assert [p.code for p in found] == [f"2026{m:02d}" for m in range(1, 13)]
    _assert_tiles(found)
    assert found[0].start == D(2025, 12, 15) and found[-1].end == D(2026, 12, 14)


def test_periods_between_returns_every_period_overlapping_the_range():
    found = periods.periods_between("monthly", D(2026, 1, 1), D(2026, 12, 31), NATIONAL_RULES)
    assert [p.code for p in found] == [f"2026{m:02d}" for m in range(1, 13)] + ["202701"]
    _assert_tiles(found)
    quarters = periods.periods_between("quarterly", D(2024, 12, 15), D(2026, 12, 14), NATIONAL_RULES)
    assert [p.code for p in quarters] == [f"{y}Q{q}" for y in (2025, 2026) for q in range(1, 5)]
    _assert_tiles(quarters)


def test_periods_between_a_single_day_is_containing():
    for day in (D(2026, 3, 14), D(2026, 3, 15), D(2026, 2, 28)):
        assert periods.periods_between("monthly", day, day, NATIONAL_RULES) == [
            periods.containing("monthly", day, NATIONAL_RULES)]


def test_ad_hoc_periods_are_not_generated():
    with pytest.raises(ValueError, match="ad-hoc"):
        periods.periods_between("adhoc", D(2026, 1, 1), D(2026, 2, 1), NATIONAL_RULES)


# --- rules as data -------------------------------------------------------------------------

def test_an_indexed_rule_beats_the_general_one_and_other_types_stay_national():
    q1 = PeriodRule(PeriodType.QUARTERLY, index=1, start=PeriodDate("first", 0, 1),
                    end=PeriodDate("last", 0, 31), deadline=PeriodDate("last", 1, 10))
    general = PeriodRule(PeriodType.QUARTERLY, start=PeriodDate("first", 0, 1),
                         end=PeriodDate("last", 0, 31), deadline=PeriodDate("last", 0, 31, days=5))
    ruleset = periods.merge([q1, general])
    assert _dates(periods.build("2026Q1", ruleset)) == (D(2026, 1, 1), D(2026, 3, 31), D(2026, 4, 10))
    assert _dates(periods.build("2026Q2", ruleset)) == (D(2026, 4, 1), D(2026, 6, 30), D(2026, 7, 5))
    assert _dates(periods.build("202602", ruleset)) == (D(2026, 1, 15), D(2026, 2, 14), D(2026, 2, 20))


def test_a_type_answered_without_every_index_fails_clearly():
    only_q1 = PeriodRule(PeriodType.QUARTERLY, index=1, start=PeriodDate("first", 0, 1),
                         end=PeriodDate("last", 0, 14), deadline=PeriodDate("last", 0, 14))
    with pytest.raises(ValueError, match="no period rule for quarterly index 2"):
        periods.build("2026Q2", periods.merge([only_q1]))


def test_rules_are_validated():
    with pytest.raises(ValueError):
        PeriodDate("middle", 0, 1)
    with pytest.raises(ValueError):
        PeriodDate("first", 0, 32)
    with pytest.raises(ValueError):
        PeriodRule(PeriodType.ADHOC, PeriodDate("first"), PeriodDate("last"), PeriodDate("last"))
    with pytest.raises(ValueError):
        PeriodRule(PeriodType.QUARTERLY, PeriodDate("first"), PeriodDate("last"), PeriodDate("last"), index=5)
    with pytest.raises(ValueError):
        PeriodRule(PeriodType.YEARLY, PeriodDate("first"), PeriodDate("last"), PeriodDate("last"), index=1)
    dup = PeriodRule(PeriodType.YEARLY, PeriodDate("first"), PeriodDate("last", 0, 31), PeriodDate("last"))
    with pytest.raises(ValueError, match="two period rules for yearly"):
        periods.merge([dup, dup])
    backwards = PeriodRule(PeriodType.YEARLY, PeriodDate("last", 0, 31), PeriodDate("first"), PeriodDate("last"))
    with pytest.raises(ValueError, match="impossible dates"):
        periods.build("2026", [backwards])


def test_day_is_clamped_to_the_month():
    rule = PeriodRule(PeriodType.MONTHLY, start=PeriodDate("first", 0, 1), end=PeriodDate("last", 0, 31),
                      deadline=PeriodDate("last", 0, 31))
    assert _dates(periods.build("202602", [rule])) == (D(2026, 2, 1), D(2026, 2, 28), D(2026, 2, 28))
    assert periods.build("202402", [rule]).end == D(2024, 2, 29)


# --- through the hook ----------------------------------------------------------------------

def _enable(app, name, enabled=True):
    with app.app_context():
        plugin_admin.set_enabled(db.session, name, enabled)
        db.session.commit()


def test_core_default_answers_with_the_national_rule(app):
    with app.app_context():
        assert periods.rules() == tuple(NATIONAL_RULES)
        assert _dates(periods.build("2026Q1", periods.rules())) == (D(2025, 12, 15), D(2026, 3, 14), D(2026, 3, 20))


@pytest.mark.parametrize("code, start, end, deadline", [
    # REQUIREMENTS F4 (Hà Nội Đ10.3)
    ("2026Q1", D(2026, 1, 1), D(2026, 3, 14), D(2026, 3, 14)),
    ("2026S1", D(2026, 1, 1), D(2026, 6, 14), D(2026, 6, 14)),
    ("2026Q3", D(2026, 6, 15), D(2026, 9, 14), D(2026, 9, 14)),
    ("2026", D(2026, 1, 1), D(2026, 12, 31), D(2026, 12, 14)),
    # not in the regulation: derived in plugins/ha_noi
    ("2026Q2", D(2026, 3, 15), D(2026, 6, 14), D(2026, 6, 14)),
    ("2026Q4", D(2026, 9, 15), D(2026, 12, 31), D(2026, 12, 14)),
    ("2026S2", D(2026, 6, 15), D(2026, 12, 31), D(2026, 12, 14)),
    ("2026N9", D(2026, 1, 1), D(2026, 9, 14), D(2026, 9, 14)),
    # months and phases keep the national rule
    ("202603", D(2026, 2, 15), D(2026, 3, 14), D(2026, 3, 20)),
    ("2021-2025", D(2021, 1, 1), D(2025, 12, 31), D(2025, 12, 20)),
])
def test_ha_noi_dates_through_the_hook(app, code, start, end, deadline):
    _enable(app, "ha_noi")
    with app.app_context():
        assert plugin_admin.registry().answering("period_rules")[0] == "ha_noi"
        assert _dates(periods.build(code, periods.rules())) == (start, end, deadline)


def test_ha_noi_quarters_tile_its_year_and_disabling_restores_the_national_rule(app):
    _enable(app, "ha_noi")
    with app.app_context():
        ruleset = periods.rules()
        quarters = periods.periods_between("quarterly", D(2026, 1, 1), D(2026, 12, 31), ruleset)
        assert [q.code for q in quarters] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
        _assert_tiles(quarters)
        year = periods.build("2026", ruleset)
        assert (quarters[0].start, quarters[-1].end) == (year.start, year.end)
        assert periods.containing("quarterly", D(2026, 3, 14), ruleset).code == "2026Q1"
        assert periods.containing("quarterly", D(2026, 3, 15), ruleset).code == "2026Q2"
        assert periods.containing("quarterly", D(2026, 12, 31), ruleset).code == "2026Q4"
        assert periods.containing("yearly", D(2026, 12, 31), ruleset).code == "2026"
    _enable(app, "ha_noi", False)
    with app.app_context():
        assert periods.build("2026Q1", periods.rules()).start == D(2025, 12, 15)
