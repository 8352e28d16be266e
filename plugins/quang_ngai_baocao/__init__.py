"""Plugin for Quảng Ngãi's provincial reporting information system, per Decision 239/QĐ-UBND
of 1 December 2025.

Later issues add the unit hierarchy, report templates, periods, approval chain, etc. through hooks.
"""
from core import hookimpl
from core.contracts import Contact, FieldSpec, FormSpec, PluginInfo, RuleSpec, ScheduleSpec, SectionSpec

_QUY_CHE = "Quy chế ban hành kèm theo Quyết định 239/QĐ-UBND"

PLUGIN_INFO = PluginInfo(
    name="quang_ngai_baocao",
    province_code="51",
    title="Hệ thống thông tin báo cáo của tỉnh Quảng Ngãi",
    version="0.1.0",
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


@hookimpl
def register_forms():
    """Điều 10: chế độ báo cáo định kỳ; biểu tổng hợp tình hình kinh tế - xã hội hằng tháng."""
    return [FormSpec(
        code="QN-BC01", name="Báo cáo tình hình thực hiện nhiệm vụ kinh tế - xã hội hằng tháng",
        sector="tong_hop",
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
        schedules=(ScheduleSpec("monthly", ("province", "commune")),),
    )]


@hookimpl
def workflow_guards(report, action, actor):
    """W3 (Điều 7 khoản 2 điểm c, Điều 9 khoản 1): báo cáo được ký số trước khi gửi."""
    from core.attachments import signature_guard

    return signature_guard(report, action)


@hookimpl
def maintenance_lead_time():
    """Điều 14 khoản 6: thông báo cho các đơn vị trước 24 giờ khi bảo trì, nâng cấp hệ thống."""
    return 24
