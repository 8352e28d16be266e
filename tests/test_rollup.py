"""Roll-up and completeness (H2, H4): totals of approved reports up Cao Bằng's tree, drill-down,
aggregation rules from a plugin, who has sent on time, and urging the rest."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask_jwt_extended import create_access_token

from core.reporting import assignment, entry
from core.platform.extensions import db
from core.hookspecs import hookimpl
from core.accounts.models import Account
from core.reporting.models import Notification, Report
from core.hierarchy.models import Unit
from tests import factories
from workflows import transition

#: Cao Bằng on the day its CB-DT01 is assigned (due 20/12/2026): what is sent now is on time.
pytestmark = factories.ON_ASSIGNMENT_DAY

VALUES = {
    "X011": {"households": "100", "population": "400", "poor_households": "10", "population_by_ethnicity": {}},
    "X012": {"households": "50", "population": "250", "poor_households": "30"},
    "X021": {"households": "7", "population": "20", "poor_households": "1"},
}


@pytest.fixture
def cb(app):
    with app.app_context():
        factories.province()
        app.passwords = dict(factories.issue(code) for code in ("04", "H01", "H02", "X011", "X012", "X021"))
        db.session.query(Account).update({"must_change_password": False})
        assignment.assign(db.session, factories.ASSIGNED_ON)
        db.session.commit()
    return app


def _report(code: str) -> Report:
    return db.session.query(Report).join(Unit).filter(Unit.code == code).one()


def _act(code: str, action: str, username: str):
    transition(db.session, _report(code), action, db.session.query(Account).filter_by(username=username).one())
    db.session.commit()


def _fill(code: str, raw: dict | None = None):
    report = _report(code)
    raw = dict(raw or VALUES[code])
    raw.pop("population_by_ethnicity", None)
    if code == "X011":  # one disaggregated cell, to see cells roll up too
        defn = report.version.definition
        fld = entry.fields_of(defn)["population_by_ethnicity"]
        raw[entry.input_name("population_by_ethnicity", entry.cells_of(defn, fld)[0])] = raw["population"]
    assert entry.save(db.session, report, raw) == {}
    db.session.commit()
    _act(code, "submit", code.lower())


def _approve(code: str, district: str):
    _act(code, "approve", district.lower())
    _act(code, "approve", "04")


def _headers(app, username: str) -> dict:
    with app.app_context():
        account = db.session.query(Account).filter_by(username=username).one()
        return {"Authorization": f"Bearer {create_access_token(identity=str(account.id), fresh=True)}"}


def _form_period(app):
    with app.app_context():
        report = _report("X011")
        return report.form.code, report.period.code


def test_a_province_total_is_the_sum_of_its_approved_reports_and_moves_at_approval(cb, client):
    with cb.app_context():
        for code in ("X011", "X012", "X021"):
            _fill(code)
        _approve("X011", "H01")
        _approve("X012", "H01")  # X021 is still waiting at its district
    form, period = _form_period(cb)
    board = _headers(cb, "04")
    url = f"/api/v1/aggregate/?form={form}&period={period}"

    body = client.get(url + "&unit=04", headers=board).get_json()
    assert body["reports"] == 2
    assert body["values"]["households"] == 150 and body["values"]["population"] == 650
    assert body["values"]["poor_households"] == 40
    assert list(body["values"]["population_by_ethnicity"].values()) == [400]  # one cell, X011's only
    assert client.get(url + "&unit=H02", headers=board).get_json()["values"] == {}

    with cb.app_context():
        _approve("X021", "H02")
    body = client.get(url + "&unit=04", headers=board).get_json()
    assert (body["reports"], body["values"]["households"]) == (3, 157)  # current the moment it is approved
    assert client.get(url + "&unit=H02", headers=board).get_json()["values"]["households"] == 7


def test_every_total_drills_down_to_units_and_report_versions(cb, client):
    with cb.app_context():
        for code in ("X011", "X012", "X021"):
            _fill(code)
            _approve(code, "H01" if code.startswith("X01") else "H02")
        ids = {code: _report(code).id for code in VALUES}
    form, period = _form_period(cb)
    url = f"/api/v1/aggregate/?form={form}&period={period}&unit=04&field=households"
    board = _headers(cb, "04")

    by_report = client.get(url, headers=board).get_json()["contributions"]
    assert [(c["unit_code"], c["report_id"], c["form_version"], c["value"]) for c in by_report] == [
        ("X011", ids["X011"], 1, 100), ("X012", ids["X012"], 1, 50), ("X021", ids["X021"], 1, 7)]
    by_child = client.get(url + "&by=child", headers=board).get_json()["contributions"]
    assert [(c["unit_code"], c["value"], c["reports"]) for c in by_child] == [("H01", 150, 2), ("H02", 7, 1)]
    assert sum(c["value"] for c in by_child) == client.get(url, headers=board).get_json()["values"]["households"]


class Rules:
    """A province that averages the poverty rate weighted by households, and takes the largest population."""

    @hookimpl
    def aggregation_rules(self, form):
        return {"poor_households": "wavg:households", "population": "max", "households": "count"}


def test_aggregation_rules_come_from_a_plugin_and_are_computed_in_sql(cb, client):
    with cb.app_context():
        for code in ("X011", "X012"):
            _fill(code)
            _approve(code, "H01")
    cb.extensions["baocao.plugins"].pm.register(Rules(), name="test-rules")
    form, period = _form_period(cb)
    body = client.get(f"/api/v1/aggregate/?form={form}&period={period}&unit=04",
                      headers=_headers(cb, "04")).get_json()
    assert body["values"]["households"] == 2
    assert body["values"]["population"] == 400
    assert body["values"]["poor_households"] == pytest.approx((10 * 100 + 30 * 50) / 150)
    assert body["rules"]["poor_households"] == "wavg:households"


def test_totals_and_completeness_stay_inside_the_callers_subtree(cb, client):
    form, period = _form_period(cb)
    commune = _headers(cb, "x011")
    for api in ("aggregate", "completeness"):
        assert client.get(f"/api/v1/{api}/?form={form}&period={period}&unit=04", headers=commune).status_code == 404
        assert client.get(f"/api/v1/{api}/?form={form}&period={period}&unit=X012", headers=commune).status_code == 404
        assert client.get(f"/api/v1/{api}/?form={form}&period={period}", headers=commune).status_code == 200
    bad = client.get(f"/api/v1/aggregate/?form=NOPE&unit=04", headers=_headers(cb, "04"))
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"form", "period"}
    assert client.post(f"/api/v1/completeness/urge?form={form}&period={period}", headers=commune).status_code in (
        403, 401)


@pytest.mark.calendar
def test_completeness_counts_sent_on_time_late_and_missing_by_level(cb, client, now):
    with cb.app_context():
        _fill("X011")
        report = _report("X012")
        assert entry.save(db.session, report, VALUES["X012"]) == {}
        db.session.commit()
        now.move_to(datetime.combine(report.deadline + timedelta(days=2), datetime.min.time()))  # two days late
        _act("X012", "submit", "x012")
    form, period = _form_period(cb)
    body = client.get(f"/api/v1/completeness/?form={form}&period={period}&unit=04",
                      headers=_headers(cb, "04")).get_json()
    rows = {u["unit_code"]: u for u in body["units"]}
    assert (rows["X011"]["state"], rows["X011"]["on_time"]) == ("submitted", True)
    assert (rows["X012"]["state"], rows["X012"]["on_time"]) == ("submitted", False)
    assert (rows["X021"]["state"], rows["X021"]["on_time"], rows["X021"]["submitted_at"]) == ("draft", None, None)
    commune = next(s for s in body["summary"] if s["level"] == "commune")
    assert {k: commune[k] for k in ("expected", "submitted", "on_time", "late", "missing")} == {
        "expected": 3, "submitted": 2, "on_time": 1, "late": 1, "missing": 1}


def test_a_report_closed_by_a_reorganisation_is_neither_sent_nor_missing(cb, client):
    """Three communes assigned, one approved, one closed with its unit (issue 19): one of two sent, 50 %."""
    from tests.conftest import login
    from workflows import service

    with cb.app_context():
        _fill("X011")
        _approve("X011", "H01")
        service.close(db.session, _report("X021"), None, "Xã X021 chấm dứt hoạt động do sắp xếp đơn vị hành chính")
        db.session.commit()
    form, period = _form_period(cb)
    board = _headers(cb, "04")
    body = client.get(f"/api/v1/completeness/?form={form}&period={period}&unit=04", headers=board).get_json()
    commune = next(s for s in body["summary"] if s["level"] == "commune")
    assert {k: commune[k] for k in ("expected", "submitted", "missing", "rate")} == {
        "expected": 2, "submitted": 1, "missing": 1, "rate": 50.0}
    rows = {u["unit_code"]: u for u in body["units"]}
    assert (rows["X021"]["state"], rows["X021"]["on_time"]) == ("closed", None)  # listed, as closed
    assert client.post(f"/api/v1/completeness/urge?form={form}&period={period}&unit=04",
                       headers=board).get_json()["reminded"] == ["X012"]
    assert not client.get(f"/api/v1/completeness/?form={form}&period={period}&unit=H02",
                          headers=board).get_json()["summary"]  # H02's only commune is gone: nothing expected

    assert login(client, "04", cb.passwords["04"]).status_code == 302
    page = client.get(f"/totals/?form={form}&period={period}&unit=04").get_data(as_text=True)
    progress = page.split('id="totals-progress"')[1].split("</table>")[0].replace(" ", "")
    assert ">2<" in progress and "50%" in progress
    missing = page.split('id="totals-missing"')[1].split("</ul>")[0]
    assert "(X012)" in missing and "(X021)" not in missing
    gauges = client.get(f"/dashboard/data?form={form}&period={period}&unit=04&field=households").get_json()
    assert next(s for s in gauges["completeness"] if s["level"] == "commune")["rate"] == 50.0
    home = client.get("/").get_data(as_text=True)
    sent = home.split(f'id="progress-{form}"')[1].split("</section>")[0]
    assert "X012" in sent and "X021" not in sent


@pytest.mark.calendar
def test_a_district_urges_its_missing_communes_once_a_day(cb, client):
    with cb.app_context():
        _fill("X011")
    form, period = _form_period(cb)
    district = _headers(cb, "h01")
    url = f"/api/v1/completeness/urge?form={form}&period={period}"
    first = client.post(url, headers=district)
    assert first.status_code == 200 and first.get_json()["reminded"] == ["X012"]
    assert client.post(url, headers=district).get_json()["reminded"] == []
    with cb.app_context():
        notes = db.session.query(Notification).filter(Notification.kind.like("urge:%")).all()
        assert [(n.unit_id == db.session.query(Unit.id).filter_by(code="X012").scalar()) for n in notes] == [True]
        assert "Đôn đốc nộp báo cáo" in notes[0].message


def test_the_totals_screen_shows_progress_totals_drill_down_and_lets_a_district_urge(cb, client):
    from tests.conftest import login

    with cb.app_context():
        _fill("X011")
        _approve("X011", "H01")
    form, period = _form_period(cb)
    assert login(client, "h01", cb.passwords["h01"]).status_code == 302
    page = client.get(f"/totals/?form={form}&period={period}").get_data(as_text=True)
    assert "(X012)" in page and "(X011)" not in page.split('id="totals-missing"')[1].split("</ul>")[0]
    assert 'id="totals-urge"' in page
    assert ">100<" in page.replace(" ", "")  # X011's households, the district's only approved report
    drill = client.get(f"/totals/?form={form}&period={period}&field=households&by=report").get_data(as_text=True)
    assert "(X011)" in drill.split('id="totals-drill"')[1]
    other = client.get(f"/totals/?form={form}&period={period}&unit=H02").get_data(as_text=True)
    assert 'id="totals-values"' not in other  # another district: not shown

    urged = client.post("/totals/urge", data={"form": form, "period": period, "unit": "H01"}, follow_redirects=True)
    assert "X012" in urged.get_data(as_text=True)
    with cb.app_context():
        assert db.session.query(Notification).filter(Notification.kind.like("urge:%")).count() == 1

    client.post("/logout/")
    assert login(client, "x012", cb.passwords["x012"]).status_code == 302
    page = client.get(f"/totals/?form={form}&period={period}").get_data(as_text=True)
    assert 'id="totals-progress"' in page and 'id="totals-urge"' not in page
    assert client.post("/totals/urge", data={"form": form, "period": period, "unit": "X012"}).status_code in (302, 403)
    with cb.app_context():
        assert db.session.query(Notification).filter(Notification.kind.like("urge:%")).count() == 1


@pytest.mark.calendar
@pytest.mark.parametrize("utc_hour, on_time", [(16, True), (17, False)])
def test_on_time_is_judged_on_the_day_in_vietnam(cb, client, now, utc_hour, on_time):
    """16:xx UTC on the deadline is 23:xx in Vietnam (on time); 17:xx UTC is past midnight there (late)."""
    with cb.app_context():
        report = _report("X011")
        assert entry.save(db.session, report, VALUES["X011"]) == {}
        db.session.commit()
        now.move_to(datetime.combine(report.deadline, datetime.min.time()).replace(hour=utc_hour, minute=30))
        _act("X011", "submit", "x011")
        pk = report.id
    form, period = _form_period(cb)
    rows = client.get(f"/api/v1/completeness/?form={form}&period={period}&unit=04",
                      headers=_headers(cb, "04")).get_json()["units"]
    assert next(u for u in rows if u["unit_code"] == "X011")["on_time"] is on_time
    assert client.get(f"/api/v1/report/{pk}", headers=_headers(cb, "04")).get_json()["result"]["late"] is (not on_time)
