"""Labels, not codes; Vietnamese everywhere; Vietnam time (issue 15, items 6, 9, 12).

Every registered screen and API names its columns and titles in Vietnamese (no FAB-generated
"Closes", "List Period", no "Kiểu dữ liệu" for a period's type); every time column of a screen is
shown in Vietnam time; codes become words through core.platform.labels; after a district approves,
the flash and the history name the real new state and the acting unit.
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask_appbuilder import ModelRestApi, ModelView
from flask_babel import force_locale
from sqlalchemy import DateTime

from core.accounts.models import Account
from core.hierarchy.models import Unit
from core.platform import labels
from core.platform.extensions import db
from core.reporting import assignment
from core.reporting.models import Notification, Report, Transition
from tests import factories
from tests.conftest import login
from tests.screen_text import assert_vietnamese, problems, visible_text
from workflows import transition

VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I)
#: Column labels that are rightly plain ASCII in Vietnamese.
ASCII_OK = {"STT", "Email", "IP", "Hash", "URL", "ID"}
#: FAB's own security screens, which issue 15 item 18 hides from board admins (core/accounts/views).
FAB_SECURITY = {"ReadOnlyGroupView", "PermissionViewModelView"}


def _model_views(app):
    return [v for v in app.appbuilder.baseviews if isinstance(v, (ModelView, ModelRestApi))]


def _english(text: str) -> bool:
    return text not in ASCII_OK and not VIETNAMESE.search(text)


def test_every_screen_and_api_names_its_columns_and_titles_in_vietnamese(app):
    bad = []
    with app.test_request_context(), force_locale("vi"):
        views = _model_views(app)
        assert len(views) >= 20  # every registered one, not a few picked by hand
        for view in views:
            name = type(view).__name__
            if name in FAB_SECURITY:
                continue
            columns = set(view.list_columns) | set(getattr(view, "show_columns", []) or [])
            for column in sorted(columns):
                text = str(view.label_columns.get(column, column))
                if _english(text):
                    bad.append(f"{name}.{column}: {text!r}")
            for attr in ("list_title", "show_title"):
                text = str(getattr(view, attr, "") or "")
                if text and _english(text):
                    bad.append(f"{name}.{attr}: {text!r}")
    assert not bad, "\n".join(bad)


def test_a_periods_type_is_its_period_type_not_a_data_type(app, client, admin):
    login(client, "admin", admin["password"])
    info = client.get("/api/v1/period/?q=(page_size:1)").get_json()
    assert info["label_columns"]["type"] == "Loại kỳ báo cáo"
    assert info["list_title"] == "Kỳ báo cáo"
    assert {info["label_columns"][c] for c in ("opens", "closes", "start", "end")} == {
        "Mở nhập", "Khóa nhập", "Từ ngày", "Đến ngày"}


def test_every_time_column_of_a_screen_is_shown_in_vietnam_time(app):
    """A DateTime column listed or shown by a screen goes through a formatter (labels.local_time)."""
    bad = []
    with app.test_request_context():
        for view in _model_views(app):
            if not isinstance(view, ModelView):
                continue
            model = view.datamodel.obj
            columns = set(view.list_columns) | set(view.show_columns or [])
            for column in sorted(columns):
                attr = getattr(model, column, None)
                col_type = getattr(getattr(attr, "property", None), "columns", [None])[0]
                if isinstance(getattr(col_type, "type", None), DateTime) and column not in view.formatters_columns:
                    bad.append(f"{type(view).__name__}.{column}")
    assert not bad, "shown as UTC: " + ", ".join(bad)


@pytest.mark.parametrize("kind, code, expected", [
    ("level", "province", "Cấp tỉnh"), ("level", "district", "Cấp huyện"), ("level", "commune", "Cấp xã"),
    ("state", "correction_requested", "Yêu cầu điều chỉnh"), ("role", "Reviewer", "Cán bộ thẩm định"),
    ("audit_action", "report.approve", "Duyệt báo cáo"), ("audit_action", "update", "Sửa"),
    ("object_type", "FormField", "Chỉ tiêu của biểu mẫu"), ("sector", "dan_toc", "Dân tộc"),
    ("state", None, "—"), ("sector", "mot_nganh_moi", "mot_nganh_moi"),
])
def test_codes_read_as_words(app, kind, code, expected):
    with app.test_request_context(), force_locale("vi"):
        assert labels.label(kind, code) == expected


def test_booleans_empties_notifications_plugin_sources_and_times_read_as_words(app):
    with app.test_request_context(), force_locale("vi"):
        assert (labels.yes_no(True), labels.yes_no(False), labels.yes_no(None)) == ("Có", "Không", "—")
        assert labels.blank(None) == "—" and labels.blank(0) == 0
        assert labels.notification("approve:5") == "Đã duyệt"
        assert labels.notification("urge:2026-12-01") == "Đôn đốc nộp báo cáo"
        assert labels.plugin_source("bundled") == "Có sẵn trong hệ thống"
        assert labels.plugin_source("plugin:cao_bang") == "Phân hệ cao_bang"
        assert labels.state("submitted", "province") == "Chờ tỉnh duyệt"
        assert labels.state("submitted", "district") == "Chờ huyện duyệt"
        # 17:30 UTC on the 20th is half past midnight on the 21st in Vietnam
        assert labels.local_time(datetime(2026, 12, 20, 17, 30, 5), seconds=True) == "21/12/2026 00:30:05"
        rendered = app.jinja_env.from_string(
            "{{ t|local_time }} {{ b|yes_no }} {{ n|blank }} {{ s|label('sector') }} {{ k|notification_label }}"
        ).render(t=datetime(2026, 12, 20, 17, 30), b=False, n=None, s="dan_toc", k="return:7")
        assert rendered == "21/12/2026 00:30 Không — Dân tộc Bị trả lại"


def test_the_screen_text_checker_finds_english_words_and_raw_codes():
    assert problems("Tổng số hộ Kinh – Nam 1.234 Có Không — 21/12/2026 00:30:05 Chờ tỉnh duyệt") == []
    for leak in ("01|male", "True", "None", "approve:5", "plugin:cao_bang", "dan_toc", "List Period", "Closes"):
        with pytest.raises(AssertionError, match="raw code|English"):
            assert_vietnamese(f"Kỳ báo cáo {leak} ở đây", "a screen")
    html = "<html><head><title>Closes</title></head><body><script>var a = None;</script><p>Có</p>" \
           "<div hidden>True</div><p>Không</p></body></html>"
    assert visible_text(html).split() == ["Có", "Không"]


# --- item 7: the totals screen ---------------------------------------------------------------------


def _act(code: str, action: str, username: str):
    """``username`` takes ``action`` on the unit's report, signed in (the audit log names the unit)."""
    from flask import current_app, g
    from flask_login import login_user

    account = db.session.query(Account).filter_by(username=username).one()
    with current_app.test_request_context():
        login_user(account)
        g.user = account
        report = db.session.query(Report).join(Unit).filter(Unit.code == code).one()
        transition(db.session, report, action, account)
        db.session.commit()


def approved_province():
    """Cao Bằng with X011 (ethnic-group cells filled) approved by the board and X012 by its district;
    returns (form code, period code). Call in an app context."""
    from core.reporting import entry

    factories.province()
    for code in ("04", "H01", "X011", "X012"):
        factories.issue(code)
    db.session.query(Account).update({"must_change_password": False})
    assignment.assign(db.session, factories.ASSIGNED_ON)
    db.session.commit()
    for code, households in (("X011", "100"), ("X012", "50")):
        report = db.session.query(Report).join(Unit).filter(Unit.code == code).one()
        defn = report.version.definition
        raw = {"households": households, "population": "406", "poor_households": "10"}
        fld = entry.fields_of(defn)["population_by_ethnicity"]
        for i, cell in enumerate(entry.cells_of(defn, fld)[:4]):
            raw[entry.input_name("population_by_ethnicity", cell)] = str(100 + i)
        assert entry.save(db.session, report, raw) == {}
        db.session.commit()
        _act(code, "submit", code.lower())
        _act(code, "approve", "h01")
    _act("X011", "approve", "04")
    report = db.session.query(Report).join(Unit).filter(Unit.code == "X011").one()
    return report.form.code, report.period.code


@factories.ON_ASSIGNMENT_DAY
def test_the_totals_screen_is_a_labelled_grid_with_rates_and_named_levels(app, client, admin):
    with app.app_context():
        form, period = approved_province()
    assert login(client, "admin", admin["password"]).status_code == 302
    html = client.get(f"/totals/?form={form}&period={period}&unit=04").get_data(as_text=True)
    text = visible_text(html.split('id="totals"', 1)[1])
    assert_vietnamese(text, "totals")
    progress = visible_text(html.split('id="totals-progress"')[1].split("</table>")[0])
    assert "Xã, phường, thị trấn" in progress and "66,7 %" in progress  # 2 of 3 communes, level named
    grid = html.split('id="totals-grid-population_by_ethnicity">')[1].split("</table>")[0]
    head, body = grid.split("<tbody>")
    assert visible_text(head).split() == ["Dân", "tộc", "Nam", "Nữ"]
    rows = [visible_text(r) for r in body.split("<tr>")[1:]]
    assert rows == ["Kinh 100 101", "Tày 102 103"]  # the board counts X011 only: approved by the province
    drill = client.get(f"/totals/?form={form}&period={period}&unit=04&field=population_by_ethnicity"
                       "&cell=01|male").get_data(as_text=True)
    heading = visible_text(drill.split('id="drill"')[1].split("</h5>")[0])
    assert "Nhân khẩu chia theo dân tộc và giới tính — Kinh – Nam" in heading


# --- item 12: after a district approves -----------------------------------------------------------


@pytest.fixture
def cao_bang(app):
    with app.app_context():
        factories.province()
        app.passwords = dict(factories.issue(code) for code in ("04", "H01", "X011"))
        db.session.query(Account).update({"must_change_password": False})
        assignment.assign(db.session, factories.ASSIGNED_ON)
        db.session.commit()
        report = db.session.query(Report).join(Unit).filter(Unit.code == "X011").one()
        from core.reporting import entry

        assert entry.save(db.session, report, {"households": "100", "population": "400",
                                               "poor_households": "10"}) == {}
        db.session.commit()
        with app.test_request_context():
            transition(db.session, report, "submit", db.session.query(Account).filter_by(username="x011").one())
            db.session.commit()
        app.report_id = report.id
    return app


@factories.ON_ASSIGNMENT_DAY
def test_after_a_district_approves_the_flash_and_history_name_the_new_state_and_the_unit(cao_bang, client):
    assert login(client, "h01", cao_bang.passwords["h01"]).status_code == 302
    with cao_bang.app_context():
        version = db.session.get(Report, cao_bang.report_id).lock_version
    done = client.post(f"/reports/{cao_bang.report_id}/transition",
                       data={"action": "approve", "lock_version": version}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Chờ tỉnh duyệt" in page and "Đã gửi → Đã gửi" not in page
    history = visible_text(page.split('id="workflow-history"')[1].split("</table>")[0])
    with cao_bang.app_context():
        district = db.session.query(Unit).filter_by(code="H01").one().name
        commune = db.session.query(Unit).filter_by(code="X011").one().name
        approved = db.session.query(Transition).filter_by(action="approve").one()
        local = labels.local_time(approved.at)
    assert district in history and commune in history  # who acted, by unit name
    assert "h01 (H01)" not in history and "(H01)" not in history
    assert "Chờ huyện duyệt" in history and "Chờ tỉnh duyệt" in history  # submitted to H01, on to 04
    assert local in history  # Vietnam time
    assert_vietnamese(history, "history")
    client.post("/logout/")
    assert login(client, "x011", cao_bang.passwords["x011"]).status_code == 302
    mine = visible_text(client.get("/my-reports/").get_data(as_text=True))
    assert "Chờ tỉnh duyệt" in mine  # the commune sees where its report is


@factories.ON_ASSIGNMENT_DAY
def test_notifications_show_their_kind_in_words_and_vietnam_time(cao_bang, client):
    with cao_bang.app_context():
        note = db.session.query(Notification).filter(Notification.kind.like("submit:%")).first()
        assert note is not None
        unit_code = db.session.get(Unit, note.unit_id).code
        local = labels.local_time(note.created_at)
    assert login(client, unit_code.lower(), cao_bang.passwords[unit_code.lower()]).status_code == 302
    text = visible_text(client.get("/notifications/list/").get_data(as_text=True))
    assert "Chờ duyệt" in text and local in text
    assert not [p for p in problems(text) if "submit" in p]


#: Screens another part of issue 15 rebuilds (item 18: FAB's security screens, accounts).
OTHERS = {"ReadOnlyGroupView", "PermissionViewModelView", "ReadOnlyUserView", "ReadOnlyRoleView", "PermissionModelView"}


@factories.ON_ASSIGNMENT_DAY
def test_every_list_screen_shows_words_not_codes(cao_bang, client, admin):
    """Every FAB list screen, as the system administrator sees it over Cao Bằng's data: no English
    word and no raw code (True, None, 01|male, approve:5, dan_toc…) in its table."""
    assert login(client, "admin", admin["password"]).status_code == 302
    failures, seen = [], 0
    with cao_bang.test_request_context():
        views = [v for v in _model_views(cao_bang) if isinstance(v, ModelView) and type(v).__name__ not in OTHERS
                 and "list" in (v.include_route_methods or {"list"})]
    for view in views:
        resp = client.get(f"{view.route_base}/list/")
        if resp.status_code in (302, 403, 404):
            continue
        assert resp.status_code == 200, f"{type(view).__name__}: {resp.status_code}"
        html = resp.get_data(as_text=True)
        if "<table" not in html:
            continue
        seen += 1
        table = visible_text(html.split("<table", 1)[1].rsplit("</table>", 1)[0])
        found = problems(table)
        if found:
            failures.append(f"{type(view).__name__}: " + "; ".join(found[:5]))
    assert seen >= 10
    assert not failures, "\n".join(failures)


@factories.ON_ASSIGNMENT_DAY
def test_an_accounts_history_reads_in_words_and_vietnam_time(cao_bang, client, admin):
    with cao_bang.app_context():
        account = db.session.query(Account).filter_by(username="h01").one()
        from core.platform.models.audit import AuditEntry

        issued = db.session.query(AuditEntry).filter_by(action="account.create", object_id=str(account.id)).one()
        pk, local = account.id, labels.local_time(issued.at, seconds=True)
    assert login(client, "admin", admin["password"]).status_code == 302
    html = client.get(f"/accounts/show/{pk}").get_data(as_text=True)
    history = visible_text(html.split('id="account-history"')[1].split("</table>")[0])
    assert "Đã cấp tài khoản" in history and local in history and "account.create" not in history
