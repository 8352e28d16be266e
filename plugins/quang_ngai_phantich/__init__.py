"""Plugin for Quảng Ngãi's central data aggregation and analysis platform, per Decision 1415/QĐ-UBND
of 13 November 2024.

Later issues add agencies, data intake, analysis scenarios, permissions, etc. through hooks.
"""
from core import hookimpl
from core.contracts import Contact, FieldSpec, FormSpec, IndicatorSpec, PluginInfo, RuleSpec, ScheduleSpec, SectionSpec

_QUY_CHE = "Quy chế ban hành kèm theo Quyết định 1415/QĐ-UBND"

PLUGIN_INFO = PluginInfo(
    name="quang_ngai_phantich",
    province_code="51",
    title="Nền tảng tổng hợp, phân tích dữ liệu tập trung tỉnh Quảng Ngãi",
    version="0.1.0",
    description=(
        "Nền tảng cài đặt tại Trung tâm dữ liệu tỉnh, thu nhận dữ liệu dùng chung qua API để các cơ quan "
        "tổng hợp, phân tích và tạo lập dữ liệu mới phục vụ thực thi công vụ. Sở Thông tin và Truyền thông "
        "quản lý, vận hành và cử quản trị hệ thống. Mỗi cơ quan tham gia khai thác cấp tỉnh có quản trị "
        "cơ quan và người sử dụng."
    ),
    regulation="Quyết định số 1415/QĐ-UBND ngày 13 tháng 11 năm 2024",
    issuer="Chủ tịch Ủy ban nhân dân tỉnh Quảng Ngãi",
)


@hookimpl
def support_contacts():
    return [
        Contact(
            organisation="Sở Thông tin và Truyền thông tỉnh Quảng Ngãi",
            role=("Quản lý, vận hành Hệ thống, quản trị tài khoản và phân quyền; tiếp nhận phản hồi trực tiếp "
                  "hoặc bằng văn bản khi gặp sự cố, cần hỗ trợ; bảo đảm an toàn, an ninh thông tin"),
            note=f"Điều 4 khoản 2; Điều 6, Điều 7, Điều 8 khoản 4, {_QUY_CHE}",
        ),
    ]


@hookimpl
def register_forms():
    """Điều 5 khoản 4: danh mục chỉ tiêu thống kê được khai thác, tổng hợp, phân tích."""
    return [FormSpec(
        code="QN-PT01", name="Chỉ tiêu thống kê chủ yếu cấp xã (quý)", sector="thong_ke",
        sections=(SectionSpec("population", "Dân số", (
            FieldSpec("population", "Dân số trung bình", required=True, min=0, unit_of_measure="người",
                      indicator="QN_DAN_SO"),
            FieldSpec("births", "Số trẻ sinh ra trong kỳ", min=0, unit_of_measure="người"),
            FieldSpec("deaths", "Số người chết trong kỳ", min=0, unit_of_measure="người"),
            FieldSpec("rice_area", "Diện tích gieo trồng lúa", type="decimal", min=0, unit_of_measure="ha",
                      indicator="QN_DT_LUA"),
        )),),
        rules=(RuleSpec("deaths_within_population", "deaths <= population",
                        "Số người chết không được lớn hơn dân số."),),
        indicators=(
            IndicatorSpec("QN_DAN_SO", "Dân số trung bình", "Dân số bình quân của kỳ báo cáo.",
                          "Bình quân số dân đầu kỳ và cuối kỳ.", "người", "thong_ke"),
            IndicatorSpec("QN_DT_LUA", "Diện tích gieo trồng lúa", "Diện tích đất gieo trồng lúa trong kỳ.",
                          "Cộng diện tích các vụ trong kỳ.", "ha", "nong_nghiep"),
        ),
        schedules=(ScheduleSpec("quarterly", ("commune",)),),
    )]
