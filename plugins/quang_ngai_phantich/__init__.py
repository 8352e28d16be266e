"""Plugin for Quảng Ngãi's central data aggregation and analysis platform, per Decision 1415/QĐ-UBND
of 13 November 2024 (Quy chế quản lý, vận hành và khai thác Nền tảng tổng hợp, phân tích dữ liệu
tập trung tỉnh Quảng Ngãi).

What each article asks of the software, and which hook or core part answers it:

* Điều 2 (H1): the agencies that use it (văn phòng, sở, ban, ngành, Cục Thuế, Kho bạc) sit at the
  province tier, the communes whose statistics it takes in below — core's default two-level
  hierarchy (``core.defaults.hierarchy``) already matches it.
* Điều 4 khoản 2–3, Điều 5 khoản 2 (A13): the system administrator of Sở Thông tin và Truyền thông;
  each agency's administrator (role ``UnitAdmin``) sets up its own users and their rights — core
  roles and scope; the regulation sets no password rule, so core's default policy applies.
* Điều 4 khoản 4, Điều 5 khoản 3 (R7, R8): users create new data by running analysis scenarios
  over the data they provide or are shared, and download what they may see — core ``/analysis/``.
* Điều 5 khoản 1, khoản 5, Điều 9 khoản 4 (R6): intake services over an API, configured by the
  system administrator — core ``/exchange/intake/`` and ``POST /api/v1/exchange/datavaluesets``.
* Điều 5 khoản 4 (R9, F2): the catalogue of statistical indicators that may be taken in —
  ``register_forms`` (indicators with definition, method and unit of measure).
* Điều 6, Điều 8 khoản 4 (S9): where to report incidents — ``support_contacts``.
* Điều 7 khoản 1, Điều 9 khoản 2 (S2): backup copies — core's default ``backup_schedule``.
* Điều 7 khoản 3 (H4): Sở TT&TT urges agencies to update their data — core completeness and urge.
* Điều 7 khoản 5 (R10): yearly report before 31 December — core's yearly usage job (15/12).
* Điều 8 khoản 1–2: each agency reports yearly on the data it provides (form QN-PT02); the operator
  at the province tier approves — core's default ``approval_chain`` (the parent unit's tier) matches.
* Điều 9 khoản 2: maintenance announced before it starts — the regulation names no lead time, so
  core's default ``maintenance_lead_time`` (24 hours) applies.
* Điều 9 khoản 3 (R10): the platform's monthly status report — ``scheduled_jobs``.
"""
from core import hookimpl
from core.contracts import (Contact, FieldSpec, FormSpec, IndicatorSpec, PluginInfo, RuleSpec, ScheduledJob,
                            ScheduleSpec, SectionSpec, UnitSpec)

_QUY_CHE = "Quy chế ban hành kèm theo Quyết định 1415/QĐ-UBND"

PLUGIN_INFO = PluginInfo(
    name="quang_ngai_phantich",
    province_code="51",
    title="Nền tảng tổng hợp, phân tích dữ liệu tập trung tỉnh Quảng Ngãi",
    version="0.2.0",
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
    """Điều 4 khoản 2, Điều 6, Điều 8 khoản 4 (S9)."""
    return [
        Contact(
            organisation="Sở Thông tin và Truyền thông tỉnh Quảng Ngãi",
            role=("Quản lý, vận hành Hệ thống, quản trị tài khoản và phân quyền; tiếp nhận phản hồi trực tiếp "
                  "hoặc bằng văn bản khi gặp sự cố, cần hỗ trợ; bảo đảm an toàn, an ninh thông tin"),
            note=f"Điều 4 khoản 2; Điều 6, Điều 7, Điều 8 khoản 4, {_QUY_CHE}",
        ),
    ]


_INDICATORS = (
    IndicatorSpec("QN_DAN_SO", "Dân số trung bình", "Dân số bình quân của kỳ báo cáo.",
                  "Bình quân số dân đầu kỳ và cuối kỳ.", "người", "thong_ke"),
    IndicatorSpec("QN_SINH", "Số trẻ sinh ra trong kỳ", "Số trẻ em sinh ra sống trong kỳ báo cáo.",
                  "Đếm số trẻ được đăng ký khai sinh, sinh trong kỳ.", "người", "thong_ke"),
    IndicatorSpec("QN_DT_LUA", "Diện tích gieo trồng lúa", "Diện tích đất gieo trồng lúa trong kỳ.",
                  "Cộng diện tích các vụ trong kỳ.", "ha", "nong_nghiep"),
    IndicatorSpec("QN_SL_LUA", "Sản lượng lúa", "Sản lượng lúa thu hoạch trong kỳ.",
                  "Cộng sản lượng các vụ đã thu hoạch trong kỳ.", "tấn", "nong_nghiep"),
)


def _commune_statistics() -> FormSpec:
    """Điều 5 khoản 4 (R9): chỉ tiêu thống kê thuộc danh mục được thu nhận, tổng hợp, phân tích."""
    return FormSpec(
        code="QN-PT01", name="Chỉ tiêu thống kê chủ yếu cấp xã (quý)", sector="thong_ke",
        description="Điều 5 khoản 4, " + _QUY_CHE,
        sections=(
            SectionSpec("population", "Dân số", (
                FieldSpec("population", "Dân số trung bình", required=True, min=0, unit_of_measure="người",
                          indicator="QN_DAN_SO"),
                FieldSpec("births", "Số trẻ sinh ra trong kỳ", min=0, unit_of_measure="người", indicator="QN_SINH"),
                FieldSpec("deaths", "Số người chết trong kỳ", min=0, unit_of_measure="người"),
            )),
            SectionSpec("agriculture", "Nông nghiệp", (
                FieldSpec("rice_area", "Diện tích gieo trồng lúa", type="decimal", min=0, unit_of_measure="ha",
                          indicator="QN_DT_LUA"),
                FieldSpec("rice_output", "Sản lượng lúa", type="decimal", min=0, unit_of_measure="tấn",
                          indicator="QN_SL_LUA"),
            )),
        ),
        rules=(
            RuleSpec("deaths_within_population", "deaths <= population", "Số người chết không được lớn hơn dân số."),
            RuleSpec("yield_plausible", "rice_area == 0 or rice_output <= rice_area * 15",
                     "Năng suất lúa vượt 15 tấn/ha: kiểm tra lại diện tích hoặc sản lượng."),
        ),
        indicators=_INDICATORS,
        schedules=(ScheduleSpec("quarterly", ("commune",)),),
    )


def _data_supply_report() -> FormSpec:
    """Điều 8 khoản 1–2, Điều 7 khoản 5: tình hình cung cấp, chia sẻ, sử dụng dữ liệu của cơ quan."""
    return FormSpec(
        code="QN-PT02", name="Báo cáo tình hình cung cấp, chia sẻ và khai thác dữ liệu trên Nền tảng",
        sector="cong_nghe_thong_tin",
        description="Điều 7 khoản 5, Điều 8 khoản 1–2, " + _QUY_CHE,
        sections=(
            SectionSpec("supply", "Cung cấp dữ liệu", (
                FieldSpec("datasets_planned", "Số nhóm dữ liệu trong kế hoạch cung cấp", required=True, min=0,
                          unit_of_measure="nhóm dữ liệu", help="Điều 8 khoản 1: kế hoạch, lộ trình cung cấp dữ liệu."),
                FieldSpec("datasets_provided", "Số nhóm dữ liệu đã cung cấp lên Nền tảng", required=True, min=0,
                          unit_of_measure="nhóm dữ liệu"),
                FieldSpec("api_services", "Số dịch vụ thu nhận dữ liệu qua API đang hoạt động", min=0,
                          unit_of_measure="dịch vụ", help="Điều 5 khoản 1, khoản 5."),
            )),
            SectionSpec("use", "Khai thác dữ liệu", (
                FieldSpec("users", "Số người sử dụng được phân quyền khai thác", min=0, unit_of_measure="người"),
                FieldSpec("scenarios", "Số kịch bản tổng hợp, phân tích đã thiết lập", min=0,
                          unit_of_measure="kịch bản", help="Điều 5 khoản 2."),
                FieldSpec("proposals", "Đề xuất bổ sung Danh mục cơ sở dữ liệu dùng chung", type="long_text",
                          help="Điều 8 khoản 5."),
            )),
        ),
        rules=(RuleSpec("provided_within_plan", "datasets_provided <= datasets_planned",
                        "Số nhóm dữ liệu đã cung cấp không được lớn hơn số nhóm trong kế hoạch."),),
        schedules=(ScheduleSpec("yearly", ("province",)),),
    )


@hookimpl
def agency_units():
    """Điều 2: văn phòng, sở, ban, ngành và cơ quan Trung ương đóng trên địa bàn tham gia khai thác ở cấp tỉnh."""
    return [
        UnitSpec("VPUB", "Văn phòng Ủy ban nhân dân tỉnh", sector="tong_hop"),
        UnitSpec("STC", "Sở Tài chính", sector="tai_chinh"),
        UnitSpec("SNN", "Sở Nông nghiệp và Môi trường", sector="nong_nghiep"),
        UnitSpec("CT", "Thuế tỉnh Quảng Ngãi", sector="thue"),
    ]


@hookimpl
def register_forms():
    """Điều 5 khoản 4, Điều 8 khoản 1–2: danh mục chỉ tiêu được thu nhận; báo cáo cung cấp dữ liệu hằng năm."""
    return [_commune_statistics(), _data_supply_report()]


@hookimpl
def scheduled_jobs():
    """Điều 9 khoản 3 (R10): tổng hợp báo cáo tình hình hoạt động của Hệ thống định kỳ hằng tháng."""
    return [ScheduledJob(
        name="quang_ngai_phantich.monthly_status", cron="0 6 1 * *",
        func="plugins.quang_ngai_phantich.jobs:monthly_report",
        description="Điều 9 khoản 3: báo cáo tình hình hoạt động tháng trước (instance/reports/usage-<YYYYMM>.xlsx).",
    )]
