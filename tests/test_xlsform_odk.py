"""XLSForm both ways with ODK's own converter, pyxform (REQUIREMENTS F1, F9).

Our export converts with pyxform without a warning, and its limits reach the XForm as `constraint`
(ODK ignores our min/max columns). An ODK form comes in with its constraints as field limits and rules,
and every column or expression that cannot be carried over (relevant, calculate, a regex, other
languages, choice_filter, ...) is listed as a warning by the reader, the CLI and the import screen."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import openpyxl
import pytest

from core.contracts import Choice, FieldSpec, FormSpec, SectionSpec
from core.forms import expressions, xlsform
from core.forms.xlsform_write import write_workbook

pyxform = pytest.importorskip("pyxform.xls2xform")

SPEC = FormSpec("DT01", "Dân số theo dân tộc", (
    SectionSpec("households", "Hộ", (
        FieldSpec("households", "Tổng số hộ", required=True, min=0, max=100000),
        FieldSpec("poverty_rate", "Tỷ lệ hộ nghèo", type="decimal", min=0, max=100),
        FieldSpec("poor", "Hộ nghèo", min=0),
        FieldSpec("area", "Vùng", type="choice", choices=(Choice("1", "Vùng I"), Choice("2", "Vùng II"))),
        FieldSpec("notes", "Ghi chú", type="long_text"),
        FieldSpec("reported_on", "Ngày báo cáo", type="date"),
        FieldSpec("coverage", "Tỷ lệ bao phủ", type="percent", min=0, max=100),
        FieldSpec("has_school", "Có trường học", type="yes_no"),
    )),))


def _binds(xform: str) -> dict[str, dict]:
    root = ET.fromstring(xform)
    return {b.get("nodeset").rsplit("/", 1)[1]: b.attrib for b in root.iter("{http://www.w3.org/2002/xforms}bind")}


def test_our_export_converts_with_odks_pyxform_without_a_warning_and_keeps_its_limits():
    warnings: list[str] = []
    xform = pyxform.convert(xlsform=write_workbook(SPEC), warnings=warnings, file_type=".xlsx").xform
    assert warnings == []
    binds = _binds(xform)
    assert binds["households"]["constraint"] == ". >= 0 and . <= 100000"
    assert binds["households"]["required"] == "true()"
    assert binds["poverty_rate"]["constraint"] == ". >= 0 and . <= 100"
    assert binds["poor"]["constraint"] == ". >= 0"
    assert "constraint" not in binds["notes"]
    assert (binds["coverage"]["type"], binds["coverage"]["constraint"]) == ("decimal", ". >= 0 and . <= 100")
    assert "has_school" in binds  # percent and yes/no as the ODK types that read back to them
    assert xlsform.read_workbook_with_warnings(write_workbook(SPEC)) == (SPEC, [])  # and back, nothing to warn


def odk_workbook() -> bytes:
    """A form as an ODK author writes it: constraints in XPath, skip logic, a calculation, two languages."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (
        ["type", "name", "label::Tiếng Việt (vi)", "label::English (en)", "required", "constraint",
         "constraint_message::Tiếng Việt (vi)", "relevant", "calculation", "choice_filter"],
        ["integer", "households", "Tổng số hộ", "Households", "yes", ". >= 0", None, None, None, None],
        ["integer", "poor", "Số hộ nghèo", "Poor households", None, ". >= 0 and . <= ${households}",
         "Số hộ nghèo không được lớn hơn tổng số hộ.", "${households} > 0", None, None],
        ["decimal", "rate", "Tỷ lệ", "Rate", None, "(. > 0) and (. <= 100)", None, None, None, None],
        ["text", "phone", "Điện thoại", "Phone", None, "regex(., '^[0-9]{10}$')", None, None, None, None],
        ["select_one area", "area", "Vùng", "Area", None, None, None, None, None, "region = 'north'"],
        ["calculate", "rate_calc", None, None, None, None, None, None, "${poor} div ${households} * 100", None],
    ):
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in (["list_name", "name", "label::Tiếng Việt (vi)", "label::English (en)", "region"],
                ["area", "1", "Vùng I", "Zone I", "north"], ["area", "2", "Vùng II", "Zone II", "south"]):
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_id", "form_title", "default_language"])
    settings.append(["ODK01", "Biểu từ ODK", "Tiếng Việt (vi)"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_odk_form_brings_its_constraints_as_limits_and_rules_and_warns_about_the_rest():
    pyxform.convert(xlsform=odk_workbook(), file_type=".xlsx")  # a valid ODK form: ODK's tool takes it
    spec, warnings = xlsform.read_workbook_with_warnings(odk_workbook())
    fields = {f.code: f for f in spec.sections[0].fields}
    assert (fields["households"].min, fields["households"].max) == (0, None)
    assert (fields["poor"].min, fields["poor"].max) == (0, None)
    assert (fields["rate"].min, fields["rate"].max) == (None, 100)
    (rule, rate_rule) = spec.rules
    assert (rule.code, rule.expression, rule.message) == (
        "poor_constraint", "poor <= households", "Số hộ nghèo không được lớn hơn tổng số hộ.")
    assert rate_rule.expression == "rate > 0"  # a strict bound on a decimal stays a rule
    assert expressions.evaluate(rule.expression, {"poor": 12, "households": 10}) is False
    assert expressions.evaluate(rule.expression, {"poor": 2, "households": 10}) is True
    said = "\n".join(f"{sheet} {row}: {message}" for sheet, row, message in warnings)
    assert "survey 3: relevant of poor (${households} > 0) is not carried over" in said
    assert "survey 5: constraint of phone: \"regex(., '^[0-9]{10}$')\" is not carried over" in said
    assert "survey 7: calculate rate_calc (${poor} div ${households} * 100) is not carried over" in said
    assert "survey 1: column choice_filter is not carried over (1 row(s) use it)" in said
    assert "survey 1: column label::English (en) is not carried over: only label::Tiếng Việt (vi) is read" in said
    assert "choices 1: column label::English (en) is not carried over" in said
    assert "choices 1: column region is not carried over (2 row(s) use it)" in said
    assert len(warnings) == 7, said


def test_the_cli_lists_what_is_not_carried_over_and_imports_a_draft(cli, tmp_path, app):
    from core.forms.models.form import Form
    from core.platform.extensions import db

    path = tmp_path / "odk.xlsx"
    path.write_bytes(odk_workbook())
    dry = cli("forms", "import", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    lines = dry.output.splitlines()
    assert sum(line.startswith("warning\t") for line in lines) == 7
    assert "warning\tsurvey\t3\trelevant of poor (${households} > 0) is not carried over: the field is always shown" \
        in lines
    assert lines[-1] == "form ODK01: 5 field(s), 2 rule(s); nothing stored (--dry-run)"
    done = cli("forms", "import", str(path))
    assert done.exit_code == 0 and done.output.splitlines()[-1] == "form ODK01 created as a draft (7 warning(s))"
    with app.app_context():
        form = db.session.query(Form).filter_by(code="ODK01").one()
        assert form.published_version is None and [f.code for f in form.fields] == [
            "households", "poor", "rate", "phone", "area"]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    refused = cli("forms", "import", str(broken))
    assert refused.exit_code == 1 and len(refused.output.strip().splitlines()) == 1
    assert "1 problem(s), nothing imported: workbook: broken.xlsx is not an Excel workbook" in refused.output


def test_the_import_screen_shows_every_warning(app, admin):
    from tests.conftest import login

    web = app.test_client()
    assert login(web, admin["username"], admin["password"]).status_code == 302
    resp = web.post("/forms/import", data={"file": (io.BytesIO(odk_workbook()), "odk.xlsx")}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert page.count("Không chuyển được từ tệp biểu mẫu") == 7
    assert "relevant of poor" in page and "calculate rate_calc" in page
