"""Plugin for Đồng Nai's ethnic-affairs data system (csdldantoc), per Decision 2034/QĐ-UBND
of 22 August 2023.

Later issues add the unit hierarchy, forms, reporting periods, approval chain, etc. through hooks.
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


@hookimpl
def register_forms():
    """Điều 8: các cơ quan, đơn vị cập nhật dữ liệu về công tác dân tộc theo biểu mẫu."""
    from core.catalogues import ethnic_population_form

    return [ethnic_population_form("DN-DT01", "Biểu DT01: Hộ, nhân khẩu, hộ nghèo theo dân tộc (Đồng Nai)",
                                   (ScheduleSpec("yearly", ("commune",)),))]


@hookimpl
def workflow_guards(report, action, actor):
    """W1 (Điều 8 khoản 1–2): gửi báo cáo kèm bản scan biểu mẫu đã ký, đóng dấu."""
    from core.attachments import scan_guard

    return scan_guard(report, action)


#: The province's report template (Word), as it distributes its forms; made with
#: ``python -m core.exports.default_docx plugins/dong_nai/templates/bao_cao.docx`` and the issuer line.
TEMPLATE = Path(__file__).resolve().parent / "templates" / "bao_cao.docx"


@hookimpl
def export_template(form):
    """Đồng Nai's forms go out on the province's letterhead (UBND TỈNH ĐỒNG NAI above the unit)."""
    return str(TEMPLATE)

