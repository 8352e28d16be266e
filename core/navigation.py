"""Register every screen and API of core on the AppBuilder. Vietnamese labels via lazy_gettext."""
from flask_babel import lazy_gettext as _l

from core.analytics.api.aggregate import AggregateApi, CompletenessApi
from core.reporting.api.attachments import ReportAttachmentApi
from core.platform.api.audit import AuditApi
from core.reporting.api.backfill import ReportBackfillApi
from core.exchange.api import ExchangeApi
from core.analytics.api.export import ExportApi
from core.forms.api import FormApi, PeriodApi
from core.accounts.api import MeApi
from core.reporting.api.report_pdf import ReportPdfApi
from core.reporting.api.reports import ReportApi
from core.reporting.api.workbook import ReportWorkbookApi
from core.reporting.api.verification import ReportVerificationApi, VerificationApi
from core.hierarchy.api import UnitApi
from core.accounts.views.accounts import AccountsView
from core.accounts.views.requests import AccountRequestsView
from core.analytics.views.analysis import AnalysisView
from core.platform.views.access_log import AccessLogView
from core.platform.views.audit import AuditView
from core.reporting.views.backfill import BackfillView
from core.analytics.views.dashboard import DashboardView
from core.reporting.views.entry import ReportsView
from core.exchange.views import ExchangeMappingView, IntakeSourceView, OutboxView
from core.analytics.views.exports import ExportsView
from core.forms.views import (CategoriesView, CategoryOptionsView, CombosView, FormFieldsView, FormRulesView,
                              FormSectionsView, FormsView, IndicatorsView, SchedulesView)
from core.operations.views.help import HelpView
from core.operations.api.maintenance import MaintenanceApi
from core.operations.views.maintenance import MaintenanceNoticesView
from core.operations.views.incidents import IncidentsView
from core.reporting.views.notifications import NotificationsView
from core.accounts.views.password import PasswordView
from core.reporting.views.requests import RequestsView
from core.reporting.views.review import MyReportsView, ReviewInboxView
from core.reporting.views.workbook import WorkbookView
from core.reporting.views.verification import VerificationView
from core.platform.views.plugins import PluginsView
from core.platform.views.calendar import WorkingCalendarView
from core.analytics.views.totals import TotalsView
from core.hierarchy.views import UnitHoldersView, UnitsView, UnitTreeView
from core.hierarchy.reorganisation.views import ReorganisationsView
from core.analytics.views.usage import UsageView

ADMIN = "Quản trị"
UNITS = "Units"
REPORTS = "Reports"
FORMS = "Forms"


def fold_security_into_administration(menu) -> None:
    """FAB's Security menu (users, roles, groups: read-only screens) goes to the end of "Quản trị", so the
    menu bar of a system administrator fits one row at 1366 px. Each entry keeps its own permission:
    a unit administrator, who has the Administration menu for its Accounts entry, still sees none of them."""
    security, administration = menu.find("Security"), menu.find(ADMIN)
    if security is None or administration is None:
        return
    administration.childs.extend(item for item in security.childs if item.name != "-")
    menu.menu.remove(security)


def register_views(appbuilder) -> None:
    appbuilder.add_view(DashboardView, "DashboardView", label=_l("Dashboard"), icon="fa-dashboard")
    appbuilder.add_view(PluginsView, "Plugins", label=_l("Plugins"), icon="fa-plug",
                        category=ADMIN, category_label=_l("Administration"), category_icon="fa-cogs")
    appbuilder.add_view(AccountsView, "AccountsView", label=_l("Accounts"), icon="fa-users", category=ADMIN)
    appbuilder.add_view(AuditView, "Audit log", label=_l("Audit log"), icon="fa-history", category=ADMIN)
    appbuilder.add_view(AccessLogView, "AccessLogView", label=_l("Access log"), icon="fa-eye", category=ADMIN)
    appbuilder.add_view(BackfillView, "BackfillView", label=_l("Record a report received outside the system"),
                        icon="fa-inbox", category=ADMIN)
    appbuilder.add_view(ExchangeMappingView, "ExchangeMappingView", label=_l("Code mappings"), icon="fa-exchange",
                        category=ADMIN)
    appbuilder.add_view(IntakeSourceView, "IntakeSourceView", label=_l("Intake sources"), icon="fa-cloud-download",
                        category=ADMIN)
    appbuilder.add_view(OutboxView, "OutboxView", label=_l("Outbox to the national system"), icon="fa-paper-plane-o",
                        category=ADMIN)
    appbuilder.add_view(MaintenanceNoticesView, "MaintenanceNoticesView", label=_l("Maintenance notices"),
                        icon="fa-wrench", category=ADMIN)
    appbuilder.add_view(IncidentsView, "IncidentsView", label=_l("Incident log"), icon="fa-exclamation-triangle",
                        category=ADMIN)
    # Help is in everyone's own menu (top right) and the footer of every page, keeping the bar one row at 1366 px.
    appbuilder.add_view_no_menu(HelpView)
    # "Đổi mật khẩu" is in each person's own menu, top right (core/templates/appbuilder/navbar_right.html).
    appbuilder.add_view_no_menu(PasswordView)
    appbuilder.add_view(WorkingCalendarView, "WorkingCalendarView", label=_l("Working calendar"), icon="fa-calendar",
                        category=ADMIN)
    # Every unit files and follows its account requests (A9) from its own menu, top right, like "Đổi mật khẩu".
    appbuilder.add_view_no_menu(AccountRequestsView)
    appbuilder.add_view(UnitsView, "UnitsView", label=_l("Unit list"), icon="fa-list", category=UNITS,
                        category_label=_l("Units"), category_icon="fa-sitemap")
    appbuilder.add_view(UnitTreeView, "UnitTreeView", label=_l("Unit tree"), icon="fa-sitemap", category=UNITS)
    appbuilder.add_view(UnitHoldersView, "UnitHoldersView", label=_l("Officer roster"), icon="fa-id-card",
                        category=UNITS)
    appbuilder.add_view(ReorganisationsView, "ReorganisationsView", label=_l("Administrative reorganisation"),
                        icon="fa-random", category=UNITS)
    appbuilder.add_view(FormsView, "FormsView", label=_l("Forms and report templates"), icon="fa-wpforms",
                        category=FORMS, category_label=_l("Forms and indicators"), category_icon="fa-wpforms")
    appbuilder.add_view(IndicatorsView, "IndicatorsView", label=_l("Indicators"), icon="fa-bar-chart",
                        category=FORMS)
    appbuilder.add_view(CategoriesView, "CategoriesView", label=_l("Disaggregation categories"), icon="fa-tags",
                        category=FORMS)
    appbuilder.add_view(CombosView, "CombosView", label=_l("Disaggregation combos"), icon="fa-th", category=FORMS)
    for view in (FormSectionsView, FormFieldsView, FormRulesView, SchedulesView, CategoryOptionsView):
        appbuilder.add_view_no_menu(view)
    appbuilder.add_view(ReportsView, "ReportsView", label=_l("Report list"), icon="fa-file-text-o", category=REPORTS,
                        category_label=_l("Reports"), category_icon="fa-file-text")
    appbuilder.add_view(MyReportsView, "MyReportsView", label=_l("My reports"), icon="fa-inbox", category=REPORTS)
    appbuilder.add_view_no_menu(WorkbookView)
    appbuilder.add_view(ReviewInboxView, "ReviewInboxView", label=_l("Review inbox"), icon="fa-check-square-o",
                        category=REPORTS)
    appbuilder.add_view(VerificationView, "VerificationView", label=_l("Sector data verification"),
                        icon="fa-check-circle", category=REPORTS)
    appbuilder.add_view(RequestsView, "RequestsView", label=_l("Requests"), icon="fa-paper-plane",
                        category="Reports", category_label=_l("Reports"), category_icon="fa-file-text")
    appbuilder.add_view(TotalsView, "TotalsView", label=_l("Totals and progress"), icon="fa-bar-chart",
                        category="Reports")
    appbuilder.add_view(ExportsView, "ExportsView", label=_l("Export reports"), icon="fa-download",
                        category=REPORTS)
    appbuilder.add_view(NotificationsView, "NotificationsView", label=_l("Notifications"), icon="fa-bell",
                        category="Reports")
    appbuilder.add_view(AnalysisView, "AnalysisView", label=_l("Analysis scenarios"), icon="fa-table",
                        category=REPORTS)
    appbuilder.add_view(UsageView, "UsageView", label=_l("System usage report"), icon="fa-line-chart",
                        category=REPORTS)
    fold_security_into_administration(appbuilder.menu)
    appbuilder.add_api(AuditApi)
    appbuilder.add_api(UnitApi)
    appbuilder.add_api(MeApi)
    appbuilder.add_api(FormApi)
    appbuilder.add_api(PeriodApi)
    appbuilder.add_api(ReportApi)
    appbuilder.add_api(ReportAttachmentApi)
    appbuilder.add_api(AggregateApi)
    appbuilder.add_api(CompletenessApi)
    appbuilder.add_api(ReportPdfApi)
    appbuilder.add_api(ReportWorkbookApi)
    appbuilder.add_api(ReportVerificationApi)
    appbuilder.add_api(VerificationApi)
    appbuilder.add_api(ExportApi)
    appbuilder.add_api(ReportBackfillApi)
    appbuilder.add_api(ExchangeApi)
    appbuilder.add_api(MaintenanceApi)
