"""Plugin for Quảng Ngãi's provincial reporting information system, per Decision 239/QĐ-UBND
of 1 December 2025 (Quy chế quản lý, vận hành và sử dụng, khai thác Hệ thống thông tin báo cáo).

What each article asks of the software, and which hook answers it:

* Điều 2 khoản 1, Điều 3 (H1): sở, ban, ngành and Ủy ban nhân dân các xã, phường, đặc khu under the
  province — core's default two-level hierarchy (``core.defaults.hierarchy``) already matches it.
* Điều 5 khoản 1 (S10): Vietnamese interface — core's default locale ``vi``.
* Điều 6 khoản 3–5 (A8, A15): accounts created, changed, revoked by Văn phòng UBND tỉnh — core's
  account screens and ``baocao accounts issue``; the regulation sets no password rule, so core's
  default policy (``core.defaults.password``) applies.
* Điều 7 khoản 1 (F7, F8): forms assigned automatically per data period — ``register_forms``
  schedules below; cascading to sub-units is core's request screen.
* Điều 7 khoản 2 điểm c, Điều 9 khoản 1 (W3): signed before sending — ``workflow_guards``.
* Điều 7 khoản 3 (W2): the requesting body (the province tier, Văn phòng UBND tỉnh) approves or
  returns — core's default ``approval_chain`` (the parent unit's tier) already matches it.
* Điều 8 khoản 1–2 (W4, W5): recall before approval; correction request after it — core workflow.
* Điều 9 khoản 3, Điều 13 (R3): the province's approved report goes on to the Government's system —
  core's default ``after_transition`` (``core.defaults.exchange``, ``NATIONAL_ENDPOINT``).
* Điều 9 khoản 4 (W7): backfill after an outage — core ``/backfill/`` and its API.
* Điều 10 (F1, F5): periodic regimes (``register_forms``); periods dated by Nghị định 09/2019/NĐ-CP,
  which the Quy chế cites — core's default ``period_rules`` already matches it.
* Điều 11 khoản 2–4 (R2, H5): charts and data within each unit's scope — core dashboard and scope.
* Điều 14 khoản 1, Điều 21 khoản 3–4 (S2): periodic backups — core's default ``backup_schedule``
  (twice per working week) and weekly restore test.
* Điều 14 khoản 5, Điều 17 khoản 4 (S9): where to report incidents — ``support_contacts``.
* Điều 14 khoản 6 (S3): upgrades announced 24 hours ahead — ``maintenance_lead_time``.
* Điều 17 khoản 7, Điều 19 khoản 1 (R10): usage reports by the units every 6 months and every year
  (form QN-BC02) and by the operator to the province (core's yearly usage job).
"""
from core import hookimpl
from core.contracts import (Contact, Feature, FieldSpec, FormSpec, PluginInfo, RuleSpec, ScheduleSpec, SectionSpec,
                            UnitSpec)

_QUY_CHE = "Quy chế ban hành kèm theo Quyết định 239/QĐ-UBND"

PLUGIN_INFO = PluginInfo(
    name="quang_ngai_baocao",
    province_code="51",
    title="Hệ thống thông tin báo cáo của tỉnh Quảng Ngãi",
    version="0.2.0",
    description=(
        "Hệ thống thu thập, tổng hợp, phân tích số liệu báo cáo phục vụ chỉ đạo, điều hành của Ủy ban "
        "nhân dân tỉnh, Chủ tịch Ủy ban nhân dân tỉnh và gửi liên thông tới Hệ thống thông tin báo cáo "
        "Chính phủ. Ủy ban nhân dân tỉnh là cơ quan chủ quản, Văn phòng Ủy ban nhân dân tỉnh quản lý, "
        "vận hành. Các sở, ban, ngành và Ủy ban nhân dân các xã, phường, đặc khu thực hiện báo cáo."
    ),
    regulation="Quyết định số 239/QĐ-UBND ngày 01 tháng 12 năm 2025",
    issuer="Ủy ban nhân dân tỉnh Quảng Ngãi",
)


@hookimpl
def support_contacts():
    """Điều 3 khoản 4, Điều 14 khoản 5, Điều 17 khoản 4, Điều 18 khoản 1 (S9)."""
    return [
        Contact(
            organisation="Văn phòng Ủy ban nhân dân tỉnh Quảng Ngãi",
            role=("Cơ quan quản lý, vận hành Hệ thống; tạo, thu hồi, thay đổi tài khoản; tiếp nhận thông tin "
                  "phản ánh, báo cáo sự cố mất an toàn thông tin và hỗ trợ xử lý sự cố"),
            note=f"Điều 3 khoản 4; Điều 6, Điều 14 khoản 5, Điều 17 khoản 4, {_QUY_CHE}",
        ),
        Contact(
            organisation="Công an tỉnh Quảng Ngãi",
            role=("Phối hợp với Văn phòng Ủy ban nhân dân tỉnh thực hiện các giải pháp kỹ thuật bảo đảm "
                  "an toàn, an ninh thông tin cho Hệ thống"),
            note=f"Điều 18 khoản 1, {_QUY_CHE}",
        ),
    ]


_ALL = ("province", "commune")


def _monthly_socio_economic() -> FormSpec:
    """Điều 9 khoản 3, Điều 10 khoản 2 điểm a: chỉ tiêu kinh tế - xã hội hằng tháng của sở, ngành, xã."""
    return FormSpec(
        code="QN-BC01", name="Báo cáo tình hình thực hiện nhiệm vụ kinh tế - xã hội hằng tháng",
        sector="tong_hop",
        description="Điều 9 khoản 3, Điều 10 khoản 2 điểm a, " + _QUY_CHE,
        sections=(
            SectionSpec("budget", "Thu, chi ngân sách", (
                FieldSpec("revenue", "Thu ngân sách trên địa bàn", type="decimal", required=True, min=0,
                          unit_of_measure="triệu đồng"),
                FieldSpec("revenue_plan", "Dự toán thu cả năm", type="decimal", min=0, unit_of_measure="triệu đồng"),
                FieldSpec("spending", "Chi ngân sách", type="decimal", min=0, unit_of_measure="triệu đồng"),
            )),
            SectionSpec("society", "Văn hóa - xã hội", (
                FieldSpec("jobs_created", "Số lao động được giải quyết việc làm", min=0, unit_of_measure="người"),
                FieldSpec("poverty_rate", "Tỷ lệ hộ nghèo", type="percent", min=0, max=100, unit_of_measure="%"),
                FieldSpec("summary", "Đánh giá chung, khó khăn, kiến nghị", type="long_text", required=True),
                FieldSpec("signed_scan", "Bản scan báo cáo có chữ ký, đóng dấu", type="file"),
            )),
        ),
        rules=(RuleSpec("revenue_within_plan", "revenue_plan == 0 or revenue <= revenue_plan * 2",
                        "Thu ngân sách vượt quá hai lần dự toán: kiểm tra lại số liệu."),),
        schedules=(ScheduleSpec("monthly", _ALL),),
    )


def _usage_report() -> FormSpec:
    """Điều 19 khoản 1: báo cáo định kỳ 6 tháng, năm về tình hình sử dụng, khai thác Hệ thống."""
    return FormSpec(
        code="QN-BC02", name="Báo cáo tình hình sử dụng, khai thác Hệ thống thông tin báo cáo",
        sector="tong_hop",
        description="Điều 19 khoản 1, " + _QUY_CHE,
        sections=(
            SectionSpec("accounts", "Tài khoản và người sử dụng", (
                FieldSpec("accounts", "Số tài khoản được cấp", required=True, min=0, unit_of_measure="tài khoản"),
                FieldSpec("accounts_changed", "Số tài khoản đề nghị thay đổi, thu hồi trong kỳ", min=0,
                          unit_of_measure="tài khoản"),
                FieldSpec("trained", "Số lượt cán bộ, công chức được tập huấn", min=0, unit_of_measure="lượt người",
                          help="Điều 19 khoản 7: tập huấn nội bộ định kỳ."),
            )),
            SectionSpec("reports", "Thực hiện chế độ báo cáo", (
                FieldSpec("reports_due", "Số báo cáo phải thực hiện trong kỳ", required=True, min=0,
                          unit_of_measure="báo cáo"),
                FieldSpec("reports_sent", "Số báo cáo đã gửi trên Hệ thống", required=True, min=0,
                          unit_of_measure="báo cáo"),
                FieldSpec("reports_on_time", "Số báo cáo gửi đúng hạn", min=0, unit_of_measure="báo cáo"),
                FieldSpec("incidents", "Số sự cố, lỗi phát sinh đã phản ánh", min=0, unit_of_measure="sự cố",
                          help="Điều 19 khoản 6, Điều 20 khoản 4."),
                FieldSpec("issues", "Vướng mắc, bất cập và đề xuất hoàn thiện Hệ thống", type="long_text"),
            )),
        ),
        rules=(
            RuleSpec("sent_within_due", "reports_sent <= reports_due",
                     "Số báo cáo đã gửi không được lớn hơn số báo cáo phải thực hiện."),
            RuleSpec("on_time_within_sent", "reports_on_time <= reports_sent",
                     "Số báo cáo gửi đúng hạn không được lớn hơn số báo cáo đã gửi."),
        ),
        schedules=(ScheduleSpec("six_monthly", _ALL), ScheduleSpec("yearly", _ALL)),
    )


@hookimpl
def agency_units():
    """Điều 2: các sở, ban, ngành thực hiện báo cáo trên Hệ thống (not in vietnam-provinces)."""
    return [
        UnitSpec("STC", "Sở Tài chính", sector="tai_chinh"),
        UnitSpec("SNV", "Sở Nội vụ", sector="noi_vu"),
        UnitSpec("SYT", "Sở Y tế", sector="y_te"),
        UnitSpec("SGDDT", "Sở Giáo dục và Đào tạo", sector="giao_duc"),
        UnitSpec("SNN", "Sở Nông nghiệp và Môi trường", sector="nong_nghiep"),
    ]


@hookimpl
def register_forms():
    """Điều 10 khoản 1–2 (F1, F5): các chế độ báo cáo định kỳ được cấu hình trên Hệ thống."""
    return [_monthly_socio_economic(), _usage_report()]


@hookimpl
def aggregation_rules(form):
    """Điều 4 khoản 4 (H2): tỷ lệ được tính bình quân khi tổng hợp, không cộng dồn."""
    if form.code == "QN-BC01":
        return {"poverty_rate": "avg"}
    return {}


@hookimpl
def workflow_guards(report, action, actor):
    """W3 (Điều 7 khoản 2 điểm c, Điều 9 khoản 1): báo cáo được ký số trước khi gửi."""
    from core.reporting.attachments import signature_guard

    return signature_guard(report, action)


@hookimpl
def maintenance_lead_time():
    """Điều 14 khoản 6: thông báo cho các đơn vị trước 24 giờ khi bảo trì, nâng cấp hệ thống."""
    return 24


#: Parts another province may switch on alone, on top of its own plugin (Plugins screen).
FEATURES = {
    "digital_signature": Feature("Ký số báo cáo trước khi gửi", ("workflow_guards",),
                                 "Điều 7 khoản 2 điểm c, Điều 9 khoản 1: báo cáo kèm tệp PDF đã ký số hợp lệ."),
}
