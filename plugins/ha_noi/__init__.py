"""Plugin for Hà Nội's ethnic, belief and religion data system, per the city People's Committee's
2026 Decision (number and date blank in the source text) and its Quy chế.

What each hook answers, article by article:

* ``hierarchy_levels`` — Điều 2, Điều 17, Điều 10 khoản 2: the city (Sở Dân tộc và Tôn giáo, the
  sở, ban, ngành Thành phố) over the xã, phường of the two-level local government.
* ``approval_chain`` — Điều 10 khoản 5: core's default (one review, by the city tier, the parent of
  every xã, phường) matches; the Sở checks, approves or returns directly in the system.
* ``register_forms`` — Điều 3 khoản 1, Điều 10 khoản 1, 3, 6: HN-DT01 (hộ, nhân khẩu, hộ nghèo theo
  dân tộc; 6 tháng and năm) and HN-TG01 (tình hình tôn giáo, tín ngưỡng; each quarter, so that
  the four deadlines 14/3, 14/6, 14/9, 14/12 each get a report); Điều 1 khoản 2, Điều 7 khoản 8:
  HN-TG01 makes the unit confirm that the report holds no state secret.
* ``period_rules`` — Điều 10 khoản 3: the four cut-off dates and deadlines.
* ``workflow_guards`` — Điều 10 khoản 4: no submission without the signed, stamped scan.
* ``password_policy`` — Điều 9 khoản 2: 10 characters, four classes, changed every 6 months (core's
  forced change at first login, Điều 9 khoản 2 and Điều 10 khoản 2, applies as is).
* ``maintenance_lead_time`` — Điều 8 khoản 5, Điều 13 khoản 4: 48 hours; emergencies at once (core).
* ``support_contacts`` — Điều 12 khoản 1, 3, Điều 13 khoản 6, Điều 14, Điều 15.
* ``aggregation_rules`` — Điều 3 khoản 3: every figure of both forms is a count, summed up to the city
  (core's default).
* ``backup_schedule`` — Điều 8 khoản 6–7 set no frequency ("theo lộ trình, điều kiện thực tế"):
  core's default (twice a working week, weekly restore test) is kept.
* ``scheduled_jobs`` — Điều 8 khoản 9, Điều 7 khoản 10: core's yearly usage report and its usage
  screen match; nothing added.
* Accounts (Điều 7, Điều 9 khoản 3–7, Điều 10 khoản 2, Điều 19, Điều 20), audit (Điều 13 khoản 2,
  Điều 19 khoản 6), incidents (Điều 12 khoản 2, 5) and encryption (Điều 11, Điều 13 khoản 8):
  core's behaviour matches the Quy chế; no hook needed.
"""
from core import hookimpl
from core.contracts import (
    CategorySpec, Choice, ComboSpec, Contact, Feature, FieldSpec, FormSpec, IndicatorSpec, Level, PasswordPolicy,
    PeriodDate, PeriodRule, PeriodType, PluginInfo, RuleSpec, ScheduleSpec, SectionSpec, UnitSpec,
)

#: Điều 10 khoản 2: where the units reach the system.
SYSTEM_ADDRESS = "https://dulieudantoctongiao.hanoi.gov.vn"
_QUY_CHE = "Quy chế ban hành kèm theo Quyết định …/QĐ-UBND năm 2026 của UBND thành phố Hà Nội"

PLUGIN_INFO = PluginInfo(
    name="ha_noi",
    province_code="01",
    title="Hệ thống thông tin dữ liệu về công tác dân tộc của thành phố Hà Nội",
    version="0.1.0",
    description=(
        "Hệ thống thu thập, tổng hợp, báo cáo, khai thác dữ liệu về công tác dân tộc, tín ngưỡng, tôn giáo "
        "trên địa bàn thành phố Hà Nội. Sở Dân tộc và Tôn giáo trực tiếp quản lý Hệ thống; đơn vị vận hành "
        "bảo đảm kỹ thuật. Đơn vị sử dụng là các sở, ban, ngành Thành phố và Ủy ban nhân dân các xã, phường."
    ),
    regulation="Quyết định số …/QĐ-UBND ngày … tháng … năm 2026 (văn bản nguồn chưa ghi số và ngày)",
    issuer="Ủy ban nhân dân thành phố Hà Nội",
)


@hookimpl
def support_contacts():
    return [
        Contact(
            organisation="Sở Dân tộc và Tôn giáo thành phố Hà Nội",
            role=("Trực tiếp quản lý Hệ thống; quản lý tài khoản; tiếp nhận thông báo sự cố kỹ thuật, "
                  "sự cố mất an toàn thông tin và hướng dẫn xử lý"),
            note=(f"Địa chỉ truy cập Hệ thống: {SYSTEM_ADDRESS}. Thay đổi tài khoản (thêm mới, sửa đổi, đóng): "
                  f"gửi văn bản đề nghị về Sở. Điều 14; Điều 10 khoản 2, Điều 12 khoản 1, Điều 13 khoản 6, "
                  f"{_QUY_CHE}"),
        ),
        Contact(
            organisation="Công an thành phố Hà Nội",
            role=("Tiếp nhận báo cáo của đơn vị vận hành khi sự cố gây gián đoạn hoặc có nguy cơ xâm phạm "
                  "an toàn, an ninh thông tin; phối hợp xử lý sự cố an ninh mạng nghiêm trọng và vi phạm"),
            note=f"Điều 12 khoản 3; Điều 15, {_QUY_CHE}",
        ),
        Contact(
            organisation="Sở Khoa học và Công nghệ thành phố Hà Nội",
            role=("Tiếp nhận báo cáo của đơn vị vận hành khi sự cố kỹ thuật gây gián đoạn hoặc có nguy cơ "
                  "xâm phạm an toàn, an ninh thông tin, để phối hợp xử lý"),
            note=f"Điều 12 khoản 3, {_QUY_CHE}",
        ),
    ]


@hookimpl
def hierarchy_levels():
    """Điều 2, Điều 17, Điều 10 khoản 2: chính quyền địa phương hai cấp, no districts.

    The city tier holds the Sở Dân tộc và Tôn giáo (the board, system owner, Điều 14) and the sở, ban,
    ngành Thành phố; the xã, phường report to it, and the Sở reviews them (Điều 10 khoản 5).
    """
    return [
        Level(code="province", name="Thành phố (Sở Dân tộc và Tôn giáo; các sở, ban, ngành Thành phố)",
              kinds=("board", "department")),
        Level(code="commune", name="Ủy ban nhân dân xã, phường", kinds=("commune",), reviewed_by="province"),
    ]


@hookimpl
def agency_units():
    """Điều 2, Điều 10 khoản 2: các sở, ban, ngành Thành phố là đơn vị sử dụng (not in vietnam-provinces)."""
    return [
        UnitSpec("HN-SNV", "Sở Nội vụ thành phố Hà Nội", sector="noi_vu"),
        UnitSpec("HN-SYT", "Sở Y tế thành phố Hà Nội", sector="y_te"),
        UnitSpec("HN-SGDDT", "Sở Giáo dục và Đào tạo thành phố Hà Nội", sector="giao_duc"),
        UnitSpec("HN-SVHTT", "Sở Văn hóa và Thể thao thành phố Hà Nội", sector="van_hoa"),
        UnitSpec("HN-STC", "Sở Tài chính thành phố Hà Nội", sector="tai_chinh"),
        UnitSpec("HN-CA", "Công an thành phố Hà Nội", sector="cong_an"),
    ]


@hookimpl
def password_policy():
    """Điều 9 khoản 2: at least 10 characters with upper, lower, digit and special; changed every 6 months."""
    return PasswordPolicy(min_length=10, max_age_days=180)


def _rule(kind, start, end, deadline, index=None):
    """``start``/``end``/``deadline``: ("first"|"last", months, day) as in :class:`PeriodDate`."""
    return PeriodRule(kind, start=PeriodDate(*start), end=PeriodDate(*end), deadline=PeriodDate(*deadline),
                      index=index)


_JAN_1 = ("first", 0, 1)
_15TH_BEFORE = ("first", -1, 15)
_14TH_LAST = ("last", 0, 14)
_DEC_31 = ("last", 0, 31)


@hookimpl
def period_rules():
    """Điều 10 khoản 3: reports by 14/3 (quý I, data 01/01–14/03), 14/6 (6 tháng, 01/01–14/06),
    14/9 (quý III, 15/06–14/09) and 14/12 (năm, 01/01–31/12).

    Months, phases and the entry window keep core's national rule.
    """
    return [
        _rule(PeriodType.QUARTERLY, _JAN_1, _14TH_LAST, _14TH_LAST, index=1),
        # Quý II is not in the regulation: it runs on from quý I to the 6-month cut-off, 15/03–14/06, due 14/06.
        _rule(PeriodType.QUARTERLY, _15TH_BEFORE, _14TH_LAST, _14TH_LAST, index=2),
        _rule(PeriodType.QUARTERLY, _15TH_BEFORE, _14TH_LAST, _14TH_LAST, index=3),
        # Quý IV is not in the regulation: 15/09–31/12, due 14/12 like the annual report, so that the
        # four quarters tile the year 01/01–31/12 that the annual report covers.
        _rule(PeriodType.QUARTERLY, _15TH_BEFORE, _DEC_31, _14TH_LAST, index=4),
        _rule(PeriodType.SIX_MONTHLY, _JAN_1, _14TH_LAST, _14TH_LAST, index=1),
        # The second half is not in the regulation: 15/06–31/12, due 14/12 (tiles the year with the first).
        _rule(PeriodType.SIX_MONTHLY, _15TH_BEFORE, _DEC_31, _14TH_LAST, index=2),
        # Nine months are not in the regulation: cumulative from 01/01 like quý I and 6 tháng, to the
        # quý III cut-off, 01/01–14/09, due 14/09.
        _rule(PeriodType.NINE_MONTH, _JAN_1, _14TH_LAST, _14TH_LAST),
        _rule(PeriodType.YEARLY, _JAN_1, _DEC_31, _14TH_LAST),
    ]


#: The 16 religions recognised and registered in Viet Nam (Ban Tôn giáo Chính phủ), as a category.
_RELIGIONS = (
    "Phật giáo", "Công giáo", "Tin lành", "Cao Đài", "Phật giáo Hòa Hảo", "Hồi giáo", "Tôn giáo Baha'i",
    "Tịnh độ Cư sĩ Phật hội Việt Nam", "Cơ đốc Phục lâm", "Phật hội Tứ Ân Hiếu nghĩa", "Bửu Sơn Kỳ Hương",
    "Minh Sư đạo", "Minh Lý đạo - Tam Tông Miếu", "Bà-la-môn giáo",
    "Giáo hội Các Thánh hữu Ngày sau của Chúa Giê-su Ky-tô", "Phật giáo Hiếu Nghĩa Tà Lơn",
)
RELIGION = CategorySpec("ton_giao", "Tôn giáo",
                        tuple(Choice(f"{i:02d}", name) for i, name in enumerate(_RELIGIONS, start=1)))
BY_RELIGION = ComboSpec("theo_ton_giao", "Theo tôn giáo", ("ton_giao",))

#: Điều 1 khoản 2, Điều 7 khoản 8: what the unit confirms before sending.
NO_SECRET_LABEL = "Đơn vị xác nhận số liệu, thông tin trong biểu không thuộc danh mục bí mật nhà nước"
NO_SECRET_MESSAGE = ("Dữ liệu thuộc danh mục bí mật nhà nước không được đưa vào Hệ thống "
                     "(Điều 1 khoản 2, Điều 7 khoản 8 Quy chế).")


def religion_form() -> FormSpec:
    """HN-TG01: tình hình tôn giáo, tín ngưỡng trên địa bàn xã, phường (Điều 3 khoản 1; Thông tư 07/2025/TT-BDTTG)."""
    count = dict(min=0)
    return FormSpec(
        code="HN-TG01", name="Biểu TG01: Tình hình tôn giáo, tín ngưỡng trên địa bàn xã, phường (Hà Nội)",
        sector="ton_giao",
        description=("Cơ sở thờ tự, tín đồ, chức sắc theo tôn giáo; hoạt động tôn giáo, tín ngưỡng; "
                     "khiếu kiện, di cư tự do và an ninh nông thôn vùng đồng bào dân tộc thiểu số."),
        sections=(
            SectionSpec("co_so", "Cơ sở tôn giáo, tín ngưỡng", (
                FieldSpec("worship_places", "Số cơ sở thờ tự của các tổ chức tôn giáo", required=True,
                          unit_of_measure="cơ sở", indicator="TG_CO_SO_THO_TU", **count),
                FieldSpec("worship_by_religion", "Cơ sở thờ tự chia theo tôn giáo", unit_of_measure="cơ sở",
                          combo="theo_ton_giao", help="Chỉ nhập các tôn giáo có trên địa bàn.", **count),
                FieldSpec("belief_places", "Số cơ sở tín ngưỡng (đình, đền, miếu, phủ, nhà thờ họ)",
                          unit_of_measure="cơ sở", **count),
                FieldSpec("ranked_relics", "Trong đó: cơ sở tôn giáo, tín ngưỡng được xếp hạng di tích",
                          unit_of_measure="cơ sở", **count),
            )),
            SectionSpec("tin_do", "Tín đồ, chức sắc, chức việc", (
                FieldSpec("followers", "Số tín đồ", required=True, unit_of_measure="người",
                          indicator="TG_TIN_DO", **count),
                FieldSpec("followers_by_religion", "Tín đồ chia theo tôn giáo", unit_of_measure="người",
                          combo="theo_ton_giao", **count),
                FieldSpec("minority_followers", "Trong đó: tín đồ là người dân tộc thiểu số",
                          unit_of_measure="người", **count),
                FieldSpec("clergy", "Số chức sắc, chức việc, nhà tu hành", unit_of_measure="người", **count),
            )),
            SectionSpec("tinh_hinh", "Hoạt động và tình hình liên quan", (
                FieldSpec("registered_activities", "Số hoạt động tôn giáo, lễ hội tín ngưỡng đã đăng ký, thông báo",
                          unit_of_measure="cuộc", **count),
                FieldSpec("unregistered_groups", "Số điểm nhóm sinh hoạt tôn giáo tập trung chưa được đăng ký",
                          unit_of_measure="điểm", **count),
                FieldSpec("complaints", "Số vụ khiếu nại, tố cáo, khiếu kiện liên quan đến dân tộc, tôn giáo",
                          unit_of_measure="vụ", **count),
                FieldSpec("free_migrant_households", "Số hộ đồng bào dân tộc thiểu số di cư tự do đến địa bàn",
                          unit_of_measure="hộ", **count),
                FieldSpec("assessment", "Đánh giá tình hình an ninh nông thôn, tôn giáo, tín ngưỡng trong kỳ",
                          type="long_text", required=True),
                FieldSpec("no_state_secret", NO_SECRET_LABEL, type="yes_no", required=True),
            )),
        ),
        rules=(
            RuleSpec("worship_by_religion_total", "count(worship_by_religion) == 0 or "
                     "sum(worship_by_religion) == worship_places",
                     "Tổng cơ sở thờ tự chia theo tôn giáo phải bằng số cơ sở thờ tự."),
            RuleSpec("followers_by_religion_total", "count(followers_by_religion) == 0 or "
                     "sum(followers_by_religion) == followers",
                     "Tổng tín đồ chia theo tôn giáo phải bằng số tín đồ."),
            RuleSpec("minority_within_followers", "minority_followers <= followers",
                     "Số tín đồ là người dân tộc thiểu số không được lớn hơn tổng số tín đồ."),
            RuleSpec("relics_within_places", "ranked_relics <= worship_places + belief_places",
                     "Số cơ sở được xếp hạng di tích không được lớn hơn tổng số cơ sở tôn giáo, tín ngưỡng."),
            RuleSpec("no_state_secret", 'no_state_secret == "yes"', NO_SECRET_MESSAGE),
        ),
        categories=(RELIGION,),
        combos=(BY_RELIGION,),
        indicators=(
            IndicatorSpec("TG_CO_SO_THO_TU", "Số cơ sở thờ tự", "Chùa, nhà thờ, thánh thất, nhà nguyện, thánh đường "
                          "và các cơ sở thờ tự khác của tổ chức tôn giáo đã được công nhận.",
                          "Đếm theo hồ sơ quản lý cơ sở thờ tự của Ủy ban nhân dân xã, phường.", "cơ sở", "ton_giao"),
            IndicatorSpec("TG_TIN_DO", "Số tín đồ", "Người theo tôn giáo được tổ chức tôn giáo công nhận.",
                          "Theo số liệu tổ chức tôn giáo cung cấp và rà soát của xã, phường.", "người", "ton_giao"),
        ),
        # The four reports of Điều 10 khoản 3: quý I, 6 tháng, quý III, năm (no quý II, quý IV or second half).
        schedules=(ScheduleSpec("quarterly", ("commune",), indexes=(1, 3)),
                   ScheduleSpec("six_monthly", ("commune",), indexes=(1,)), ScheduleSpec("yearly", ("commune",))),
    )


@hookimpl
def register_forms():
    """Điều 10 khoản 1, 3, 6: the collection forms of the Sở, each with the periods of Điều 10 khoản 3.

    HN-DT01 (stock data: households, population, poverty) is due for the 6-month report (01/01–14/06,
    by 14/6) and the annual one (01/01–31/12, by 14/12), whose data runs from 01/01. HN-TG01 is due for
    all four: quý I (01/01–14/03, by 14/3), 6 tháng, quý III (15/06–14/09, by 14/9) and năm. Nothing is
    asked for quý II, quý IV or the second half, so no unit gets a report the regulation does not ask.
    """
    from core.forms.catalogues import ethnic_population_form

    return [ethnic_population_form("HN-DT01", "Biểu DT01: Hộ, nhân khẩu, hộ nghèo theo dân tộc (Hà Nội)",
                                   (ScheduleSpec("six_monthly", ("commune",), indexes=(1,)),
                                    ScheduleSpec("yearly", ("commune",)))),
            religion_form()]


@hookimpl
def workflow_guards(report, action, actor):
    """W1 (Điều 10 khoản 4): gửi báo cáo kèm bản scan biểu mẫu đã ký, đóng dấu."""
    from core.reporting.attachments import scan_guard

    return scan_guard(report, action)


@hookimpl
def maintenance_lead_time():
    """Điều 8 khoản 5, Điều 13 khoản 4: thông báo bảo trì, nâng cấp trước 48 giờ; sự cố khẩn cấp thông báo ngay."""
    return 48


#: Parts another province may switch on alone, on top of its own plugin (Plugins screen: ``ha_noi.deadlines``).
FEATURES = {
    "deadlines": Feature("Thời hạn báo cáo của Hà Nội (14/3, 14/6, 14/9, 14/12)", ("period_rules",),
                         "Điều 10 khoản 3: các mốc chốt số liệu và hạn gửi báo cáo quý, 6 tháng, năm."),
    "maintenance_notice": Feature("Thông báo bảo trì trước 48 giờ", ("maintenance_lead_time",),
                                  "Điều 8 khoản 5, Điều 13 khoản 4."),
    "signed_scan": Feature("Gửi báo cáo kèm bản scan phiếu đã ký, đóng dấu", ("workflow_guards",),
                           "Điều 10 khoản 4: đính kèm phiếu báo cáo đã ký làm căn cứ pháp lý trước khi gửi."),
}
