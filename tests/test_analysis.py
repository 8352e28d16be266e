"""Analysis scenarios (R7, R8): an agency administrator saves an aggregation and shares it; its users run it
within their own subtree and download the table (CSV with a BOM, XLSX) with Vietnamese headings."""
from __future__ import annotations

import csv
import io

import openpyxl

from core.hierarchy import roles
from core.platform.extensions import db
from core.analytics.models.analysis import AnalysisScenario
from core.forms.models.form import Form
from core.hierarchy.models import Unit
from tests.test_dashboard import signed_in
from tests.test_rollup import _approve, _fill, _form_period, cb  # noqa: F401  (cb: fixture)

SCENARIO = {"name": "Hộ nghèo theo đơn vị trực thuộc", "form": "CB-DT01", "fields": ["households", "poor_households"],
            "group_by": "child", "states": ["approved"], "shared": "1", "save": "1"}


def _all_approved(app):
    with app.app_context():
        for code in ("X011", "X012", "X021"):
            _fill(code)
            _approve(code, "H01" if code.startswith("X01") else "H02")


def _board_scenario(app, **changes) -> int:
    admin = signed_in(app, "qtcs-04", roles.UNIT_ADMIN, "04")
    form = admin.get("/analysis/new?form=CB-DT01").get_data(as_text=True)
    assert 'value="poor_households"' in form and "Tổng số hộ" in form
    assert 'value="population_by_ethnicity"' not in form  # disaggregated: not a column of its own
    resp = admin.post("/analysis/new", data={**SCENARIO, **changes})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        scenario = db.session.query(AnalysisScenario).order_by(AnalysisScenario.id.desc()).first()
        assert scenario.owner_unit.code == "04" and scenario.fields == SCENARIO["fields"]
        pk = scenario.id
    edit = admin.get(f"/analysis/edit/{pk}").get_data(as_text=True)
    assert 'value="households" checked' in edit and SCENARIO["name"] in edit
    return pk


def test_a_scenario_shared_by_the_board_gives_a_district_only_its_subtree(cb):
    _all_approved(cb)
    pk = _board_scenario(cb)
    district = signed_in(cb, "h01")
    assert SCENARIO["name"] in district.get("/analysis/").get_data(as_text=True)
    page = district.get(f"/analysis/run/{pk}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Xã Trường Hà" in html and "Xã Lũng Nặm" in html and "Xã Cô Ba" not in html
    assert "Huyện Bảo Lạc" not in html
    for unit in ("04", "H02", "X021"):
        assert district.get(f"/analysis/run/{pk}?unit={unit}").status_code == 404
        assert district.get(f"/analysis/download/{pk}?unit={unit}&format=csv").status_code == 404
    board = signed_in(cb, "04")  # the board's own officers see the whole province
    assert "Xã Cô Ba" not in board.get(f"/analysis/run/{pk}").get_data(as_text=True)  # child rows: districts
    assert "Huyện Bảo Lạc" in board.get(f"/analysis/run/{pk}").get_data(as_text=True)


def test_downloads_carry_vietnamese_headers_and_the_subtrees_numbers(cb):
    _all_approved(cb)
    pk = _board_scenario(cb, group_by="unit")
    _form, period = _form_period(cb)
    district = signed_in(cb, "h01")
    resp = district.get(f"/analysis/download/{pk}?period={period}&format=csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0] == ["Mã", "Đơn vị", "Tổng số hộ", "Số hộ nghèo", "Báo cáo"]
    assert rows[1:] == [["X011", "Xã Trường Hà", "100", "10", "1"], ["X012", "Xã Lũng Nặm", "50", "30", "1"],
                        ["", "Tổng", "150", "40", "2"]]
    resp = district.get(f"/analysis/download/{pk}?period={period}&format=xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["Mã", "Đơn vị", "Tổng số hộ", "Số hộ nghèo", "Báo cáo"]
    assert values[-1] == [None, "Tổng", 150, 40, 2]
    assert [r[0] for r in values[1:-1]] == ["X011", "X012"]


def test_grouping_by_level_with_a_level_filter(cb):
    _all_approved(cb)
    pk = _board_scenario(cb, group_by="level", levels=["commune"], states=[])
    board = signed_in(cb, "04")
    resp = board.get(f"/analysis/download/{pk}?format=csv")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Mã", "Cấp"]
    assert rows[1:] == [["commune", "Xã, phường, thị trấn", "157", "41", "3"], ["", "Tổng", "157", "41", "3"]]


def test_only_agency_administrators_set_up_scenarios_and_unshared_ones_stay_with_their_owner(cb):
    _all_approved(cb)
    district = signed_in(cb, "h01")
    assert district.get("/analysis/new").status_code in (302, 403)
    assert district.post("/analysis/new", data=SCENARIO).status_code in (302, 403)
    with cb.app_context():
        assert db.session.query(AnalysisScenario).count() == 0
        h02 = db.session.query(Unit).filter_by(code="H02").one()
        form = db.session.query(Form).filter_by(code="CB-DT01").one()
        other = AnalysisScenario(owner_unit_id=h02.id, name="Riêng của huyện khác", form_id=form.id,
                                 fields=["households"], group_by="unit", filters={}, shared=True)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    private = _board_scenario(cb, shared="")
    assert "Riêng của huyện khác" not in district.get("/analysis/").get_data(as_text=True)
    assert district.get(f"/analysis/run/{other_id}").status_code == 404  # H02 is not above H01
    assert district.get(f"/analysis/run/{private}").status_code == 404  # the board has not shared it
    unit_admin = signed_in(cb, "qtcs-h01", roles.UNIT_ADMIN, "H01")
    assert unit_admin.get(f"/analysis/edit/{private}").status_code == 404  # owned above it
    assert unit_admin.post(f"/analysis/delete/{other_id}").status_code == 404
    with cb.app_context():
        assert db.session.get(AnalysisScenario, other_id) is not None
