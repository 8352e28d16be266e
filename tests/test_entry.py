"""Data entry (REQUIREMENTS F9): a commune officer fills its report in the prescribed format.

Messages are compared with what the Vietnamese catalogue gives for their
English msgids (:func:`vi`), so these tests hold before and after the
translations are merged; the labels of the form itself are Vietnamese data.
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import gettext
from sqlalchemy import select

from core.reporting import entry
from core.forms import definitions as forms
from core.contracts import CategorySpec, Choice, ComboSpec, FieldSpec, FormSpec, RuleSpec, SectionSpec
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.forms.models.form import Form, FormVersion
from core.forms.models.period import Period
from core.reporting.models import Report, ReportValue
from tests import factories

#: Deadlines here are days from today in the province (``entry.today()``): "còn 5 ngày", "quá hạn 3 ngày".
pytestmark = pytest.mark.calendar

POPULATION = "Dân số chia theo dân tộc và giới tính"
SPEC = FormSpec(
    code="DT01", name="Báo cáo tình hình vùng dân tộc thiểu số",
    sections=(
        SectionSpec("A", "Dân số và hộ gia đình", (
            FieldSpec("households", "Tổng số hộ gia đình", "integer", required=True, min=0,
                      unit_of_measure="hộ", help="Tính cả hộ tạm trú trên 6 tháng."),
            FieldSpec("poor_households", "Số hộ nghèo", "integer", min=0, unit_of_measure="hộ"),
            FieldSpec("area", "Diện tích đất sản xuất", "decimal", max=100000, unit_of_measure="ha"),
            FieldSpec("poor_rate", "Tỷ lệ hộ nghèo", "percent", unit_of_measure="%"),
            FieldSpec("population", POPULATION, "integer", combo="eth_sex", min=0, unit_of_measure="người"),
        )),
        SectionSpec("B", "Hạ tầng", (
            FieldSpec("has_school", "Có trường học", "yes_no"),
            FieldSpec("road", "Loại đường đến trung tâm xã", "choice",
                      choices=(Choice("nhua", "Đường nhựa"), Choice("dat", "Đường đất"))),
            FieldSpec("surveyed_on", "Ngày điều tra", "date"),
            FieldSpec("note", "Ghi chú", "long_text"),
        )),
    ),
    rules=(RuleSpec("R1", "poor_households <= households", "Số hộ nghèo không được lớn hơn tổng số hộ."),),
    categories=(CategorySpec("ethnic", "Dân tộc", (Choice("kinh", "Kinh"), Choice("tay", "Tày"))),
                CategorySpec("sex", "Giới tính", (Choice("nam", "Nam"), Choice("nu", "Nữ")))),
    combos=(ComboSpec("eth_sex", "Dân tộc × giới tính", ("ethnic", "sex")),),
)
BAD = {"households": "12a", "area": "1,2,3", "poor_rate": "150", "road": "xyz", "surveyed_on": "31/02/2026",
       "population__kinh|nu": "1,5", "has_school": "maybe", "poor_households": "5"}


def vi(msgid: str, **params) -> str:
    """What the user reads for ``msgid``: the Vietnamese catalogue's text (English until merged)."""
    return gettext(msgid, **params)


def make_form(session) -> FormVersion:
    forms.sync_spec(session, SPEC, source="board")
    form = session.execute(select(Form).where(Form.code == SPEC.code)).scalar_one()
    return forms.latest_version(session, form)


def make_period(session, code: str, deadline: date) -> Period:
    period = Period(code=code, type="quarterly", name=f"Quý {code[-1]} năm 2026", start=date(2026, 1, 1),
                    end=date(2026, 3, 31), deadline=deadline, opens=date(2026, 3, 15), closes=deadline)
    session.add(period)
    session.flush()
    return period


def make_report(session, version: FormVersion, period: Period, unit_id: int, state: str = "draft") -> Report:
    from core.hierarchy.models import Unit

    unit = session.get(Unit, unit_id)
    report = Report(form_id=version.form_id, form_version_id=version.id, period_id=period.id, unit_id=unit_id,
                    state=state, level=unit.level, deadline=period.deadline)
    session.add(report)
    session.flush()
    return report


@pytest.fixture
def world(app):
    with app.app_context(), app.test_request_context():
        ids = factories.province()
        one_time = {code: factories.issue(code) for code in ("X011", "X021", "H01")}
        version = make_form(db.session)
        due = entry.today() + timedelta(days=5)
        q1 = make_period(db.session, "2026Q1", due)
        q2 = make_period(db.session, "2026Q2", entry.today() - timedelta(days=3))
        reports = {
            "own": make_report(db.session, version, q1, ids["X011"]).id,
            "other": make_report(db.session, version, q1, ids["X021"]).id,
            "sent": make_report(db.session, version, q2, ids["X011"], state="submitted").id,
        }
        db.session.commit()
    return {"ids": ids, "accounts": one_time, "reports": reports, "due": due}


def signed_in(app, world, code="X011"):
    client = app.test_client()
    username, password = world["accounts"][code]
    factories.first_login(client, username, password)
    return client


def stored(app, report_id) -> dict:
    with app.app_context():
        rows = db.session.execute(select(ReportValue).where(ReportValue.report_id == report_id)).scalars()
        return {(r.field_code, r.cell): (r.number, r.text) for r in rows}


def test_officer_opens_the_entry_page_of_its_report(app, world):
    client = signed_in(app, world)
    resp = client.get(f"/reports/{world['reports']['own']}/entry")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    with app.test_request_context():
        for text in ("Báo cáo tình hình vùng dân tộc thiểu số", vi("version %(n)s", n=1), "Quý 1 năm 2026",
                     "Xã Trường Hà", "Dân số và hộ gia đình", "Tổng số hộ gia đình", "Tính cả hộ tạm trú trên 6 tháng.",
                     "(hộ)", POPULATION, "Kinh", "Tày", "Nam", "Nữ", world["due"].strftime("%d/%m/%Y"),
                     vi("%(n)d day(s) left", n=5), vi("Draft"), vi("Save"), vi("Submit report"), "Đường nhựa"):
            assert text in page, text
    # The grid: one input per cell, named <field>__<cell key>, with row and column totals.
    for cell in ("kinh|nam", "kinh|nu", "tay|nam", "tay|nu"):
        assert f'name="population__{cell}"' in page
    assert "data-grand-total" in page and "data-row-total" in page and "data-col-total" in page
    # What the browser can check by itself.
    households = re.search(r'<input[^>]*name="households"[^>]*>', page).group(0)
    # Text with a decimal keypad, not type=number: "12,5" must reach the server as typed (to be refused
    # in a whole-number field, never read as 125) and arrow keys move between cells, not change the number.
    assert 'required' in households and 'type="text"' in households and 'inputmode="decimal"' in households
    assert 'data-min="0"' in households
    area = re.search(r'<input[^>]*name="area"[^>]*>', page).group(0)
    assert 'inputmode="decimal"' in area and 'data-max="100000"' in area
    assert 'name="csrf_token"' in page and f"/reports/{world['reports']['own']}/validate" in page
    assert "<fieldset disabled" not in page


def test_a_partial_draft_is_saved_and_kept(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    resp = client.post(f"/reports/{rid}/entry", data={
        "households": "1.234", "area": "12,5", "population__kinh|nam": "50", "population__tay|nu": "",
        "has_school": "yes", "road": "dat", "surveyed_on": "15/03/2026", "note": "  Đã rà soát  "})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    values = stored(app, rid)
    assert values[("households", "")][0] == 1234
    assert values[("area", "")][0] == Decimal("12.5")
    assert values[("population", "kinh|nam")][0] == 50
    assert values[("has_school", "")][0] == 1
    assert values[("road", "")] == (None, "dat")
    assert values[("surveyed_on", "")] == (None, "2026-03-15")
    assert values[("note", "")] == (None, "Đã rà soát")
    assert ("population", "tay|nu") not in values
    with app.app_context():
        assert db.session.get(Report, rid).updated_at is not None

    page = client.get(f"/reports/{rid}/entry").get_data(as_text=True)
    assert 'value="1234"' in page and 'value="12,5"' in page and 'value="50"' in page
    assert '<option value="dat" selected>' in page

    # Clearing a value deletes it; the rest stays.
    assert client.post(f"/reports/{rid}/entry", data={"area": ""}).status_code == 302
    values = stored(app, rid)
    assert ("area", "") not in values and values[("households", "")][0] == 1234


def test_bad_values_come_back_per_field_and_nothing_is_saved(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    resp = client.post(f"/reports/{rid}/entry", data=BAD)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    with app.test_request_context():
        for message in ("Enter a number, such as 1234 or 1.234,5.", "Enter a percentage from 0 to 100.",
                        "Choose one of the listed options.", "Enter a real date as DD/MM/YYYY.",
                        "Answer yes or no.", "Not saved: correct the values marked in red, then save again."):
            assert vi(message) in page, message
        assert f"Kinh, Nữ: {vi('Enter a whole number.')}" in page
    assert 'value="12a"' in page  # what was typed stays on the page
    assert stored(app, rid) == {}  # not even the valid poor_households


def test_a_rule_violation_blocks_the_save(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    resp = client.post(f"/reports/{rid}/entry", data={"households": "10", "poor_households": "20"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Số hộ nghèo không được lớn hơn tổng số hộ." in page
    assert "R1:" not in page  # a sentence for people, not the rule's code
    assert stored(app, rid) == {}
    assert client.post(f"/reports/{rid}/entry", data={"households": "30", "poor_households": "20"}).status_code == 302


def test_a_rule_is_checked_against_stored_values_too(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    assert client.post(f"/reports/{rid}/entry", data={"households": "10"}).status_code == 302
    resp = client.post(f"/reports/{rid}/validate", data={"poor_households": "11"})
    assert resp.get_json()["errors"] == {"_rules": ["Số hộ nghèo không được lớn hơn tổng số hộ."]}


def test_a_submitted_report_is_read_only_and_a_post_is_refused(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["sent"]
    page = client.get(f"/reports/{rid}/entry").get_data(as_text=True)
    assert "<fieldset disabled" in page and 'id="entry-save"' not in page
    with app.test_request_context():
        assert vi("Submitted") in page
        assert vi("%(n)d day(s) late", n=3) in page
    resp = client.post(f"/reports/{rid}/entry", data={"households": "5"})
    assert resp.status_code == 409
    assert client.post(f"/reports/{rid}/validate", data={"households": "5"}).status_code == 409
    assert stored(app, rid) == {}
    with app.test_request_context():
        report = db.session.get(Report, rid)
        with pytest.raises(entry.EntryRefused):
            entry.save(db.session, report, {"households": "5"})


def test_a_parent_unit_reads_but_does_not_type_a_communes_data(app, world):
    client = signed_in(app, world, "H01")
    rid = world["reports"]["own"]
    page = client.get(f"/reports/{rid}/entry").get_data(as_text=True)
    assert "Tổng số hộ gia đình" in page and "<fieldset disabled" in page
    assert client.post(f"/reports/{rid}/entry", data={"households": "5"}).status_code == 403
    assert stored(app, rid) == {}


def test_another_units_report_is_not_found(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["other"]
    assert client.get(f"/reports/{rid}/entry").status_code == 404
    assert client.post(f"/reports/{rid}/entry", data={"households": "5"}).status_code == 404
    assert client.post(f"/reports/{rid}/validate", data={"households": "5"}).status_code == 404
    assert client.get(f"/reports/show/{rid}").status_code == 404
    assert stored(app, rid) == {}


def test_the_live_check_returns_the_errors_saving_meets(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]
    checked = client.post(f"/reports/{rid}/validate", data=BAD)
    assert checked.status_code == 200
    errors = checked.get_json()["errors"]
    with app.test_request_context():
        report = db.session.get(Report, rid)
        assert errors == entry.save(db.session, report, dict(BAD))
        db.session.rollback()
    assert set(errors) == {"households", "area", "poor_rate", "road", "surveyed_on", "population[kinh|nu]",
                           "has_school"}
    assert stored(app, rid) == {}
    # The whole-form check adds what a submission needs.
    full = client.post(f"/reports/{rid}/validate", data={"_full": "1"}).get_json()["errors"]
    with app.test_request_context():
        assert full == {"households": [vi("This field is required.")]}
    assert client.post(f"/reports/{rid}/validate", data={"households": "4"}).get_json()["errors"] == {}


def test_a_save_is_one_audit_entry_with_the_changed_cells(app, world):
    client = signed_in(app, world)
    rid = world["reports"]["own"]

    def entries():
        with app.app_context():
            return db.session.execute(select(AuditEntry).where(AuditEntry.object_type == "Report",
                                                               AuditEntry.object_id == str(rid))
                                      .order_by(AuditEntry.seq)).scalars().all()

    first = {"households": "10", "population__kinh|nam": "3"}
    assert client.post(f"/reports/{rid}/entry", data=first).status_code == 302
    assert client.post(f"/reports/{rid}/entry", data={"households": "12", "population__kinh|nam": "3",
                                                      "area": "1,5"}).status_code == 302
    assert client.post(f"/reports/{rid}/entry", data={"households": "12"}).status_code == 302  # nothing new
    found = entries()
    assert [e.action for e in found] == ["create", "report.save", "report.save"]  # no ORM "update" besides
    found = found[1:]
    first, second = (json.loads(e.changes)["cells"] for e in found)
    assert first == {"households": [None, 10], "population[kinh|nam]": [None, 3]}
    assert second == {"households": [10, 12], "area": [None, 1.5]}
    assert found[0].actor == "x011"


def test_numbers_are_read_the_vietnamese_way():
    assert entry.parse_number("1.234") == 1234
    assert entry.parse_number("1.234,5") == Decimal("1234.5")
    assert entry.parse_number("1234.5") == Decimal("1234.5")
    assert entry.parse_number("1,234.5") == Decimal("1234.5")
    assert entry.parse_number("1.234.567") == 1234567
    assert entry.parse_number("1234,5") == Decimal("1234.5")
    assert entry.parse_number("0.25") == Decimal("0.25")
    assert entry.parse_number("-2 500") == -2500
    for bad in ("1.23.4", "1,2,3", "12a", "1e5", "", "--1"):
        with pytest.raises(ValueError):
            entry.parse_number(bad)


def test_parse_types_values_and_names_cells(app):
    defn = {"code": "T", "name": "T", "combos": {}, "rules": [], "sections": [{"code": "s", "title": "", "fields": [
        {"code": "n", "label": "n", "type": "integer", "required": False, "min": None, "max": None, "combo": None},
        {"code": "d", "label": "d", "type": "decimal", "required": False, "min": None, "max": None, "combo": None},
    ]}]}
    with app.test_request_context():
        values, errors = entry.parse(defn, {"n": "1.234", "d": "1.234,5", "csrf_token": "x"})
        assert values == {("n", ""): 1234, ("d", ""): 1234.5} and errors == {}
        values, errors = entry.parse(defn, {"n": 7, "d": None, "x": "1", "n__a": "2"})
        assert values == {("n", ""): 7, ("d", ""): None}
        assert set(errors) == {"x", "n[a]"}
        values, errors = entry.parse(defn, {"n": "1,5"})
        assert errors == {"n": [vi("Enter a whole number.")]}
        # JSON integers (a program's submission) take a short cut; it keeps every limit of the long way.
        values, errors = entry.parse(defn, {"n": -3, "d": 10 ** 14 - 1}, machine=True)
        assert values == {("n", ""): -3, ("d", ""): 10 ** 14 - 1} and errors == {}
        values, errors = entry.parse(defn, {"n": 10 ** 14, "d": True}, machine=True)
        assert errors == {"n": [vi("The number is too large.")], "d": [vi("Enter a number.")]}
        percent = {**defn, "sections": [{"code": "s", "title": "", "fields": [
            {"code": "p", "label": "p", "type": "percent", "required": False, "min": None, "max": None, "combo": None}]}]}
        assert entry.parse(percent, {"p": 150}, machine=True)[1] == {"p": [vi("Enter a percentage from 0 to 100.")]}


def test_the_list_shows_the_reports_in_scope_without_a_query_per_row(app, world):
    client = signed_in(app, world)
    page = client.get("/reports/list/").get_data(as_text=True)
    assert "Báo cáo tình hình vùng dân tộc thiểu số" in page and "Xã Trường Hà" in page
    assert "Xã Cô Ba" not in page
    assert f"/reports/{world['reports']['own']}/entry" in page
    with app.test_request_context():
        assert vi("Draft") in page and vi("Submitted") in page and vi("Report list") in page
        assert vi("%(n)d day(s) left", n=5) in page and vi("Enter data") in page
    sent_only = client.get("/reports/list/?_flt_0_state=submitted").get_data(as_text=True)
    assert f"/reports/{world['reports']['sent']}/entry" in sent_only
    assert f"/reports/{world['reports']['own']}/entry" not in sent_only
    show = client.get(f"/reports/show/{world['reports']['own']}")
    assert show.status_code == 200 and "Xã Trường Hà" in show.get_data(as_text=True)

    def queries_for_list() -> int:
        return factories.statements(app, lambda: client.get("/reports/list/").status_code == 200
                                    or pytest.fail("report list"))

    queries_for_list()  # the first request after sign-in makes the per-process lookups
    before = queries_for_list()
    with app.app_context():
        version = db.session.execute(select(FormVersion)).scalars().first()
        for month in range(1, 7):
            period = make_period(db.session, f"20260{month}", world["due"])
            make_report(db.session, version, period, world["ids"]["X011"])
        db.session.commit()
    assert queries_for_list() == before
