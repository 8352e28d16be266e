"""Plugin for Hà Nội's ethnic, belief and religion data system, per the city People's Committee's
2026 Decision (number and date blank in the source text).

Later issues add the unit hierarchy, forms, reporting periods, approval chain, etc. through hooks.
"""
from core import hookimpl
from core.contracts import Contact, Feature, PasswordPolicy, PeriodDate, PeriodRule, PeriodType, PluginInfo, ScheduleSpec

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
            note=f"Điều 14; Điều 10 khoản 2, Điều 12 khoản 1, Điều 13 khoản 6, {_QUY_CHE}",
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


@hookimpl
def register_forms():
    """Điều 10 khoản 3: báo cáo 6 tháng và năm theo các mốc của REQUIREMENTS F4."""
    from core.catalogues import ethnic_population_form

    return [ethnic_population_form("HN-DT01", "Biểu DT01: Hộ, nhân khẩu, hộ nghèo theo dân tộc (Hà Nội)",
                                   (ScheduleSpec("six_monthly", ("commune",)), ScheduleSpec("yearly", ("commune",))))]


@hookimpl
def workflow_guards(report, action, actor):
    """W1 (Điều 10 khoản 4): gửi báo cáo kèm bản scan biểu mẫu đã ký, đóng dấu."""
    from core.attachments import scan_guard

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
}
