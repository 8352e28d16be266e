"""Unit screens as a user sees them: tree and its search, list search, moves, roster, CSV in and out."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from core.accounts.lifecycle import issue
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.hierarchy.models import Unit, UnitHolder
from core.hierarchy.units import import_units
from tests import factories
from tests.conftest import change_password, login
from tests.factories import PROVINCE, Row

NEW_PASSWORD = "Mật-khẩu-Mới-2026!"


def _province(app, rows=PROVINCE) -> dict[str, int]:
    with app.app_context():
        return factories.province(rows=rows)


def _paths(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.query(Unit.code, Unit.path).all())


def _as_admin(app, admin):
    client = app.test_client()
    assert login(client, admin["username"], admin["password"]).status_code == 302
    return client


def _as_unit(app, code: str):
    """The unit's own account, after its first login and forced password change."""
    with app.app_context():
        account, one_time, _ = issue(db.session, code)
        username = account.username
        db.session.commit()
    client = app.test_client()
    assert login(client, username, one_time).status_code == 302
    assert change_password(client, one_time, NEW_PASSWORD).status_code == 302
    return client


def _codes(html: str) -> list[str]:
    return re.findall(r'<li data-code="([^"]+)"', html)


def _flashes(client) -> str:
    return client.get("/units/list/").get_data(as_text=True)


# --- tree ---------------------------------------------------------------------


def test_tree_nests_the_whole_scope_collapsibly(app, admin):
    _province(app)
    html = _as_admin(app, admin).get("/units/tree/").get_data(as_text=True)
    assert _codes(html)[0] == "04" and set(_codes(html)) == {u.code for u in PROVINCE}
    assert "<details" in html and "<summary>" in html
    assert "Sở, ban, ngành và huyện, thành phố" in html  # the level's name, from the hierarchy hook
    # a district's communes sit inside the district's own list
    district = html[html.index('data-code="H01"'):html.index('data-code="H02"')]
    assert 'data-code="X011"' in district and 'data-code="X012"' in district


def test_tree_search_finds_a_commune_with_its_ancestors_ignoring_case_and_accents(app, admin):
    _province(app)
    client = _as_admin(app, admin)
    html = client.get("/units/tree/?q=LUNG NAM").get_data(as_text=True)
    assert _codes(html) == ["04", "H01", "X012"]
    assert "Xã Lũng Nặm" in html and "unit-match" in html
    assert html.count("<details open>") == 2  # the ancestors are unfolded down to the match
    assert _codes(client.get("/units/tree/?q=x02").get_data(as_text=True)) == ["04", "H02", "X021"]
    assert _codes(client.get("/units/tree/?q=không có").get_data(as_text=True)) == []


def test_tree_of_a_commune_account_is_its_own_unit(app):
    _province(app)
    html = _as_unit(app, "X011").get("/units/tree/").get_data(as_text=True)
    assert _codes(html) == ["X011"]


def test_tree_of_a_province_is_one_query_however_many_units(app, admin):
    """~3,500 units (a real province's order of size): the tree costs what the 7-unit tree costs."""
    _province(app)
    client = _as_admin(app, admin)

    def statements(url: str) -> tuple[int, str]:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda conn, cursor, sql, *args: seen.append(sql)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            resp = client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert resp.status_code == 200
        return len(seen), resp.get_data(as_text=True)

    app.config["PLUGIN_REFRESH_SECONDS"] = 3600  # the plugin check is timed: keep it out of the count
    client.get("/units/tree/")  # warm-up: first-request lookups are not the tree's
    small, _ = statements("/units/tree/")
    rows = [Row(f"D{d:02}", f"Huyện {d}", "district", "04") for d in range(35)]
    rows += [Row(f"C{d:02}{c:03}", f"Xã {d}-{c}", "commune", f"D{d:02}") for d in range(35) for c in range(100)]
    with app.app_context():
        import_units(db.session, rows, source="bulk")
        db.session.commit()
    large, html = statements("/units/tree/")
    assert len(_codes(html)) == 7 + 3535
    assert large == small
    found, html = statements("/units/tree/?q=xa 17-42")
    assert found == small and _codes(html) == ["04", "D17", "C17042"]


# --- list ---------------------------------------------------------------------


def test_list_search_by_name_and_by_level(app, admin):
    _province(app)
    client = _as_admin(app, admin)
    html = client.get("/units/list/?_flt_2_name=Lũng").get_data(as_text=True)
    assert "Xã Lũng Nặm" in html and "Xã Trường Hà" not in html
    html = client.get("/units/list/?_flt_3_level=district").get_data(as_text=True)
    assert "Huyện Hà Quảng" in html and "Sở Y tế" in html and "Xã Cô Ba" not in html
    assert "Sở, ban, ngành và huyện, thành phố" in html and "(district)" not in html  # level by name, no code


def test_list_of_a_commune_account_shows_only_its_unit(app):
    _province(app)
    html = _as_unit(app, "X011").get("/units/list/").get_data(as_text=True)
    assert "Xã Trường Hà" in html and "Xã Lũng Nặm" not in html and "Huyện Bảo Lạc" not in html


# --- show: the officer roster -------------------------------------------------


def test_show_lists_current_and_past_holders_newest_first(app, admin):
    ids = _province(app)
    with app.app_context():
        db.session.add_all([
            UnitHolder(unit_id=ids["X011"], full_name="Nông Văn Cũ", title="Công chức",
                       started_at=datetime(2024, 1, 2), ended_at=datetime(2025, 7, 1)),
            UnitHolder(unit_id=ids["X011"], full_name="Bế Thị Mới", title="Phó Chủ tịch",
                       started_at=datetime(2025, 7, 1)),
            UnitHolder(unit_id=ids["X021"], full_name="Người Huyện Khác", started_at=datetime(2025, 1, 1)),
        ])
        db.session.commit()
    html = _as_admin(app, admin).get(f"/units/show/{ids['X011']}").get_data(as_text=True)
    assert "Xã Trường Hà" in html
    assert html.index("Bế Thị Mới") < html.index("Nông Văn Cũ")
    assert "Người Huyện Khác" not in html


# --- add, edit, move, delete, deactivate -----------------------------------------


def _form(code, name, kind, parent_id, active=True, **extra) -> dict:
    data = {"code": code, "name": name, "kind": kind, "sector": "", "parent": str(parent_id) if parent_id else "__None",
            "valid_from": "", "valid_to": "", **extra}
    if active:
        data["active"] = "y"
    return data


def test_moving_a_district_rewrites_its_communes_paths(app, admin):
    ids = _province(app)
    client = _as_admin(app, admin)
    resp = client.post(f"/units/edit/{ids['H01']}", data=_form("H01", "Huyện Hà Quảng", "district", ids["H02"]))
    assert resp.status_code == 302
    paths = _paths(app)
    root, h02, h01 = ids["04"], ids["H02"], ids["H01"]
    assert paths["H01"] == f"/{root}/{h02}/{h01}/"
    assert paths["X011"] == f"/{root}/{h02}/{h01}/{ids['X011']}/"
    assert paths["X012"] == f"/{root}/{h02}/{h01}/{ids['X012']}/"
    assert paths["X021"] == f"/{root}/{h02}/{ids['X021']}/"
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="unit.move").one()
        assert entry.actor == "admin" and '"units": 3' in entry.changes
    # the tree follows at once
    html = client.get("/units/tree/").get_data(as_text=True)
    inside_h02 = html[html.index('data-code="H02"'):]
    assert 'data-code="X012"' in inside_h02


def test_a_unit_cannot_move_under_its_own_commune(app, admin):
    ids = _province(app)
    before = _paths(app)
    client = _as_admin(app, admin)
    resp = client.post(f"/units/edit/{ids['H01']}", data=_form("H01", "Huyện Đổi Tên", "district", ids["X011"]))
    assert resp.status_code == 302
    assert "X011" in _flashes(client)  # the refusal names the would-be parent
    assert _paths(app) == before
    with app.app_context():
        assert db.session.get(Unit, ids["H01"]).name == "Huyện Hà Quảng"  # nothing of the form was kept


def test_add_places_the_new_unit_in_the_tree(app, admin):
    ids = _province(app)
    client = _as_admin(app, admin)
    resp = client.post("/units/add", data=_form("X013", "Xã Mới Lập", "commune", ids["H01"]))
    assert resp.status_code == 302
    with app.app_context():
        unit = db.session.query(Unit).filter_by(code="X013").one()
        assert unit.path == f"/{ids['04']}/{ids['H01']}/{unit.id}/" and unit.level == "commune"


@pytest.mark.calendar
def test_delete_is_refused_for_a_unit_with_units_under_it_and_deactivation_is_offered(app, admin):
    ids = _province(app)
    client = _as_admin(app, admin)
    client.post(f"/units/delete/{ids['H02']}")
    with app.app_context():
        assert db.session.get(Unit, ids["H02"]) is not None
    assert "H02" in _flashes(client)
    client.post(f"/units/delete/{ids['SYT']}")  # no units, no account: may go
    with app.app_context():
        assert db.session.get(Unit, ids["SYT"]) is None
    resp = client.post("/units/action_post", data={"action": "deactivate", "rowid": [str(ids["H02"])]})
    assert resp.status_code == 302
    with app.app_context():
        unit = db.session.get(Unit, ids["H02"])
        vietnam_today = (datetime.now(timezone.utc) + timedelta(hours=7)).date()
        assert unit.active is False and unit.valid_to == vietnam_today


def test_a_unit_with_an_account_is_not_deleted(app, admin):
    ids = _province(app)
    _as_unit(app, "X021")
    _as_admin(app, admin).post(f"/units/delete/{ids['X021']}")
    with app.app_context():
        assert db.session.get(Unit, ids["X021"]) is not None


def test_the_parent_choice_is_limited_to_the_editors_scope(app):
    """Were a district ever allowed to add units, it could only place them in its own subtree."""
    ids = _province(app)
    client = _as_unit(app, "H01")
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role("Reporter")
        sm.add_permission_role(role, sm.find_permission_view_menu("can_add", "UnitsView"))
        db.session.commit()
    html = client.get("/units/add").get_data(as_text=True)
    offered = set(re.findall(r'<option[^>]*value="(\d+)"', html))
    assert offered == {str(ids["H01"]), str(ids["X011"]), str(ids["X012"])}
    resp = client.post("/units/add", data=_form("X099", "Xã Ngoài", "commune", ids["H02"]))
    assert resp.status_code == 200  # the form again: not a valid choice
    with app.app_context():
        assert db.session.query(Unit).filter_by(code="X099").count() == 0


def test_only_a_system_admin_edits_units(app):
    ids = _province(app)
    client = _as_unit(app, "H01")
    assert client.get(f"/units/edit/{ids['X011']}").status_code == 403
    assert client.get("/units/import").status_code == 403
    assert client.get(f"/units/show/{ids['X011']}").status_code == 200
    assert client.get(f"/units/show/{ids['X021']}").status_code == 404


# --- CSV ----------------------------------------------------------------------


def test_export_is_the_callers_scope(app):
    _province(app)
    resp = _as_unit(app, "H01").get("/units/export.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith(b"\xef\xbb\xbf")
    codes = [line.split(",")[0] for line in resp.data.decode("utf-8-sig").splitlines()[1:]]
    assert codes == ["H01", "X011", "X012"]


def _upload(client, text: str):
    return client.post("/units/import", data={"file": (io.BytesIO(text.encode("utf-8-sig")), "units.csv")},
                       content_type="multipart/form-data")


def test_import_screen_lists_every_bad_line_and_writes_nothing(app, admin):
    _province(app)
    before = _paths(app)
    client = _as_admin(app, admin)
    assert client.get("/units/import").status_code == 200
    resp = _upload(client, "\n".join([
        "code,name,kind,level,parent_code,sector,active,valid_from,valid_to",
        "X013,Xã Mới,commune,,H01,,1,,",
        "X014,Xã Mồ Côi,commune,,H99,,1,,",
        "X015,Xã Hợp Lệ,commune,,H02,,1,,",
        "X016,Xã Lạ,thôn,,H01,,1,,",
        "X017,Xã Sai Ngày,commune,,H01,,1,2025-13-01,",
    ]))
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert re.findall(r'<tr data-line="(\d+)">', html) == ["3", "5", "6"]
    assert "H99" in html and "thôn" in html and "2025-13-01" in html
    assert _paths(app) == before


def test_import_screen_imports_a_good_file(app, admin):
    ids = _province(app)
    client = _as_admin(app, admin)
    exported = client.get("/units/export.csv").data.decode("utf-8-sig")
    resp = _upload(client, exported + "X013,Xã Mới Lập,commune,commune,H01,,1,2025-07-01,\n")
    assert resp.status_code == 302
    with app.app_context():
        unit = db.session.query(Unit).filter_by(code="X013").one()
        assert unit.parent_id == ids["H01"] and unit.valid_from == date(2025, 7, 1)
