"""The leaders' dashboard (R2): charts by child unit and period and completeness gauges, scoped to the viewer,
drawn by a chart library served from our own server (the provincial servers have no internet)."""
from __future__ import annotations

import re
from datetime import date

import pytest

from core.accounts import lifecycle as accounts
from core.reporting import assignment, entry
from core.hierarchy import roles
from core.platform.extensions import db
from core.accounts.models import Account
from core.forms.models.period import Period
from core.reporting.models import Report
from core.hierarchy.models import Unit
from tests import factories
from tests.conftest import login
from tests.test_rollup import _approve, _fill, _form_period, _headers, cb  # noqa: F401  (cb: fixture)
from workflows import transition

PASSWORD = "Bảng-Điều-Khiển-2026!"
#: Cao Bằng on the day its CB-DT01 is assigned (due 20/12/2026): what is sent now is on time.
pytestmark = factories.ON_ASSIGNMENT_DAY


def signed_in(app, username: str, role: str | None = None, unit_code: str | None = None):
    """A browser session of ``username``; with ``role``, a personal account of that role at ``unit_code``."""
    with app.app_context():
        account = db.session.query(Account).filter_by(username=username).one_or_none()
        if account is None:
            unit = db.session.query(Unit).filter_by(code=unit_code).one()
            account = Account(username=username, first_name=username, last_name="", email=f"{username}@x.vn",
                              active=True, unit_id=unit.id, unit_account=False)
            db.session.add(account)
            db.session.flush()
            accounts.set_roles(db.session, account, [role])
        accounts.set_password(db.session, account, PASSWORD, one_time=False)
        db.session.commit()
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def _data(client, form, period, unit, field="households"):
    return client.get(f"/dashboard/data?form={form}&period={period}&unit={unit}&field={field}")


def test_the_dashboard_page_loads_its_chart_library_from_our_own_server(cb, client):
    with cb.app_context():
        _fill("X011")
        _approve("X011", "H01")
    board = signed_in(cb, "04")
    page = board.get("/dashboard/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'src="/static/vendor/chartjs/chart.umd.js"' in html and 'src="/static/baocao/dashboard.js"' in html
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html), "an asset from outside the server"
    assert "Hộ, nhân khẩu" in html and 'value="households" selected' in html  # the first numeric field
    script = board.get("/static/vendor/chartjs/chart.umd.js")
    assert script.status_code == 200 and b"Chart.js v4" in script.data[:200]
    assert board.get("/static/baocao/dashboard.js").status_code == 200
    url = re.search(r'data-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert board.get(url).get_json()["unit"] == "04"


@pytest.mark.calendar
def test_the_bars_are_the_aggregate_apis_totals_by_child_unit(cb, client):
    with cb.app_context():
        for code in ("X011", "X012", "X021"):
            _fill(code)
            _approve(code, "H01" if code.startswith("X01") else "H02")
    form, period = _form_period(cb)
    api = client.get(f"/api/v1/aggregate/?form={form}&period={period}&unit=04&field=households&by=child",
                     headers=_headers(cb, "04")).get_json()
    body = _data(signed_in(cb, "04"), form, period, "04").get_json()
    assert body["contributions"] == api["contributions"]
    assert [(c["unit_code"], c["value"]) for c in body["contributions"]] == [("H01", 150), ("H02", 7)]
    commune = next(s for s in body["completeness"] if s["level"] == "commune")
    assert (commune["expected"], commune["submitted"], commune["on_time"], commune["missing"]) == (3, 3, 3, 0)
    assert commune["name"] == "Xã, phường, thị trấn"


def test_the_trend_is_the_units_total_in_each_period_of_the_form(cb, client):
    with cb.app_context():
        for code in ("X011", "X012", "X021"):
            _fill(code)
            _approve(code, "H01" if code.startswith("X01") else "H02")
    form, period = _form_period(cb)
    with cb.app_context():
        assignment.assign(db.session, date(2027, 12, 5))  # the next year's reports; X011's gets approved
        db.session.commit()
        report = (db.session.query(Report).join(Unit).join(Period)
                  .filter(Unit.code == "X011", Period.code == "2027").one())
        assert entry.save(db.session, report, {"households": "120", "population": "480",
                                               "poor_households": "8"}) == {}
        db.session.commit()
        for action, who in (("submit", "x011"), ("approve", "h01"), ("approve", "04")):
            transition(db.session, report, action, db.session.query(Account).filter_by(username=who).one())
            db.session.commit()
    board = signed_in(cb, "04")
    trend = _data(board, form, period, "04").get_json()["trend"]
    assert [(p["period"], p["value"], p["reports"]) for p in trend] == [("2026", 157, 3), ("2027", 120, 1)]
    district = _data(board, form, period, "H02").get_json()["trend"]
    assert [(p["period"], p["value"]) for p in district] == [("2026", 7)]


def test_a_commune_or_district_cannot_see_another_districts_data(cb, client):
    with cb.app_context():
        _fill("X021")
        _approve("X021", "H02")
    form, period = _form_period(cb)
    leader = signed_in(cb, "lanhdao-x011", roles.VIEWER, "X011")
    for unit in ("H02", "X021", "04"):
        resp = _data(leader, form, period, unit)
        assert resp.status_code == 404 and "Bảo Lạc" not in resp.get_data(as_text=True)
    assert _data(leader, form, period, "X011").status_code == 200
    district = signed_in(cb, "h01")
    assert _data(district, form, period, "H02").status_code == 404
    assert _data(district, form, period, "H01").get_json()["contributions"] == []
    page = district.get("/dashboard/").get_data(as_text=True)
    assert "Huyện Bảo Lạc" not in page  # not even among the units to choose
    commune = signed_in(cb, "x011")  # a commune's own account reports; it has no dashboard
    assert _data(commune, form, period, "X011").status_code in (401, 403)
    assert _data(district, form, period, "H01", field="nope").status_code == 422


def test_in_a_browser_the_charts_draw_with_vietnamese_numbers_and_no_outside_request(cb):
    """The page on a real server in Chromium: three charts drawn, the table in 1.234,5 style, every
    request to our own server."""
    from tests.test_browser import signed_in_page  # skips without Chromium

    with cb.app_context():
        for code in ("X011", "X012"):
            _fill(code, {"households": "1234", "population": "5000", "poor_households": "10"})
            _approve(code, "H01")
    signed_in(cb, "04")  # sets the known password
    with signed_in_page(cb, "04", PASSWORD) as visit:
        page, url, errors, requested = visit.page, visit.url, visit.errors, visit.requested
        page.goto(url + "/dashboard/")
        page.wait_for_selector("#table-children tr")
        page.wait_for_selector("#gauge-0")
        assert page.inner_text("#table-children").startswith("Huyện Hà Quảng\t2.468")
        drawn = page.evaluate("() => ['chart-children', 'chart-trend', 'gauge-0'].map("
                              "id => !!Chart.getChart(document.getElementById(id)))")
    assert drawn == [True, True, True] and not errors
    assert requested and all(r.startswith(url) for r in requested), [r for r in requested if not r.startswith(url)]
