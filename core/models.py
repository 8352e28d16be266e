"""All baocao tables. Importing this package registers them on FAB's ``Model.metadata``."""
from core.accounts.models import Account, AccountRequest, LoginFailure, PasswordHistory
from core.platform.models.audit import AccessEntry, AuditCheckpoint, AuditEntry, AuditHead
from core.operations.models.backup import BackupRun, MaintenanceNotice
from core.operations.models.incident import Incident
from core.platform.models.calendar import WorkingCalendarDay
from core.platform.models.plugin_state import PluginState
from core.hierarchy.models import Reorganisation, Unit, UnitHolder, UnitLineage, UnitSuccession, UnitVersion
from core.forms.models.form import (Category, CategoryCombo, CategoryOption, ComboCategory, Form, FormField,
                                    FormRule, FormSection, FormVersion, Indicator)
from core.forms.models.period import Period, Schedule
from core.analytics.models.export import ExportJob, ExportTemplate
from core.reporting.models import (Attachment, Notification, Report, ReportValue, ReportVerification, Request,
                                   Transition, ValueChange)
from core.analytics.models.analysis import AnalysisScenario
from core.exchange.models import ExchangeMapping, IntakeSource, OutboxMessage

__all__ = [
    "AccessEntry", "Account", "AccountRequest", "AnalysisScenario", "Attachment", "AuditCheckpoint", "AuditEntry", "AuditHead", "BackupRun", "Category",
    "CategoryCombo", "CategoryOption", "ComboCategory", "ExchangeMapping", "ExportJob", "ExportTemplate", "Form",
    "FormField", "FormRule", "FormSection", "FormVersion", "Incident", "Indicator", "IntakeSource",
    "LoginFailure", "MaintenanceNotice", "Notification", "OutboxMessage", "PasswordHistory", "Period", "PluginState", "Report",
    "ReportValue", "ReportVerification", "Request", "Schedule", "Transition", "Unit", "UnitHolder", "ValueChange", "WorkingCalendarDay",
]
