"""The form designer as the board uses it (F1, F2, F7): every change through the screens' POST routes."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import func, select

from core.forms import definitions as forms
from core.platform.extensions import db
from core.forms.models.form import (Category, CategoryCombo, CategoryOption, Form, FormField, FormRule, FormSection,
                                    FormVersion, Indicator)
from core.forms.models.period import Schedule
from tests import factories
from tests.conftest import login


def _as_admin(app, admin):
    client = app.test_client()
    assert login(client, admin["username"], admin["password"]).status_code == 302
    return client


def _said(app, msgid: str, **values) -> str:
    """A message as the page shows it: translated when the catalogue has it, HTML-escaped."""
    with app.test_request_context():
        return str(escape(gettext(msgid, **values)))


def _id(app, model, **where) -> int:
    with app.app_context():
        return db.session.execute(select(model.id).filter_by(**where)).scalar_one()


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _post(client, url: str, data: dict, status: int = 302):
    resp = client.post(url, data=data)
    if resp.status_code != status:
        errors = re.findall(r'class="[^"]*(?:help-block|alert)[^"]*"[^>]*>(.*?)<', resp.get_data(as_text=True), re.S)
        raise AssertionError(f"{url} answered {resp.status_code}: {[e.strip() for e in errors if e.strip()]}")
    return resp


def _field(client, form_id: int, code: str, label: str, type_: str = "integer", status: int = 302, **extra):
    data = {"code": code, "label": label, "type": type_, **extra}
    return _post(client, f"/forms/fields/add?_flt_0_form={form_id}", data, status=status)


def _category(client, app, code: str, name: str, options: list[tuple[str, str]]) -> int:
    _post(client, "/forms/categories/add", {"code": code, "name": name})
    category_id = _id(app, Category, code=code)
    for option_code, option_name in options:
        _post(client, f"/forms/category-options/add?_flt_0_category={category_id}",
              {"code": option_code, "name": option_name})
    return category_id


def _design(app, client, code: str = "BC_HN01") -> dict:
    """A household form: two integer fields, a grid by sex × ethnic group, and a rule."""
    resp = _post(client, "/forms/add", {"code": code, "name": "Báo cáo hộ nghèo", "sector": "lao_dong",
                                        "description": "Biểu số 01", "active": "y"})
    form_id = _id(app, Form, code=code)
    assert resp.headers["Location"].endswith(f"/forms/show/{form_id}")  # designing goes on on its page
    _post(client, f"/forms/sections/add?_flt_0_form={form_id}", {"code": "main", "title": "I. Hộ gia đình"})
    section = str(_id(app, FormSection, form_id=form_id, code="main"))
    _field(client, form_id, "households", "Tổng số hộ", section=section, required="y", min_value="0",
           unit_of_measure="hộ")
    _field(client, form_id, "poor_households", "Số hộ nghèo", section=section, required="y", min_value="0")
    _category(client, app, "sex", "Giới tính", [("nam", "Nam"), ("nu", "Nữ")])
    _category(client, app, "ethnic", "Dân tộc", [("kinh", "Kinh"), ("tay", "Tày")])
    _post(client, "/forms/combos/add", {"code": "sex_ethnic", "name": "Giới tính × Dân tộc",
                                        "members": "sex, ethnic"})
    combo = str(_id(app, CategoryCombo, code="sex_ethnic"))
    _field(client, form_id, "poor_by_group", "Hộ nghèo theo giới tính và dân tộc của chủ hộ", section=section,
           combo=combo)
    _post(client, f"/forms/rules/add?_flt_0_form={form_id}", {
        "code": "poor_within_households", "expression": "poor_households <= households",
        "message": "Số hộ nghèo không được lớn hơn tổng số hộ"})
    return {"form": form_id, "section": section, "combo": combo}


def _publish(client, form_id: int):
    return _post(client, f"/forms/publish/{form_id}", {})


def _versions(app, form_id: int) -> dict[int, dict]:
    with app.app_context():
        rows = db.session.execute(select(FormVersion).where(FormVersion.form_id == form_id)).scalars()
        return {v.version: v.definition for v in rows}


def _page(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, url
    return resp.get_data(as_text=True)


# --- designing and publishing ------------------------------------------------------------------


def test_the_board_designs_a_form_and_sees_its_entry_grid(app, admin):
    client = _as_admin(app, admin)
    ids = _design(app, client)
    with app.app_context():
        form = db.session.get(Form, ids["form"])
        assert [f.code for f in form.fields] == ["households", "poor_households", "poor_by_group"]
        assert [f.position for f in form.fields] == [0, 1, 2]
        assert form.fields[0].required and form.fields[0].min_value == 0 and form.fields[1].section.code == "main"
        assert [m.category.code for m in form.fields[2].combo.members] == ["sex", "ethnic"]
        assert [r.expression for r in form.rules] == ["poor_households <= households"]
        assert form.source == "board" and form.published_version is None
    html = _page(client, f"/forms/show/{ids['form']}")
    # the grid: rows are the first category's options, columns the second's
    grid = html[html.index('<table class="table table-bordered table-condensed form-grid"'):]
    grid = grid[:grid.index("</table>")]
    assert re.findall(r'data-cell="([^"]+)"', grid) == ["nam|kinh", "nam|tay", "nu|kinh", "nu|tay"]
    assert "<th>Nam</th>" in grid and "<th>Nữ</th>" in grid and ">Kinh</th>" in grid and ">Tày</th>" in grid
    assert 'data-field="households"' in html and "poor_households &lt;= households" in html
    assert 'id="draft-status"' in html and 'id="plugin-note"' not in html
    # the related tabs list the draft's parts
    assert "Tổng số hộ" in html and "I. Hộ gia đình" in html
    listed = _page(client, "/forms/list/")
    assert "BC_HN01" in listed and 'href="/forms/import"' in listed and "fa-wpforms" in listed


def test_a_grid_nests_the_column_headers_of_several_categories():
    from core.forms.views.preview import grid

    def category(code, *options):
        return {"code": code, "name": code.title(), "options": [{"code": o, "label": o.upper()} for o in options]}

    combo = {"code": "c", "name": "C", "categories": [category("area", "urban", "rural"),
                                                       category("sex", "m", "f"), category("age", "young", "old", "mid")]}
    drawn = grid(combo)
    assert drawn.corner == "Area" and drawn.caption == "Area × Sex × Age" and drawn.columns == 6
    assert drawn.header_rows == [[("M", 3), ("F", 3)], [("YOUNG", 1), ("OLD", 1), ("MID", 1)] * 2]
    assert [label for label, _keys in drawn.rows] == ["URBAN", "RURAL"]
    assert drawn.rows[1][1][:4] == ["rural|m|young", "rural|m|old", "rural|m|mid", "rural|f|young"]
    with_one = grid({"code": "s", "name": "S", "categories": [category("sex", "m", "f")]})
    assert with_one.header_rows == [] and with_one.rows == [("M", ["m"]), ("F", ["f"])]


def test_publishing_freezes_versions_and_an_unchanged_draft_is_not_published_again(app, admin):
    client = _as_admin(app, admin)
    ids = _design(app, client)
    _publish(client, ids["form"])
    versions = _versions(app, ids["form"])
    assert list(versions) == [1]
    first = versions[1]
    assert first["version"] == 1
    assert [c["key"] for c in first["combos"]["sex_ethnic"]["cells"]] == ["nam|kinh", "nam|tay", "nu|kinh", "nu|tay"]
    assert [f["code"] for s in first["sections"] for f in s["fields"]] == ["households", "poor_households",
                                                                          "poor_by_group"]
    with app.app_context():
        assert db.session.get(Form, ids["form"]).published_version == 1
        assert db.session.execute(select(FormVersion.published_by)).scalar_one() == "admin"
    html = _page(client, f"/forms/show/{ids['form']}")
    assert 'data-version="1"' in html and 'id="draft-status"' not in html

    households = _id(app, FormField, form_id=ids["form"], code="households")
    _post(client, f"/forms/fields/edit/{households}", {
        "section": ids["section"], "code": "households", "label": "Tổng số hộ dân cư", "type": "integer",
        "required": "y", "min_value": "0", "unit_of_measure": "hộ", "position": "0"})
    assert 'id="draft-status"' in _page(client, f"/forms/show/{ids['form']}")
    _publish(client, ids["form"])
    versions = _versions(app, ids["form"])
    assert sorted(versions) == [1, 2]
    assert versions[1] == first  # a filed report's version never changes
    assert versions[2]["sections"][0]["fields"][0]["label"] == "Tổng số hộ dân cư"
    assert versions[1]["sections"][0]["fields"][0]["label"] == "Tổng số hộ"

    resp = client.post(f"/forms/publish/{ids['form']}", data={}, follow_redirects=True)
    assert _said(app, "Nothing changed since version %(version)d: nothing was published.", version=2) \
        in resp.get_data(as_text=True)
    assert sorted(_versions(app, ids["form"])) == [1, 2]


def test_a_rule_naming_an_unknown_field_is_refused_on_the_field(app, admin):
    client = _as_admin(app, admin)
    ids = _design(app, client)
    resp = _post(client, f"/forms/rules/add?_flt_0_form={ids['form']}", {
        "code": "typo", "expression": "poor_households <= househlds", "message": "Sai"}, status=200)
    html = resp.get_data(as_text=True)
    assert "househlds" in html
    assert _said(app, "This expression cannot be used: %(reason)s", reason="unknown name househlds") in html
    assert _count(app, FormRule, FormRule.code == "typo") == 0
    # a disaggregated field is a grid: compared as a whole it is refused too, summed it is fine
    _post(client, f"/forms/rules/add?_flt_0_form={ids['form']}", {
        "code": "grid", "expression": "poor_by_group <= households", "message": "Sai"}, status=200)
    _post(client, f"/forms/rules/add?_flt_0_form={ids['form']}", {
        "code": "grid", "expression": "sum(poor_by_group) == poor_households", "message": "Tổng phải khớp"})
    assert _count(app, FormRule, FormRule.form_id == ids["form"]) == 2
    # editing checks too, against the rule's own form
    rule = _id(app, FormRule, form_id=ids["form"], code="grid")
    resp = _post(client, f"/forms/rules/edit/{rule}", {"code": "grid", "expression": "sum(nobody) == 1",
                                                        "message": "Sai"}, status=200)
    assert "nobody" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(FormRule, rule).expression == "sum(poor_by_group) == poor_households"


def test_parts_are_checked_before_they_are_saved(app, admin):
    client = _as_admin(app, admin)
    ids = _design(app, client)
    other = _post(client, "/forms/add", {"code": "OTHER", "name": "Biểu khác", "active": "y"})
    other_id = _id(app, Form, code="OTHER")
    _post(client, f"/forms/sections/add?_flt_0_form={other_id}", {"code": "s1", "title": "Phần khác"})
    foreign = str(_id(app, FormSection, form_id=other_id, code="s1"))
    before = _count(app, FormField)
    _field(client, ids["form"], "households", "Trùng mã")                                    # code used twice
    _field(client, ids["form"], "x1", "Phần của biểu khác", section=foreign, status=200)     # not offered
    _field(client, ids["form"], "x2", "Chọn", "choice")                                      # a list without choices
    _field(client, ids["form"], "x3", "Văn bản theo nhóm", "text", combo=ids["combo"])       # text in a grid
    _field(client, ids["form"], "x4", "Min lớn hơn max", min_value="5", max_value="1")
    assert _count(app, FormField) == before
    _field(client, ids["form"], "area", "Khu vực", "choice", choices="1|Thành thị\n2|Nông thôn\n\n")
    with app.app_context():
        area = db.session.execute(select(FormField).filter_by(code="area")).scalar_one()
        assert area.choices == [{"code": "1", "label": "Thành thị"}, {"code": "2", "label": "Nông thôn"}]
    # the section list offers only this form's sections
    html = _page(client, f"/forms/fields/add?_flt_0_form={ids['form']}")
    assert "I. Hộ gia đình" in html and "Phần khác" not in html
    assert _said(app, "Choice list") in html and _said(app, "Percentage") in html
    assert other.status_code == 302


def test_a_schedule_picks_a_period_type_and_levels(app, admin):
    client = _as_admin(app, admin)
    ids = _design(app, client)
    _post(client, f"/forms/schedules/add?_flt_0_form={ids['form']}",
          {"period_type": "quarterly", "levels": ["commune", "province"], "active": "y"})
    with app.app_context():
        schedule = db.session.execute(select(Schedule).filter_by(form_id=ids["form"])).scalar_one()
        assert (schedule.period_type, schedule.level_codes, schedule.source) == \
            ("quarterly", ["commune", "province"], "board")
    html = _page(client, f"/forms/show/{ids['form']}")
    assert "Cấp xã, Cấp tỉnh" in html  # the hierarchy's own names of the levels and _said(app, "Quarterly") in html
    # the same period type twice is refused
    _post(client, f"/forms/schedules/add?_flt_0_form={ids['form']}", {"period_type": "quarterly",
                                                                       "levels": ["province"]})
    assert _count(app, Schedule, Schedule.form_id == ids["form"]) == 1


def test_a_schedule_may_name_the_periods_of_the_year_it_applies_to(app, admin):
    client = _as_admin(app, admin)
    ids = _design(app, client)
    url = f"/forms/schedules/add?_flt_0_form={ids['form']}"
    refused = client.post(url, data={"period_type": "quarterly", "levels": ["commune"], "indexes": "1, 5"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Các kỳ trong năm phải là các số từ 1 đến 4, cách nhau bởi dấu phẩy." in refused
    refused = client.post(url, data={"period_type": "yearly", "levels": ["commune"], "indexes": "1"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Loại kỳ này không có kỳ đánh số trong năm" in refused
    assert _count(app, Schedule, Schedule.form_id == ids["form"]) == 0  # nothing half-written
    _post(client, url, {"period_type": "quarterly", "levels": ["commune"], "indexes": "3, 1", "active": "y"})
    with app.app_context():
        schedule = db.session.execute(select(Schedule).filter_by(form_id=ids["form"])).scalar_one()
        assert (schedule.indexes, schedule.index_set) == ("1,3", {1, 3})


def test_copy_makes_a_board_draft_with_the_same_parts(app, admin):
    client = _as_admin(app, admin)
    ids = _design(app, client)
    resp = _post(client, f"/forms/copy/{ids['form']}", {"code": "BC_HN01_2027", "name": "Báo cáo hộ nghèo 2027"})
    copy_id = _id(app, Form, code="BC_HN01_2027")
    assert resp.headers["Location"].endswith(f"/forms/show/{copy_id}")
    with app.app_context():
        copy = db.session.get(Form, copy_id)
        assert [f.code for f in copy.fields] == ["households", "poor_households", "poor_by_group"]
        assert copy.source == "board" and copy.published_version is None
    resp = _post(client, f"/forms/copy/{ids['form']}", {"code": "BC_HN01_2027", "name": "Trùng"}, status=200)
    assert _said(app, "Form code %(code)s is already used.", code="BC_HN01_2027") in resp.get_data(as_text=True)
    assert _count(app, Form, Form.code == "BC_HN01_2027") == 1


def test_a_plugin_form_may_be_edited_and_its_published_version_survives_the_next_sync(app, admin):
    with app.app_context():
        factories.province()  # cao_bang registers its forms
        form = db.session.execute(select(Form).where(Form.source.like("plugin:%"))).scalars().first()
        form_id, code, plugin = form.id, form.code, form.source.split(":", 1)[1]
        field = form.fields[0]
        field_id, field_data = field.id, {
            "code": field.code, "label": field.label + " (Ban sửa)", "type": field.type,
            "position": str(field.position), **({"section": str(field.section_id)} if field.section_id else {}),
            **({"combo": str(field.combo_id)} if field.combo_id else {}),
            **({"indicator": str(field.indicator_id)} if field.indicator_id else {}),
            **({"required": "y"} if field.required else {}),
            **({"min_value": str(field.min_value)} if field.min_value is not None else {}),
            **({"max_value": str(field.max_value)} if field.max_value is not None else {}),
        }
    client = _as_admin(app, admin)
    html = _page(client, f"/forms/show/{form_id}")
    assert 'id="plugin-note"' in html and plugin in html
    _post(client, f"/forms/fields/edit/{field_id}", field_data)
    _publish(client, form_id)
    with app.app_context():
        assert forms.sync_plugins(db.session)[code] == "kept"
        db.session.commit()
        assert db.session.get(FormField, field_id).label.endswith("(Ban sửa)")
        latest = forms.latest_version(db.session, db.session.get(Form, form_id))
        assert latest.published_by == "admin"


# --- workbooks ---------------------------------------------------------------------------------


def test_export_then_import_under_a_new_code_and_publish(app, admin):
    pytest.importorskip("core.forms.xlsform")
    client = _as_admin(app, admin)
    ids = _design(app, client)
    resp = client.get(f"/forms/export/{ids['form']}")
    assert resp.status_code == 200
    assert "BC_HN01.xlsx" in resp.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(resp.data))
    settings = workbook["settings"]
    header = [c.value for c in settings[1]]
    settings.cell(row=2, column=header.index("form_id") + 1, value="BC_HN02")
    out = io.BytesIO()
    workbook.save(out)

    resp = _post(client, "/forms/import", {"file": (io.BytesIO(out.getvalue()), "BC_HN02.xlsx")})
    new_id = _id(app, Form, code="BC_HN02")
    assert resp.headers["Location"].endswith(f"/forms/show/{new_id}")
    with app.app_context():
        new = db.session.get(Form, new_id)
        assert new.source == "board" and new.published_version is None  # a draft until published
        assert [f.code for f in new.fields] == ["households", "poor_households", "poor_by_group"]
        assert new.fields[2].combo.code == "sex_ethnic"
    assert _count(app, CategoryCombo) == 1 and _count(app, Category) == 2  # matched by code, not duplicated
    _publish(client, new_id)
    new_version, old_version = _versions(app, new_id)[1], _versions(app, ids["form"])
    assert not old_version  # the original was never published: importing touched nothing of it
    with app.app_context():
        original = forms.definition(db.session.get(Form, ids["form"]))
    assert {k: v for k, v in new_version.items() if k not in ("code", "version")} == \
        {k: v for k, v in original.items() if k != "code"}


def test_a_plugin_forms_code_cannot_be_taken_over_by_a_workbook(app, admin):
    pytest.importorskip("core.forms.xlsform")
    with app.app_context():
        factories.province()
        form = db.session.execute(select(Form).where(Form.code == "CB-DT01")).scalar_one()
        form_id, fields = form.id, [f.label for f in form.fields]
    client = _as_admin(app, admin)
    exported = client.get(f"/forms/export/{form_id}")
    assert exported.status_code == 200 and "CB-DT01.xlsx" in exported.headers["Content-Disposition"]
    resp = client.post("/forms/import", data={"file": (io.BytesIO(exported.data), "CB-DT01.xlsx")},
                       follow_redirects=True)
    with app.test_request_context():
        from core.forms.views.common import source_label
        owner = source_label("plugin:cao_bang")
    assert _said(app, "Form code %(code)s belongs to %(owner)s: import the workbook under another code, or copy "
                      "that form first.", code="CB-DT01", owner=owner) in resp.get_data(as_text=True)
    with app.app_context():
        form = db.session.get(Form, form_id)
        assert form.source == "plugin:cao_bang" and [f.label for f in form.fields] == fields


def test_a_workbook_with_bad_rows_shows_every_problem_and_writes_nothing(app, admin):
    pytest.importorskip("core.forms.xlsform")
    client = _as_admin(app, admin)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    sheets = {
        "survey": [["type", "name", "label", "disaggregation"],
                   ["integer", "households", "Tổng số hộ"],
                   ["number", "bad_type", "Kiểu sai"],
                   ["integer", "by_group", "Theo nhóm", "no_such_combo"]],
        "settings": [["form_id", "form_title"], ["BC_BAD", "Biểu lỗi"]],
        "categories": [["category", "option", "label"], ["new_cat", "a", "A"]],
        "rules": [["name", "expression", "message"], ["r1", "nobody > 1", "Tên lạ"]],
    }
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    counts = [_count(app, model) for model in (Form, Category, CategoryOption, Indicator, FormField)]
    resp = _post(client, "/forms/import", {"file": (io.BytesIO(out.getvalue()), "bad.xlsx")}, status=200)
    html = resp.get_data(as_text=True)
    problems = re.findall(r"<li>(.*?)</li>", html[html.index('id="import-problems"'):], re.S)
    assert len(problems) >= 3
    for sheet, row, word in (("survey", 3, "number"), ("survey", 4, "no_such_combo"), ("rules", 2, "nobody")):
        prefix = _said(app, "Sheet %(sheet)s, row %(row)s: %(message)s", sheet=sheet, row=row, message="")
        assert any(p.startswith(prefix) and word in p for p in problems), (sheet, row, problems)
    assert [_count(app, model) for model in (Form, Category, CategoryOption, Indicator, FormField)] == counts

    resp = _post(client, "/forms/import", {"file": (io.BytesIO(b"not a workbook"), "notes.txt")}, status=200)
    assert "notes.txt" in resp.get_data(as_text=True)
    assert _count(app, Form) == counts[0]


# --- access ------------------------------------------------------------------------------------


def test_a_unit_account_gets_no_access_to_the_designer(app, admin):
    client = _as_admin(app, admin)
    ids = _design(app, client)
    _publish(client, ids["form"])
    with app.app_context():
        factories.province()
        username, one_time = factories.issue("X011")
    unit = app.test_client()
    factories.first_login(unit, username, one_time)
    for url in ("/forms/list/", f"/forms/show/{ids['form']}", "/forms/import", f"/forms/export/{ids['form']}",
                "/forms/indicators/list/", "/forms/categories/list/", "/forms/combos/list/",
                f"/forms/fields/add?_flt_0_form={ids['form']}"):
        resp = unit.get(url)
        assert resp.status_code in (302, 403, 404), url
        assert "Báo cáo hộ nghèo" not in resp.get_data(as_text=True)
    unit.post("/forms/add", data={"code": "HACK", "name": "x", "active": "y"})
    unit.post(f"/forms/publish/{ids['form']}", data={})
    unit.post(f"/forms/fields/add?_flt_0_form={ids['form']}", data={"code": "hack", "label": "x",
                                                                       "type": "integer"})
    unit.post(f"/forms/copy/{ids['form']}", data={"code": "HACK2", "name": "x"})
    assert _count(app, Form, Form.code.in_(["HACK", "HACK2"])) == 0
    assert _count(app, FormField, FormField.code == "hack") == 0
    assert sorted(_versions(app, ids["form"])) == [1]
    assert "Forms and indicators" not in _page(unit, "/") and "wpforms" not in _page(unit, "/")


def test_the_designers_posts_need_the_csrf_token(make_app, admin):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.session.add(Form(code="F1", name="Biểu một", source="board"))
        db.session.commit()
    form_id = _id(app, Form, code="F1")
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login/", data={"username": "admin", "password": admin["password"], "csrf_token": token})
    for url in (f"/forms/publish/{form_id}", f"/forms/copy/{form_id}", "/forms/import"):
        assert 'name="csrf_token"' in _page(client, url), url
    assert client.post(f"/forms/copy/{form_id}", data={"code": "F2", "name": "x"}).status_code == 400
    assert client.post("/forms/import", data={"file": (io.BytesIO(b"x"), "x.xlsx")}).status_code == 400
    assert client.post(f"/forms/sections/add?_flt_0_form={form_id}", data={"code": "s", "title": "S"}).status_code \
        == 400
    assert _count(app, Form) == 1 and _count(app, FormSection) == 0


@pytest.mark.calendar
@pytest.mark.at("2026-12-05T15:00:00+07:00")  # quý IV's window is open (1/12/2026–31/1/2027)
def test_the_board_builds_publishes_and_assigns_a_form_in_the_browser(app, admin):
    """Issue 4's "done when": no code from design to the communes' report list."""
    from core.reporting.models import Report
    from tests import factories

    from core.hierarchy.units import import_units

    with app.app_context():  # core's two-level government: the province, and its communes
        import_units(db.session, [factories.Row("04", "Tỉnh", "board"), factories.Row("X011", "Xã A", "commune", "04"),
                                  factories.Row("X012", "Xã B", "commune", "04")], source="test")
        db.session.commit()
    client = _as_admin(app, admin)
    ids = _design(app, client, code="BC_QUY01")
    _publish(client, ids["form"])
    _post(client, f"/forms/schedules/add?_flt_0_form={ids['form']}",
          {"period_type": "quarterly", "levels": ["commune"], "active": "y"})
    _post(client, f"/forms/assign/{ids['form']}", {})
    with app.app_context():
        reports = db.session.execute(select(Report).where(Report.form_id == ids["form"])).scalars().all()
        assert sorted(r.unit.code for r in reports) == ["X011", "X012"]
        assert {(r.period.code, r.deadline.isoformat(), r.version.version) for r in reports} == {
            ("2026Q4", "2026-12-20", 1)}
    _post(client, f"/forms/assign/{ids['form']}", {})  # a second click creates nothing
    assert _count(app, Report, Report.form_id == ids["form"]) == 2
