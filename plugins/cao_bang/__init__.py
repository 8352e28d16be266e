"""Plugin for Cao Bằng's four-tier ethnic-affairs database software, per Decision 09/2022/QĐ-UBND
of 12 April 2022 (Quy chế quản lý, sử dụng và khai thác phần mềm hệ thống thông tin cơ sở dữ liệu về
công tác dân tộc).

What each article asks, and where it is met:

* Điều 5 khoản 1 (S2): ``backup_schedule`` — twice per working week (Tuesday, Friday 02:00); core's
  weekly restore test covers "định kỳ kiểm tra và phục hồi thử".
* Điều 6 (H1–H5): ``hierarchy_levels`` — "mô hình bốn cấp": Ban Dân tộc; sở, ban, ngành; huyện,
  thành phố; xã, phường, thị trấn — four kinds of unit on three review tiers.
* Điều 6 khoản 3, Điều 9 khoản 3 (W2, W6): ``approval_chain`` — commune → district → board.
* Điều 7 khoản 1, Điều 9 khoản 4 (F1, F3): ``register_forms`` — CB-DT01, yearly from the communes;
  the board designs monthly, quarterly, yearly and phase forms in core's form designer, on core's
  national period rule (Nghị định 09/2019/NĐ-CP; the Quy chế names no dates).
* Điều 7 khoản 2 điểm b (A3), khoản 5, 6, 8 (A5, A6, A7): core's accounts already match.
* Điều 7 khoản 7 (A4): ``password_policy`` — 8 characters, four classes, changed every 6 months.
* Điều 8 (S9): ``support_contacts``.
* Điều 9 khoản 1 (W8): core's requests (the board's "văn bản đề nghị") already match.
* Maintenance notices: core's default (24 hours); the Quy chế names no lead time.
* Điều 6 khoản 2 (H3): ``agency_units`` gives each sở, ngành its sector; core's sector verification
  (*Xác thực dữ liệu theo ngành*) lets it verify its sector's approved data in every huyện.
* Not software: Điều 10 (Nghị định 85/2016 security level), Điều 11 khoản 1 điểm a (24/7 operation),
  the written handover and the 7-day roster of Điều 7 khoản 6, budgets (Điều 5 khoản 5).
"""
from core import hookimpl
from core.contracts import Contact, Level, PasswordPolicy, PluginInfo, ScheduleSpec

_QUY_CHE = "Quy chế ban hành kèm theo Quyết định 09/2022/QĐ-UBND"

PLUGIN_INFO = PluginInfo(
    name="cao_bang",
    province_code="04",
    title="Phần mềm hệ thống thông tin cơ sở dữ liệu về công tác dân tộc tỉnh Cao Bằng",
    version="0.1.0",
    description=(
        "Phần mềm hỗ trợ các cơ quan, tổ chức, đơn vị cập nhật, theo dõi, báo cáo, kết xuất và tổng hợp "
        "dữ liệu về công tác dân tộc trên địa bàn tỉnh Cao Bằng. Ban Dân tộc tỉnh cài đặt, vận hành, "
        "duy trì phần mềm, cấp và quản lý thống nhất các tài khoản. Mô hình bốn cấp: Ban Dân tộc; "
        "các sở, ban, ngành; các huyện, thành phố; các xã, phường, thị trấn."
    ),
    regulation="Quyết định số 09/2022/QĐ-UBND ngày 12 tháng 4 năm 2022",
    issuer="Ủy ban nhân dân tỉnh Cao Bằng",
)


@hookimpl
def support_contacts():
    return [
        Contact(
            organisation="Ban Dân tộc tỉnh Cao Bằng",
            role=("Cài đặt, vận hành, duy trì phần mềm; cấp và quản lý tài khoản; tiếp nhận, hướng dẫn "
                  "xử lý sự cố, lỗi truy cập và phối hợp với đơn vị cung cấp phần mềm khắc phục"),
            address="Số 01, phố Hoàng Như, phường Hợp Giang, Thành phố Cao Bằng, tỉnh Cao Bằng",
            phone="0206 3857 441",
            email="bandantoc@caobang.gov.vn",
            note=f"Điều 8; Điều 5, Điều 7, Điều 11 khoản 1, {_QUY_CHE}",
        ),
        Contact(
            organisation="Sở Thông tin và Truyền thông tỉnh Cao Bằng",
            role=("Phối hợp với Ban Dân tộc bảo đảm an toàn, an ninh thông tin hệ thống theo cấp độ; "
                  "tháo gỡ khó khăn, vướng mắc về chuyên môn trong quá trình vận hành phần mềm"),
            note=f"Điều 11 khoản 2, {_QUY_CHE}",
        ),
    ]


@hookimpl
def hierarchy_levels():
    """Điều 6: the board; departments and districts; communes (four kinds on three tiers).

    Commune reports go to their district, district and department reports to the board.
    """
    return [
        Level(code="province", name="Ban Dân tộc tỉnh", kinds=("board",)),
        Level(code="district", name="Sở, ban, ngành và huyện, thành phố", kinds=("department", "district"),
              reviewed_by="province"),
        Level(code="commune", name="Xã, phường, thị trấn", kinds=("commune",), reviewed_by="district"),
    ]


@hookimpl
def agency_units():
    """Điều 6 khoản 2: các sở, ban, ngành cập nhật và xác thực dữ liệu của ngành (not in vietnam-provinces)."""
    from core.forms.catalogues import sector_departments

    return sector_departments("CB", "tỉnh Cao Bằng")


@hookimpl
def password_policy():
    """Điều 7 khoản 7: at least 8 characters with upper, lower, digit and special; changed every 6 months."""
    return PasswordPolicy(min_length=8, max_age_days=180)


@hookimpl
def register_forms():
    """Điều 9: dữ liệu về công tác dân tộc cập nhật theo kỳ báo cáo (tháng, quý, năm, giai đoạn)."""
    from core.forms.catalogues import ethnic_population_form

    return [ethnic_population_form(
        "CB-DT01", "Biểu DT01: Hộ, nhân khẩu, hộ nghèo theo dân tộc (Cao Bằng)",
        (ScheduleSpec("yearly", ("commune",)),))]


@hookimpl
def approval_chain(form, unit):
    """Điều 6 and Điều 9 khoản 3: a commune's data is checked by its district, then by the board."""
    return {"commune": ["district", "province"], "district": ["province"]}.get(unit.level, ["province"])


@hookimpl
def backup_schedule():
    """Điều 5 khoản 1: sao lưu, dự phòng định kỳ 02 lần/tuần làm việc — Tuesday and Friday at 02:00."""
    return "0 2 * * 2,5"


#: The structure this plugin runs: the pre-2025 tree, with districts (its hierarchy has a district tier, so
#: ``baocao units import --province`` loads the 2020 units).
STRUCTURE = "2020"


@hookimpl
def reorganisations():
    """Tỉnh Cao Bằng runs the 2020 tree and is offered the 1 July 2025 move from the national transition table."""
    from core.hierarchy.reorganisation.from_transition import offer

    return [offer("04", runs=STRUCTURE)]

