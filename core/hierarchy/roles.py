"""Roles as data (REQUIREMENTS A12, A13): who may do what, declared once, synced after migrations.

Each role lists grants as ``(view name pattern, permission patterns)``, both
``fnmatch`` patterns over FAB's view-menu and permission names. The sync
makes the database match exactly (it also removes grants no longer listed),
so the roles a province runs with are the ones reviewed here, not whatever
someone clicked in the role editor. *What* a role may do is here; *which
rows* it sees is decided by the account's unit subtree in :mod:`core.hierarchy.scope`.
"""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from core.platform import labels

READ = ("can_list", "can_show", "can_get", "can_info", "can_tree", "menu_access")
#: Every signed-in account may change its own password and read who it is.
SELF_SERVICE = (
    ("PasswordView", ("can_this_form_get", "can_this_form_post", "menu_access")),
    ("MeApi", ("can_get", "can_post")),
    ("Account", ("menu_access",)),
    ("UserDBModelView", ("can_userinfo",)),  # FAB's read-only profile page
    ("NotificationsView", ("can_list", "can_read", "menu_access")),
)


@dataclass(frozen=True)
class RoleSpec:
    name: str
    title: str
    grants: tuple[tuple[str, tuple[str, ...]], ...]
    #: Personal roles may not be held by a unit's shared account (A11).
    personal: bool = False

    def allows(self, permission: str, view: str) -> bool:
        return any(fnmatchcase(view, v) and any(fnmatchcase(permission, p) for p in perms)
                   for v, perms in self.grants)


SYSTEM_ADMIN = "Admin"  # FAB's AUTH_ROLE_ADMIN: FAB grants it every permission itself
UNIT_ADMIN = "UnitAdmin"
REPORTER = "Reporter"
REVIEWER = "Reviewer"
VIEWER = "Viewer"

UNIT_READ = (("Units", ("menu_access",)), ("UnitsView", READ), ("UnitTreeView", READ),
             ("UnitApi", READ), ("UnitHoldersView", READ), ("FormApi", READ), ("PeriodApi", READ))

#: Reports (F9): the reporting unit lists its reports and enters data; others in scope read the list.
REPORT_ENTRY = (("Reports", ("menu_access",)),
                ("ReportsView", ("can_list", "can_show", "can_entry", "can_validate", "can_transition",
                                 "can_pdf", "menu_access")),
                ("ReportApi", ("can_get", "can_info", "can_put", "can_post")),
                ("ReportPdfApi", ("can_get",)),
                ("MyReportsView", ("can_list", "menu_access")),
                ("ReportAttachmentApi", ("can_post", "can_get")),
                ("WorkbookView", ("can_download", "can_upload")), ("ReportWorkbookApi", ("can_get", "can_put")))
#: Sector verification (H3): the progress table for everyone who reads reports; recording a
#: verification for unit accounts, which the service allows only to a department of the form's sector.
VERIFICATION_READ = (("VerificationView", ("can_list", "menu_access")), ("VerificationApi", ("can_get",)))
VERIFY = VERIFICATION_READ + (("VerificationView", ("can_verify",)), ("ReportVerificationApi", ("can_post",)))
#: Account requests (A8, A9): a unit, or one above it, files them and follows their clock; the
#: responsible leader decides; the operator (unit or system administrator) carries them out.
ACCOUNT_REQUESTS_FILE = (("AccountRequestsView", ("can_list", "can_show", "can_file", "can_letter", "menu_access")),)
ACCOUNT_REQUESTS_DECIDE = (("AccountRequestsView", ("can_list", "can_show", "can_letter", "can_decide",
                                                    "menu_access")),)
ACCOUNT_REQUESTS_CARRY_OUT = (("AccountRequestsView", ("can_list", "can_show", "can_file", "can_letter",
                                                       "can_carry_out", "menu_access")),)
#: Roll-up and completeness of one's own subtree (H2, H4): everyone who reads reports.
TOTALS_READ = (("AggregateApi", ("can_get",)), ("CompletenessApi", ("can_get",)),
               ("TotalsView", ("can_show", "menu_access")))
#: Export of approved values (DHIS2 JSON, ADX, CSV) of one's own subtree (R3, R4): everyone who reads
#: reports. Import (``ExchangeApi.can_post``) is granted to no role below the system administrator.
EXCHANGE_EXPORT = (("ExchangeApi", ("can_get",)),)
#: Exports of one's own subtree (R1): files at once or as jobs; uploading Word templates is the admin's alone.
EXPORTS = (("ExportApi", ("can_get", "can_post")),
           ("ExportsView", ("can_list", "can_queue", "can_download", "menu_access")))
REPORT_READ = (("Reports", ("menu_access",)), ("ReportsView", ("can_list", "can_show", "can_pdf", "menu_access")),
               ("ReportApi", ("can_get", "can_info")), ("ReportPdfApi", ("can_get",)),
               ("ReportAttachmentApi", ("can_get",)),
               ("WorkbookView", ("can_download",)), ("ReportWorkbookApi", ("can_get",)))
REPORT_READ += TOTALS_READ + EXCHANGE_EXPORT + EXPORTS + VERIFICATION_READ
#: The dashboard (R2): charts of the subtree's totals and completeness, for leaders, reviewers and admins.
DASHBOARD_READ = (("DashboardView", ("can_list", "can_data", "menu_access")),)
#: Analysis scenarios (R7, R8): everyone who reads totals runs the scenarios shared with them ...
ANALYSIS_RUN = (("AnalysisView", ("can_list", "can_run", "menu_access")),)
#: ... and an agency administrator sets them up for its users.
ANALYSIS_EDIT = (("Reports", ("menu_access",)), ("AnalysisView", ("can_list", "can_run", "can_edit", "menu_access")))
#: Usage and status reports (R10) of one's subtree, for leaders; the yearly report is the admin's.
USAGE_READ = (("UsageView", ("can_list", "menu_access")),)
#: Review (the CONTRACT workflow): a reviewer opens reports read-only, acts on them, and has an inbox.
REVIEW = (("ReportsView", ("can_entry", "can_transition")), ("ReportApi", ("can_post",)),
          ("CompletenessApi", ("can_post",)), ("TotalsView", ("can_urge",)),  # urge (đôn đốc) who has not sent
          ("ReviewInboxView", ("can_list", "can_approve", "menu_access")))
#: Requests (F5, F8): a reviewing unit sends ad-hoc requests and passes reports on to its sub-units.
REQUESTS = (("RequestsView", ("can_list", "can_show", "can_new", "can_cascade", "menu_access")),)

#: Screens and APIs of the system administrator alone, whatever a role below lists: recording a
#: report received outside the system (W7) submits it in the unit's name; the data exchange's mapping
#: tables, intake sources and outbox (R3, R6) configure what enters and leaves the system;
#: announcing maintenance (S3, on the screen and through the API);
#: the incident log (S4); the working calendar's own days (A8); administrative reorganisations (issue 19:
#: an event closes units and locks accounts across the province).
ADMIN_ONLY = ("BackfillView", "ReportBackfillApi", "ExchangeMappingView", "IntakeSourceView", "OutboxView",
              "MaintenanceNoticesView", "MaintenanceApi", "IncidentsView", "WorkingCalendarView", "ReorganisationsView")

ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(SYSTEM_ADMIN, labels.ROLES[SYSTEM_ADMIN], (("*", ("*",)),), personal=True),
    RoleSpec(UNIT_ADMIN, labels.ROLES[UNIT_ADMIN], SELF_SERVICE + UNIT_READ + (
        ("Quản trị", ("menu_access",)),  # the Administration menu, for its Accounts entry
        ("AccountsView", ("*",)),
        ("UnitHoldersView", ("*",)),
    ) + ANALYSIS_EDIT + ACCOUNT_REQUESTS_CARRY_OUT, personal=True),
    RoleSpec(REPORTER, labels.ROLES[REPORTER], SELF_SERVICE + UNIT_READ + REPORT_ENTRY + TOTALS_READ + EXCHANGE_EXPORT
             + EXPORTS + ANALYSIS_RUN + VERIFY + ACCOUNT_REQUESTS_FILE),
    RoleSpec(REVIEWER, labels.ROLES[REVIEWER], SELF_SERVICE + UNIT_READ + REPORT_READ + REQUESTS + REVIEW + DASHBOARD_READ
             + ANALYSIS_RUN + ACCOUNT_REQUESTS_FILE),
    # The leader reads the data and decides on account requests (HN Đ9.6); it edits nothing.
    RoleSpec(VIEWER, labels.ROLES[VIEWER], SELF_SERVICE + UNIT_READ + REPORT_READ + DASHBOARD_READ + ANALYSIS_RUN
             + USAGE_READ + ACCOUNT_REQUESTS_DECIDE, personal=True),
)
BY_NAME = {spec.name: spec for spec in ROLES}


def sync_roles(sm) -> dict[str, int]:
    """Create the declared roles and make their grants match; returns grants per role."""
    from flask_appbuilder.security.sqla.models import PermissionView

    all_pvs = sm.session.query(PermissionView).all()
    counts = {}
    for spec in ROLES:
        role = sm.find_role(spec.name) or sm.add_role(spec.name)
        if spec.name == SYSTEM_ADMIN:
            counts[spec.name] = len(role.permissions)
            continue  # FAB keeps the admin role complete on every permission sync
        wanted = [pv for pv in all_pvs if pv.permission and pv.view_menu and pv.view_menu.name not in ADMIN_ONLY
                  and spec.allows(pv.permission.name, pv.view_menu.name)]
        role.permissions = wanted
        counts[spec.name] = len(wanted)
    sm.session.flush()
    return counts
