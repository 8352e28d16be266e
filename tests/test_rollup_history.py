"""Totals on either tree (issue 19 item 4): the roll-up, completeness, trends and their API on the tree as
reported and on today's tree, over the 1 July 2025 reorganisation of ``tests.history_factories``."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_jwt_extended import create_access_token
from sqlalchemy import select

from core.accounts.models import Account
from core.analytics import completeness, rollup, trends
from core.analytics.tree import AS_REPORTED, CURRENT
from core.hookspecs import hookimpl
from core.platform.extensions import db
from core.reporting.models import Report, ReportVerification
from tests import factories
from tests import history_factories as history

pytestmark = factories.ON_ASSIGNMENT_DAY


@pytest.fixture
def cb(app):
    with app.app_context():
        factories.province()
        factories.issue("04")
        factories.issue("H01")
        db.session.query(Account).update({"must_change_password": False})
        history.cao_bang_2025(db.session)
    return app


def _h() -> dict:
    """The scenario's form, periods and units, read in the current app context."""
    from core.forms.models.form import Form
    from core.forms.models.period import Period
    from core.hierarchy.models import Unit

    return {"form": db.session.scalar(select(Form).where(Form.code == history.FORM)),
            "periods": {p.code: p for p in db.session.scalars(select(Period))},
            "units": {u.code: u for u in db.session.scalars(select(Unit))}}


def _headers(app, username: str) -> dict:
    with app.app_context():
        account = db.session.query(Account).filter_by(username=username).one()
        return {"Authorization": f"Bearer {create_access_token(identity=str(account.id), fresh=True)}"}


def _total(year: str, code: str, tree: str, **kw):
    from core.hierarchy.models import Unit
    from core.forms.models.period import Period
    from core.forms.models.form import Form

    form = db.session.scalar(select(Form).where(Form.code == history.FORM))
    period = db.session.scalar(select(Period).where(Period.code == year))
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    return rollup.totals(db.session, form, period, unit, tree=tree, **kw)


def test_the_province_total_is_the_same_on_both_trees(cb):
    with cb.app_context():
        for year in history.HOUSEHOLDS:
            reported, current = _total(year, "04", AS_REPORTED), _total(year, "04", CURRENT)
            expected = sum(history.HOUSEHOLDS[year].values())
            assert reported.values[("households", "")] == current.values[("households", "")] == expected
            assert reported.reports == current.reports == len(history.HOUSEHOLDS[year])
        assert not _total("2024", "04", AS_REPORTED).reconstructed
        assert ("households", "") in _total("2024", "04", CURRENT).reconstructed


def test_a_new_communes_2024_total_is_the_sum_of_its_predecessors_with_the_split_share(cb):
    with cb.app_context():
        n01 = _total("2024", "N01", CURRENT)
        # by hand: Trường Hà 110 + Lũng Nặm 60 whole, and 40 % of Cô Ba's 40 households = 16
        assert n01.values[("households", "")] == Decimal("186")
        assert n01.reports == 3 and ("households", "") in n01.reconstructed
        n02 = _total("2024", "N02", CURRENT)
        assert n02.values[("households", "")] == Decimal("24")  # 60 % of 40
        # 2026 is reported by N01 itself: nothing is reconstructed
        assert _total("2026", "N01", CURRENT).values[("households", "")] == 220
        assert not _total("2026", "N01", CURRENT).reconstructed


def test_as_reported_shows_a_closed_district_as_approved_and_a_new_commune_as_absent(cb):
    with cb.app_context():
        h01 = _total("2024", "H01", AS_REPORTED)
        assert h01.values[("households", "")] == 110 + 60 + 6 and h01.reports == 3 and not h01.missing
        n01 = _total("2024", "N01", AS_REPORTED)
        assert n01.missing and n01.values == {} and n01.reports == 0
        # On today's tree the closed district holds nothing: its reports count towards today's units.
        assert _total("2024", "H01", CURRENT).values == {}
        assert _total("2024", "04", CURRENT).values[("households", "")] == 216


def test_drill_down_by_child_follows_the_chosen_tree(cb):
    with cb.app_context():
        h = _h()
        form, period, board = h["form"], h["periods"]["2024"], h["units"]["04"]
        reported = {c.unit_code: c.value for c in rollup.contributions(db.session, form, period, board, "households",
                                                                       by="child", tree=AS_REPORTED)}
        assert reported == {"H01": 176, "H02": 40}
        current = {c.unit_code: (c.value, c.reconstructed) for c in rollup.contributions(
            db.session, form, period, board, "households", by="child", tree=CURRENT)}
        assert current == {"N01": (Decimal("186"), True), "N02": (Decimal("24"), True)}
        by_report = rollup.contributions(db.session, form, period, h["units"]["N02"], "households", tree=CURRENT)
        assert [(c.unit_code, c.value, c.reconstructed) for c in by_report] == [("X021", Decimal("24"), True)]


class Rules:
    @hookimpl
    def aggregation_rules(self, form):
        return {"households": "count", "poverty_rate": "avg"}


def test_other_rules_on_a_reconstructed_figure(cb):
    cb.extensions["baocao.plugins"].pm.register(Rules(), name="test-history-rules")
    try:
        with cb.app_context():
            n01 = _total("2024", "N01", CURRENT)
            # count: each report counts by its share (1 + 1 + 0.4); avg: Σ v·s / Σ s
            assert n01.values[("households", "")] == Decimal("2.4")
            assert n01.values[("poverty_rate", "")] == pytest.approx((10 + 20 + 0.4 * 30) / 2.4)
            # the province's average is the same on both trees: shares of a report sum to 1
            assert _total("2024", "04", CURRENT).values[("poverty_rate", "")] == pytest.approx(25)
            assert _total("2024", "04", AS_REPORTED).values[("poverty_rate", "")] == pytest.approx(25)
    finally:
        cb.extensions["baocao.plugins"].pm.unregister(name="test-history-rules")


def test_a_chain_of_two_events_composes(cb):
    """1/1/2026: N02 is split again, half to N01 and half to a new N03. Cô Ba's 2024 households then count
    0.4 + 0.6 × 0.5 = 0.7 towards N01 and 0.3 towards N03 (the lineage folds the two events)."""
    with cb.app_context():
        h = _h()
        units, session = h["units"], db.session
        second = date(2026, 1, 1)
        n03 = history.new_unit(session, "N03", "Xã Cô Ba mới", units["04"], valid_from=second)
        from core.hierarchy.models import UnitLineage

        session.query(UnitLineage).filter(UnitLineage.unit_id == units["X021"].id).delete()
        history.lineage(session, units["X021"], units["N01"], "0.7", None, history.LAST_OLD_DAY)
        history.lineage(session, units["X021"], n03, "0.3", None, history.LAST_OLD_DAY)
        history.lineage(session, units["N02"], units["N01"], "0.5", history.EFFECTIVE, second - date.resolution)
        history.lineage(session, units["N02"], n03, "0.5", history.EFFECTIVE, second - date.resolution)
        session.commit()
        assert _total("2024", "N03", CURRENT).values[("households", "")] == Decimal("12")  # 0.3 × 40
        assert _total("2024", "N01", CURRENT).values[("households", "")] == Decimal("198")  # 110 + 60 + 28
        assert _total("2025", "N03", CURRENT).values[("households", "")] == Decimal("12.5")  # half of N02's 25
        assert _total("2026", "N02", CURRENT).values[("households", "")] == 27  # 2026 is after N02's own lineage
        for year in history.HOUSEHOLDS:
            assert _total(year, "04", CURRENT).values[("households", "")] == sum(history.HOUSEHOLDS[year].values())


def test_verified_only_still_composes_with_the_current_tree(cb):
    with cb.app_context():
        h = _h()
        report = db.session.scalar(select(Report).where(Report.unit_id == h["units"]["X021"].id,
                                                        Report.period_id == h["periods"]["2024"].id))
        db.session.add(ReportVerification(report_id=report.id, unit_id=report.unit_id, result="verified",
                                          verified_by="syt", verified_at=report.approved_at,
                                          approved_at=report.approved_at))
        db.session.commit()
        assert _total("2024", "N01", CURRENT, verified=True).values[("households", "")] == Decimal("16")
        assert _total("2024", "N02", CURRENT, verified=True).values[("households", "")] == Decimal("24")
        assert _total("2024", "H02", AS_REPORTED, verified=True).values[("households", "")] == 40
        assert _total("2024", "H01", AS_REPORTED, verified=True).values == {}


def test_completeness_on_both_trees(cb):
    with cb.app_context():
        h = _h()
        form, period = h["form"], h["periods"]["2024"]
        n01 = completeness.units(db.session, form, period, h["units"]["N01"], tree=CURRENT)
        assert [(u.unit_code, u.reconstructed) for u in n01] == [("X011", True), ("X012", True), ("X021", True)]
        assert completeness.units(db.session, form, period, h["units"]["N01"], tree=AS_REPORTED) == []
        board_current = completeness.summary(db.session, form, period, h["units"]["04"], tree=CURRENT)
        board_reported = completeness.summary(db.session, form, period, h["units"]["04"], tree=AS_REPORTED)
        assert sum(s.expected for s in board_current) == sum(s.expected for s in board_reported) == 4
        h01 = completeness.units(db.session, form, period, h["units"]["H01"], tree=AS_REPORTED)
        assert [u.unit_code for u in h01] == ["H01", "X011", "X012"]


def test_the_trend_runs_across_the_reorganisation_on_the_current_tree(cb):
    with cb.app_context():
        h = _h()
        n01 = trends.over_periods(db.session, h["form"], h["units"]["N01"], "households")  # default: current
        assert [(p.period_code, p.value, p.reconstructed) for p in n01] == [
            ("2023", Decimal("162"), True), ("2024", Decimal("186"), True), ("2025", 215, False),
            ("2026", 220, False)]  # 2023: 100 + 50 + 0.4 × 30
        reported = trends.over_periods(db.session, h["form"], h["units"]["N01"], "households", tree=AS_REPORTED)
        assert [p.period_code for p in reported] == ["2025", "2026"]
        h01 = trends.over_periods(db.session, h["form"], h["units"]["H01"], "households", tree=AS_REPORTED)
        assert [(p.period_code, p.value) for p in h01] == [("2023", 155), ("2024", 176)]
        board = {tree: [p.value for p in trends.over_periods(db.session, h["form"], h["units"]["04"], "households",
                                                                tree=tree)] for tree in (AS_REPORTED, CURRENT)}
        assert board[AS_REPORTED] == board[CURRENT] == [sum(h.values()) for h in history.HOUSEHOLDS.values()]


def test_the_api_takes_the_tree_and_labels_reconstructed_figures(cb, client):
    headers = _headers(cb, "04")
    url = f"/api/v1/aggregate/?form={history.FORM}&period=2024&unit=N01"
    body = client.get(url + "&tree=current&field=households&by=report", headers=headers).get_json()
    assert body["tree"] == "current" and body["reconstructed"] is True
    assert body["values"]["households"] == 186 and body["reconstructed_fields"] == ["households", "poverty_rate"]
    assert "ước tính theo địa giới hiện nay" in body["note"]
    assert [c["unit_code"] for c in body["contributions"]] == ["X011", "X012", "X021"]
    absent = client.get(url, headers=headers).get_json()  # default: as reported
    assert absent["tree"] == "as_reported" and absent["values"] == {} and "không tồn tại" in absent["note"]
    done = client.get(f"/api/v1/completeness/?form={history.FORM}&period=2024&unit=N01&tree=current",
                      headers=headers).get_json()
    assert [u["unit_code"] for u in done["units"]] == ["X011", "X012", "X021"] and done["tree"] == "current"


BAD_TREES = ["", "CURRENT", "as-reported", "current ", "1", "tree", "hiện nay", "current;drop", "x" * 300]


@pytest.mark.parametrize("path", ["/api/v1/aggregate/", "/api/v1/completeness/", "/api/v1/export/",
                                  "/api/v1/exchange/datavaluesets", "/dashboard/data"])
def test_a_bad_tree_is_refused_naming_the_field(cb, client, path):
    headers = _headers(cb, "04")
    for bad in BAD_TREES[1:]:
        if bad.strip() in ("current", "as_reported"):
            continue
        resp = client.get(path, headers=headers, query_string={
            "form": history.FORM, "period": "2024", "unit": "04", "tree": bad, "format": "csv",
            "field": "households"})
        assert resp.status_code == 422, (path, bad, resp.status_code)
        assert "tree" in resp.get_json()["errors"], (path, bad)
    # blank is the default, and trailing spaces are forgiven like the other codes
    assert client.get(path, headers=headers, query_string={
        "form": history.FORM, "period": "2024", "unit": "04", "tree": "", "format": "csv",
        "field": "households"}).status_code == 200


def test_exports_follow_the_tree_and_star_the_reconstructed_rows(cb, client):
    headers = _headers(cb, "04")
    url = f"/api/v1/export/?form={history.FORM}&period=2024&unit=04&format=csv"
    reported = client.get(url, headers=headers).get_data(as_text=True)
    current = client.get(url + "&tree=current", headers=headers).get_data(as_text=True)
    rows = {tree: {line.split(",")[1]: line for line in text.splitlines() if line.count(",") > 3}
            for tree, text in (("as_reported", reported), ("current", current))}
    assert {"X011", "X012", "X021", "H01"} <= set(rows["as_reported"]) and "N01" not in rows["as_reported"]
    assert {"N01", "N02", "04"} <= set(rows["current"]) and "X011" not in rows["current"]
    assert "Xã Hà Quảng *" in rows["current"]["N01"] and ",186," in rows["current"]["N01"]
    assert ",24," in rows["current"]["N02"] and "Xã Cô Ba," in rows["as_reported"]["X021"]
    xlsx = client.get(url.replace("csv", "xlsx") + "&tree=current", headers=headers)
    from openpyxl import load_workbook
    import io

    cells = [c.value for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows() for c in row]
    assert any(isinstance(c, str) and "ước tính theo địa giới hiện nay" in c.lower() for c in cells)


def test_the_export_job_keeps_its_tree(cb, client):
    headers = _headers(cb, "04")
    job = client.post(f"/api/v1/export/jobs?form={history.FORM}&period=2024&unit=N01&format=csv&tree=current",
                      headers=headers).get_json()
    assert job["tree"] == "current"
    from tests.test_exports import _run_queued

    _run_queued(cb)  # with Redis, the worker's turn; inline it has run already
    done = client.get(f"/api/v1/export/jobs/{job['id']}", headers=headers).get_json()
    assert done["status"] == "done"
    text = client.get(done["download_url"], headers=headers).get_data(as_text=True)
    assert "Xã Hà Quảng *" in text and ",186," in text


@pytest.mark.parametrize("fmt", ["json", "adx"])
def test_dhis2_and_adx_exports_follow_the_tree(cb, client, fmt):
    headers = _headers(cb, "04")
    url = f"/api/v1/exchange/datavaluesets?form={history.FORM}&period=2024&unit=04&format={fmt}"
    reported = client.get(url, headers=headers).get_data(as_text=True)
    current = client.get(url + "&tree=current", headers=headers).get_data(as_text=True)
    from core.exchange.codecs import codec

    def households(body):
        return {v.org_unit: Decimal(v.value) for v in codec(fmt).loads(body).values if v.data_element == "households"}

    assert households(reported) == {"H01": 6, "X011": 110, "X012": 60, "X021": 40}
    assert households(current) == {"04": 6, "N01": 186, "N02": 24}
    assert sum(households(reported).values()) == sum(households(current).values())


def test_an_analysis_scenario_runs_on_either_tree(cb):
    from core.analytics import analysis
    from core.analytics.models.analysis import AnalysisScenario

    with cb.app_context():
        h = _h()
        scenario = AnalysisScenario(owner_unit_id=h["units"]["04"].id, name="Hộ theo xã", form_id=h["form"].id,
                                    fields=["households"], group_by="child", filters={})
        db.session.add(scenario)
        db.session.commit()
        run = {tree: analysis.run(db.session, scenario, h["periods"]["2024"], h["units"]["04"], tree)
               for tree in (AS_REPORTED, CURRENT)}
        assert {r.key: r.values["households"] for r in run[AS_REPORTED].rows} == {"H01": 176, "H02": 40}
        assert {r.key: (r.values["households"], r.reconstructed) for r in run[CURRENT].rows} == {
            "N01": (Decimal("186"), True), "N02": (Decimal("24"), True)}
        assert run[AS_REPORTED].total.values["households"] == run[CURRENT].total.values["households"] == 216
        _headers, rows = analysis.table(run[CURRENT], ("Mã", "Đơn vị", "Báo cáo", "Tổng"))
        assert rows[0][1] == "Xã Hà Quảng *"


def test_the_screens_offer_the_tree_and_refuse_a_bad_one_in_vietnamese(cb):
    from tests.test_dashboard import signed_in

    board = signed_in(cb, "04")
    page = board.get(f"/totals/?form={history.FORM}&period=2024&unit=N01&tree=current").get_data(as_text=True)
    assert "Địa giới" in page and "theo hiện nay" in page and "như khi báo cáo" in page
    assert "ước tính theo địa giới hiện nay" in page and 'id="totals-reconstructed"' in page
    absent = board.get(f"/totals/?form={history.FORM}&period=2024&unit=N01").get_data(as_text=True)
    assert "không tồn tại vào ngày 31/12/2024" in absent
    bad = board.get(f"/totals/?form={history.FORM}&period=2024&unit=04&tree=bogus").get_data(as_text=True)
    assert "Chọn địa giới: theo hiện nay hoặc như khi báo cáo." in bad
    assert "Chọn địa giới" in board.get("/dashboard/?tree=x").get_data(as_text=True)
    exports = board.get("/exports/").get_data(as_text=True)
    assert 'name="tree"' in exports
    queued = board.post("/exports/queue", data={"form": history.FORM, "period": "2024", "unit": "04",
                                                "format": "csv", "tree": "hôm qua"}, follow_redirects=True)
    assert "Chọn địa giới: theo hiện nay hoặc như khi báo cáo." in queued.get_data(as_text=True)


def test_the_dashboard_trend_runs_across_the_reorganisation_in_chromium(cb):
    """The board's dashboard in Chromium: on today's tree (the default) the bars are the new communes, their
    2024 figures starred as estimates, and the trend has a point for every year 2023–2026; switching the
    "Địa giới" select to "như khi báo cáo" draws the districts as they were approved."""
    import os

    from tests.test_browser import signed_in_page  # skips without Chromium
    from tests.test_dashboard import PASSWORD, signed_in

    signed_in(cb, "04")
    with signed_in_page(cb, "04", PASSWORD) as visit:
        page, url, errors = visit.page, visit.url, visit.errors
        page.goto(url + f"/dashboard/?form={history.FORM}&period=2024&field=households&unit=04")
        page.wait_for_selector("#table-trend tr")
        assert page.input_value("#d-tree") == "current"
        assert page.inner_text("label[for=d-tree]") == "Địa giới"
        bars = page.inner_text("#table-children")
        trend = [row.split("\t")[:2] for row in page.inner_text("#table-trend").splitlines()]
        points = page.evaluate("() => Chart.getChart(document.getElementById('chart-trend')).data.datasets[0].data")
        note = page.inner_text("#dashboard-reconstructed")
        page.screenshot(path=os.environ.get("BAOCAO_SHOT", os.path.join(cb.instance_path, "dashboard-current.png")),
                        full_page=True)
        page.select_option("#d-tree", "as_reported")
        with page.expect_navigation():
            page.click("#dashboard-choices button[type=submit]")
        page.wait_for_selector("#table-children tr")
        bars_then = page.inner_text("#table-children")
        reconstructed_shown = page.is_visible("#dashboard-reconstructed")
    assert not errors
    assert "Xã Hà Quảng *\t186" in bars and "Xã Bảo Lạc *\t24" in bars and "Huyện" not in bars
    assert trend == [["Năm 2023 *", "185"], ["Năm 2024 *", "216"], ["Năm 2025", "240"], ["Năm 2026", "247"]]
    assert len(points) == 4 and all(v is not None for v in points)  # no break at 1 July 2025
    assert "ước tính theo địa giới hiện nay" in note
    assert "Huyện Hà Quảng\t176" in bars_then and "Xã Hà Quảng" not in bars_then and not reconstructed_shown
