"""Plugin for Đồng Nai's ethnic-affairs data system (csdldantoc), per Decision 2034/QĐ-UBND
of 22 August 2023 (Quy chế quản lý, vận hành, khai thác Hệ thống thông tin dữ liệu công tác dân tộc).

What each article asks, and where it is met:

* Điều 5 (H1–H5): ``hierarchy_levels`` — Ban Dân tộc tỉnh; sở, ban, ngành and huyện, thành phố; xã.
  Đ6.2a issues accounts to the board, departments and districts; communes get one too when the
  board needs their data ("tùy theo yêu cầu báo cáo số liệu", Đ2.3 counts "phạm vi từng xã").
* Điều 6 khoản 1, Điều 8 khoản 4 (F1): ``register_forms`` — DN-DT01 (communes, yearly) and DN-CS01
  (sở, ban, ngành and huyện, yearly); the board edits or adds forms in core's form designer.
* Điều 6 khoản 2 điểm b (A3), khoản 5–7 (A5–A7): core's accounts already match (forced change at
  first login, reset, handover, close-not-delete); the password policy is core's default (10 chars,
  four classes, 180 days): the Quy chế names no rule of its own.
* Điều 7 (S9): ``support_contacts`` — Ban Dân tộc tỉnh (the numbers of Điều 7 khoản 1) and Sở TT&TT.
* Điều 8 khoản 1–2 (W1): ``workflow_guards`` — a printed, signed and stamped scan before "gửi".
* Điều 8 khoản 3 (W2): core's default approval chain matches: the managing unit (the parent) checks,
  approves or returns.
* Phụ lục "Biểu mẫu … định dạng file word" (R1): ``export_template`` — the province's Word template.
* Reporting periods: core's national rule (Nghị định 09/2019/NĐ-CP, cited by the Decision) — the
  Quy chế names no dates. Backups and maintenance notices: core's defaults (twice per working week,
  24 hours' notice); the Quy chế is silent on both.
* Điều 5 khoản 2 (H3): ``agency_units`` gives each sở, ngành its sector; core's sector verification
  (*Xác thực dữ liệu theo ngành*) lets it verify its sector's approved data in every huyện.
* Điều 6 khoản 6–7 (A9): core's account requests (the unit's letter, the board's approval and action).
* Not software: Điều 9 (Nghị định 85/2016 security level), Điều 10 khoản 1 điểm a (24/7 operation),
  Tổ công tác, budgets (Điều 4 khoản 4, Điều 10 khoản 3).
"""
from pathlib import Path

from core import hookimpl
from core.contracts import Contact, Level, PluginInfo, ScheduleSpec

_QUY_CHE = "Quy chế ban hành kèm theo Quyết định 2034/QĐ-UBND"

PLUGIN_INFO = PluginInfo(
    name="dong_nai",
    province_code="75",
    title="Hệ thống thông tin dữ liệu công tác dân tộc tỉnh Đồng Nai",
    version="0.1.0",
    description=(
        "Phần mềm hỗ trợ các cơ quan, đơn vị cập nhật, theo dõi, báo cáo, kết xuất và tổng hợp dữ liệu "
        "về công tác dân tộc trên địa bàn tỉnh Đồng Nai. Ban Dân tộc tỉnh vận hành, duy trì phần mềm và "
        "quản lý thống nhất các tài khoản; cơ sở dữ liệu đặt tại Trung tâm tích hợp dữ liệu tỉnh. "
        "Mô hình ba cấp: Ban Dân tộc tỉnh; các sở, ban, ngành; các huyện, thành phố."
    ),
    regulation="Quyết định số 2034/QĐ-UBND ngày 22 tháng 8 năm 2023",
    issuer="Ủy ban nhân dân tỉnh Đồng Nai",
)


@hookimpl
def support_contacts():
    return [
        Contact(
            organisation="Ban Dân tộc tỉnh Đồng Nai",
            role=("Vận hành, duy trì phần mềm; cấp và quản lý tài khoản; tiếp nhận, hướng dẫn xử lý sự cố "
                  "truy cập, sự cố khác và yêu cầu sửa đổi, bổ sung tính năng nhỏ"),
            address=("Tòa nhà Lưu trữ tỉnh, số 4/22/10A, đường Nguyễn Du, khu phố 4, phường Quang Vinh, "
                     "Biên Hòa, Đồng Nai"),
            phone="02513.843.836",
            email="bdt@dongnai.gov.vn",
            note=f"Điều 7 khoản 1; Điều 4, Điều 6, Điều 10 khoản 1, {_QUY_CHE}",
        ),
        Contact(
            organisation="Sở Thông tin và Truyền thông tỉnh Đồng Nai",
            role=("Hỗ trợ Ban Dân tộc tỉnh bảo đảm an toàn, an ninh thông tin; tháo gỡ khó khăn, vướng mắc "
                  "về chuyên môn trong quá trình vận hành phần mềm"),
            note=f"Điều 10 khoản 2, {_QUY_CHE}",
        ),
    ]


@hookimpl
def hierarchy_levels():
    """Điều 5: three tiers — the board; departments and districts; communes."""
    return [
        Level(code="province", name="Ban Dân tộc tỉnh", kinds=("board",)),
        Level(code="district", name="Sở, ban, ngành và cấp huyện", kinds=("department", "district"),
              reviewed_by="province"),
        Level(code="commune", name="Cấp xã", kinds=("commune",), reviewed_by="district"),
    ]


def _policy_form():
    """Điều 5 khoản 2–3: sở, ban, ngành and huyện report the ethnic policies of their sector or district."""
    from core.contracts import FieldSpec, FormSpec, RuleSpec, SectionSpec

    return FormSpec(
        code="DN-CS01", name="Biểu CS01: Kết quả thực hiện chính sách dân tộc (Đồng Nai)", sector="dan_toc",
        description=("Sở, ban, ngành và UBND huyện, thành phố báo cáo kết quả thực hiện các chính sách dân tộc "
                     "trong phạm vi ngành, địa bàn quản lý (Điều 5 khoản 2, khoản 3 Quy chế 2034/QĐ-UBND)."),
        sections=(
            SectionSpec("beneficiaries", "Đối tượng thụ hưởng", (
                FieldSpec("policies", "Số chính sách dân tộc đang thực hiện", required=True, min=0,
                          unit_of_measure="chính sách"),
                FieldSpec("beneficiary_households", "Số hộ đồng bào dân tộc thiểu số được hỗ trợ", required=True,
                          min=0, unit_of_measure="hộ"),
                FieldSpec("beneficiary_people", "Số người dân tộc thiểu số được hỗ trợ", min=0,
                          unit_of_measure="người"),
            )),
            SectionSpec("funding", "Kinh phí", (
                FieldSpec("funds_planned", "Kinh phí được giao", type="decimal", min=0, unit_of_measure="triệu đồng"),
                FieldSpec("funds_spent", "Kinh phí đã giải ngân", type="decimal", min=0,
                          unit_of_measure="triệu đồng"),
                FieldSpec("difficulties", "Khó khăn, vướng mắc và kiến nghị", type="long_text"),
            )),
        ),
        rules=(
            RuleSpec("spent_within_planned", "funds_spent <= funds_planned",
                     "Kinh phí đã giải ngân không được lớn hơn kinh phí được giao."),
            RuleSpec("people_cover_households", "beneficiary_people >= beneficiary_households",
                     "Số người được hỗ trợ không được nhỏ hơn số hộ được hỗ trợ."),
        ),
        schedules=(ScheduleSpec("yearly", ("district",)),),
    )


@hookimpl
def agency_units():
    """Điều 5 khoản 2: các sở, ban, ngành cập nhật và xác thực dữ liệu của ngành (not in vietnam-provinces)."""
    from core.forms.catalogues import sector_departments

    return sector_departments("DN", "tỉnh Đồng Nai")


@hookimpl
def register_forms():
    """Điều 6 khoản 1, Điều 8 khoản 1 và 4: các cơ quan, đơn vị cập nhật dữ liệu theo biểu mẫu, kỳ báo cáo
    thiết kế sẵn — DT01 from the communes, CS01 from the sở, ban, ngành and huyện, thành phố, every year."""
    from core.forms.catalogues import ethnic_population_form

    return [ethnic_population_form(
                "DN-DT01", "Biểu DT01: Hộ, nhân khẩu, hộ nghèo theo dân tộc (Đồng Nai)",
                (ScheduleSpec("yearly", ("commune",)),)),
            _policy_form()]


@hookimpl
def workflow_guards(report, action, actor):
    """W1 (Điều 8 khoản 1–2): gửi báo cáo kèm bản scan biểu mẫu đã ký, đóng dấu."""
    from core.reporting.attachments import scan_guard

    return scan_guard(report, action)


#: The province's report template (Word), as it distributes its forms; made with
#: ``python -m core.analytics.exports.default_docx plugins/dong_nai/templates/bao_cao.docx`` and the issuer line.
TEMPLATE = Path(__file__).resolve().parent / "templates" / "bao_cao.docx"


@hookimpl
def export_template(form):
    """Đồng Nai's forms go out on the province's letterhead (UBND TỈNH ĐỒNG NAI above the unit)."""
    return str(TEMPLATE)


#: The structure this plugin runs: the pre-2025 tree, with districts (its hierarchy has a district tier, so
#: ``baocao units import --province`` loads the 2020 units).
STRUCTURE = "2020"


@hookimpl
def reorganisations():
    """Tỉnh Đồng Nai runs the 2020 tree and is offered the 1 July 2025 move from the national transition table."""
    from core.hierarchy.reorganisation.from_transition import offer

    return [offer("75", runs=STRUCTURE)]

