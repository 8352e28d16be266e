"""Forms as XLSForm-style workbooks (core.forms.xlsform)."""
from __future__ import annotations

import io
import unicodedata

import openpyxl
import pytest

from core.contracts import (CategorySpec, Choice, ComboSpec, FieldSpec, FormSpec, IndicatorSpec, RuleSpec,
                            ScheduleSpec, SectionSpec)
from core.forms.xlsform import XLSFormError, read_workbook
from core.forms.xlsform_write import write_workbook

ETHNIC = CategorySpec("ethnic_group", "Dân tộc", (Choice("kinh", "Kinh"), Choice("tay", "Tày"),
                                                    Choice("nung", "Nùng")))
SEX = CategorySpec("sex", "Giới tính", (Choice("nam", "Nam"), Choice("nu", "Nữ")))


def full_spec() -> FormSpec:
    """Every field type, two groups, choices, a combo of two categories, an indicator, a rule, a schedule."""
    household = SectionSpec("households", "I. Hộ gia đình", (
        FieldSpec("households", "Tổng số hộ", "integer", required=True, min=0, max=100000, unit_of_measure="hộ",
                  help="Số hộ có đến 31/12", indicator="ct_households"),
        FieldSpec("poor_households", "Số hộ nghèo", "integer", required=True, min=0, unit_of_measure="hộ"),
        FieldSpec("poor_by_group", "Hộ nghèo theo dân tộc và giới tính của chủ hộ", "integer",
                  combo="ethnic_sex"),
        FieldSpec("poverty_rate", "Tỷ lệ hộ nghèo", "percent", min=0, max=100, unit_of_measure="%"),
        FieldSpec("budget", "Kinh phí hỗ trợ", "decimal", min=0.5, max=1234.75, unit_of_measure="triệu đồng"),
    ))
    other = SectionSpec("other", "II. Thông tin khác", (
        FieldSpec("commune_name", "Tên xã", "text", required=True),
        FieldSpec("notes", "Ghi chú", "long_text", help="Dòng 1\nDòng 2"),
        FieldSpec("report_date", "Ngày báo cáo", "date"),
        FieldSpec("area_type", "Khu vực", "choice", required=True,
                  choices=(Choice("1", "Thành thị"), Choice("2", "Nông thôn"), Choice("mien_nui", "Miền núi"))),
        FieldSpec("has_plan", "Đã có kế hoạch giảm nghèo?", "yes_no"),
        FieldSpec("scan", "Bản scan có chữ ký, đóng dấu", "file", required=True),
    ))
    return FormSpec(
        code="poverty_q", name="Báo cáo kết quả giảm nghèo", sections=(household, other),
        rules=(RuleSpec("poor_le_total", "poor_households <= households",
                        "Số hộ nghèo không được lớn hơn tổng số hộ"),
               RuleSpec("grid_sum", "sum(poor_by_group) == poor_households",
                        "Tổng theo dân tộc phải bằng số hộ nghèo")),
        sector="lao_dong", description="Biểu số 01/GN — ghi chú: =không phải công thức",
        categories=(ETHNIC, SEX), combos=(ComboSpec("ethnic_sex", "Dân tộc × Giới tính", ("ethnic_group", "sex")),),
        indicators=(IndicatorSpec("ct_households", "Số hộ dân cư", "Hộ có hộ khẩu thường trú", "Đếm", "hộ",
                                  "thong_ke"),),
        schedules=(ScheduleSpec("quarterly", ("commune", "district"), indexes=(1, 3)),
                   ScheduleSpec("yearly", ("province",))),
    )


def test_round_trip():
    spec = full_spec()
    assert read_workbook(write_workbook(spec)) == spec


def test_round_trip_keeps_formula_like_text_as_text():
    spec = full_spec()
    s0 = spec.sections[0]
    odd = FieldSpec("odd", "=SUM(A1:A9)", "integer", help="=1+1")
    spec = FormSpec(spec.code, spec.name, (SectionSpec(s0.code, s0.title, (*s0.fields, odd)), *spec.sections[1:]),
                    spec.rules, spec.sector, spec.description, spec.categories, spec.combos, spec.indicators,
                    spec.schedules)
    assert read_workbook(write_workbook(spec)) == spec


def test_written_workbook_looks_like_an_xlsform():
    wb = openpyxl.load_workbook(io.BytesIO(write_workbook(full_spec())))
    assert wb.sheetnames[:3] == ["survey", "choices", "settings"]
    survey = [[c.value for c in row] for row in wb["survey"].iter_rows()]
    assert survey[0][:3] == ["type", "name", "label"]
    assert survey[1][:3] == ["begin group", "households", "I. Hộ gia đình"]
    assert any(r[:2] == ["select_one area_type", "area_type"] for r in survey)
    assert any(r[0] == "text" and r[5] == "multiline" for r in survey)
    assert wb["settings"]["A2"].value == "poverty_q"


def workbook(sheets: dict[str, list[list]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_every_mistake_is_reported_with_sheet_and_row():
    data = workbook({
        "survey": [
            ["type", "name", "label", "required", "min", "max", "disaggregation", "indicator"],
            ["integer", "households", "Tổng số hộ", "yes", 0, 10],             # 2 fine
            ["number", "bad_type", "Kiểu sai"],                                # 3 unknown type
            ["integer", None, "Không có tên"],                                 # 4 missing name
            ["integer", "households", "Trùng tên"],                            # 5 duplicate name
            ["select_one no_such_list", "area", "Khu vực"],                    # 6 unknown list
            ["integer", "by_group", "Theo nhóm", None, None, None, "nope"],    # 7 unknown combo
            ["integer", "rate", "Tỷ lệ", None, "abc", 5],                      # 8 bad min
            ["integer", "pct", "Phần trăm", None, 9, 1],                       # 9 min > max
            ["integer", "ind", "Chỉ tiêu", None, None, None, None, "ct_x"],    # 10 unknown indicator
            ["integer", "flag", "Cờ", "maybe"],                                # 11 bad required
            ["begin group", "g1", "Nhóm 1"],                                   # 12 never closed
            ["integer", "inside", "Bên trong"],
        ],
        "choices": [["list_name", "name", "label"], ["yn", "1", "Có"]],
        "settings": [["form_title"], ["Biểu thiếu mã"]],                      # 2 no form_id
        "rules": [["name", "expression", "message"],
                  ["r1", "households >= 0", "ok"],                            # 2 fine
                  ["r2", "households +", "Lỗi cú pháp"],                      # 3 syntax error
                  ["r3", "nobody > 1", "Tên lạ"],                             # 4 unknown name
                  ["r4", "().__class__", "Tấn công"]],                        # 5 refused
    })
    with pytest.raises(XLSFormError) as caught:
        read_workbook(data)
    problems = caught.value.problems
    where = {(sheet, row) for sheet, row, _ in problems}
    assert ("settings", 2) in where
    for row in (3, 4, 5, 6, 7, 8, 9, 10, 11, 12):
        assert ("survey", row) in where, row
    for row in (3, 4, 5):
        assert ("rules", row) in where, row
    assert ("survey", 2) not in where and ("rules", 2) not in where
    text = {(s, r): m for s, r, m in problems}
    assert "form_id" in text["settings", 2]
    assert "unknown type 'number'" in text["survey", 3]
    assert "missing name" in text["survey", 4]
    assert "duplicate name households (first on row 2)" in text["survey", 5]
    assert "unknown list no_such_list" in text["survey", 6]
    assert "unknown disaggregation nope" in text["survey", 7]
    assert "min is not a number" in text["survey", 8]
    assert "greater than max" in text["survey", 9]
    assert "unknown indicator ct_x" in text["survey", 10]
    assert "required must be yes or no" in text["survey", 11]
    assert "group g1 is not closed" in text["survey", 12]
    assert "syntax error at position" in text["rules", 3]
    assert "unknown name nobody" in text["rules", 4]
    assert "attribute access" in text["rules", 5]
    assert problems == sorted(problems, key=lambda p: (["settings", "survey", "choices", "rules"].index(p[0]), p[1]))
    assert "survey row 3:" in str(caught.value)


def test_more_mistakes_on_the_extension_sheets():
    data = workbook({
        "survey": [["type", "name", "label", "disaggregation"],
                   ["text", "name_txt", "Tên", "combo_a"],                      # 2 text disaggregated
                   ["end group"],                                              # 3 end without begin
                   ["begin group", "g", "G"], ["begin group", "g2", "G2"],     # 5 nested
                   ["integer", "x", "X"], ["end group"], ["end group"],
                   ["select_multiple yn", "many", "Nhiều"]],                   # 9 unsupported
        "choices": [["list_name", "name", "label"], ["yn", "1", "Có"], ["yn", "1", "Có nữa"]],  # 3 duplicate
        "settings": [["form_id", "form_title"], ["bad id!", "T"]],             # 2 bad code
        "categories": [["category", "option", "label"], ["sex", "nam", "Nam"], ["sex", "nam", "Nam 2"]],  # 3
        "combos": [["combo", "label", "categories"], ["combo_a", "A", "sex ghost"]],  # 2 unknown category
        "schedules": [["period_type", "levels", "periods"], ["weekly", "commune"], ["yearly", None],  # 2, 3
                      ["quarterly", "commune", "1 5"], ["monthly", "commune", "một"]],  # 4, 5
    })
    with pytest.raises(XLSFormError) as caught:
        read_workbook(data)
    text = {(s, r): m for s, r, m in caught.value.problems}
    assert "not a valid code" in text["settings", 2]
    assert "only number fields can be disaggregated" in text["survey", 2]
    assert "end group without a begin group" in text["survey", 3]
    assert "groups inside groups" in text["survey", 5]
    assert "unknown type 'select_multiple yn'" in text["survey", 9]
    assert "duplicate name '1' in list yn" in text["choices", 3]
    assert "duplicate option 'nam'" in text["categories", 3]
    assert "unknown category ghost" in text["combos", 2]
    assert "unknown period_type 'weekly'" in text["schedules", 2]
    assert "no levels" in text["schedules", 3]
    assert "quarterly indexes must be 1-4, not 5" in text["schedules", 4]
    assert "periods must be numbers, not 'một'" in text["schedules", 5]


def test_not_a_workbook():
    with pytest.raises(XLSFormError) as caught:
        read_workbook(b"type,name,label\ninteger,a,A\n", filename="bieu_mau.csv")
    assert len(caught.value.problems) == 1
    sheet, row, message = caught.value.problems[0]
    assert "bieu_mau.csv" in message and "not an Excel workbook" in message

    class Upload(io.BytesIO):
        filename = "uploads/bao_cao.docx"

    with pytest.raises(XLSFormError) as caught:
        read_workbook(Upload(b"PK\x03\x04 broken zip"))
    assert len(caught.value.problems) == 1 and "bao_cao.docx" in caught.value.problems[0][2]


def test_missing_sheets():
    with pytest.raises(XLSFormError) as caught:
        read_workbook(workbook({"Sheet": [["nothing"]]}))
    assert {(s, r) for s, r, _ in caught.value.problems} == {("settings", 0), ("survey", 0)}


def test_known_codes_from_the_database():
    data = workbook({
        "survey": [["type", "name", "label", "disaggregation", "indicator"],
                   ["integer", "poor", "Hộ nghèo", "ethnic_sex", "ct_poor"]],
        "settings": [["form_id", "form_title"], ["f1", "Biểu 1"]],
        "combos": [["combo", "label", "categories"], ["local_combo", "C", "ethnic_group"]],
    })
    with pytest.raises(XLSFormError):
        read_workbook(data)
    spec = read_workbook(data, known_combos={"ethnic_sex"}, known_indicators={"ct_poor"},
                         known_categories={"ethnic_group"})
    field = spec.sections[0].fields[0]
    assert (field.combo, field.indicator) == ("ethnic_sex", "ct_poor")
    assert spec.combos == (ComboSpec("local_combo", "C", ("ethnic_group",)),)


def test_vietnamese_labels_survive_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Số hộ nghèo ở xã Hòa Bình")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    data = workbook({
        "survey": [["type", "name", "label", "hint"], ["integer", "poor", decomposed, "  Ghi rõ   "]],
        "choices": [["list_name", "name", "label"]],
        "settings": [["form_id", "form_title"], ["f1", unicodedata.normalize("NFD", "Biểu giảm nghèo")]],
    })
    spec = read_workbook(data)
    field = spec.sections[0].fields[0]
    assert field.label == "Số hộ nghèo ở xã Hòa Bình" == unicodedata.normalize("NFC", decomposed)
    assert field.help == "Ghi rõ"
    assert spec.name == "Biểu giảm nghèo"
    assert spec.sections[0].code == "main"
    again = read_workbook(write_workbook(spec))
    assert again == spec and again.sections[0].fields[0].label == "Số hộ nghèo ở xã Hòa Bình"


def test_kobotoolbox_style_workbook():
    data = workbook({
        "survey": [
            ["type", "name", "label::English (en)", "label::Vietnamese (vi)", "hint::Vietnamese (vi)",
             "required", "appearance", "$kuid", "relevant"],
            ["start", "start", None, None, None, None, None, "k1"],
            ["end", "end", None, None, None, None, None, "k2"],
            ["today", "today", None, None, None, None, None, "k3"],
            ["text", "village", "Village", "Thôn", "Tên thôn", "true", None, "k4"],
            ["begin_group", "hh", "Households", "Hộ gia đình", None, "false", None, "k5"],
            ["integer", "members", "Members", "Số nhân khẩu", None, True, None, "k6", "${village} != ''"],
            ["select_one yn", "poor", "Poor?", "Hộ nghèo?", None, "TRUE", None, "k7"],
            ["text", "remarks", "Remarks", "Nhận xét", None, None, "multiline", "k8"],
            ["acknowledge", "agree", "OK", "Đồng ý", None, None, None, "k9"],
            ["end_group", None, None, None, None, None, None, "k10"],
        ],
        "choices": [["list_name", "name", "label::English (en)", "label::Vietnamese (vi)"],
                    ["yn", "yes", "Yes", "Có"], ["yn", "no", "No", "Không"]],
        "settings": [["id_string", "form_title", "version", "default_language"],
                     ["kobo_form", "Khảo sát hộ", "vSoMeVeRsIoN", "Vietnamese (vi)"]],
    })
    spec = read_workbook(data)
    assert spec.code == "kobo_form" and spec.name == "Khảo sát hộ"
    main, hh = spec.sections
    assert (main.code, main.title) == ("main", "")
    assert main.fields == (FieldSpec("village", "Thôn", "text", required=True, help="Tên thôn"),)
    assert (hh.code, hh.title) == ("hh", "Hộ gia đình")
    assert [(f.code, f.type, f.required) for f in hh.fields] == [
        ("members", "integer", True), ("poor", "choice", True), ("remarks", "long_text", False),
        ("agree", "yes_no", False)]
    assert hh.fields[1].choices == (Choice("yes", "Có"), Choice("no", "Không"))


def test_label_vi_without_default_language_and_plain_label_wins():
    data = workbook({
        "survey": [["type", "name", "label::en", "label::vi"], ["integer", "n", "Number", "Số lượng"]],
        "settings": [["form_id"], ["f"]],
    })
    spec = read_workbook(data)
    assert spec.sections[0].fields[0].label == "Số lượng"
    assert spec.name == "f"  # no form_title: the form_id, as pyxform does
    data = workbook({
        "survey": [["type", "name", "label::vi", "label"], ["integer", "n", "Số lượng", "Số"]],
        "settings": [["form_id"], ["f"]],
    })
    assert read_workbook(data).sections[0].fields[0].label == "Số"
