"""All baocao tables. Importing this package registers them on FAB's ``Model.metadata``."""
from core.models.account import Account, PasswordHistory
from core.models.audit import AuditEntry, AuditHead
from core.models.backup import BackupRun, MaintenanceNotice
from core.models.incident import Incident
from core.models.plugin_state import PluginState
from core.models.unit import Unit, UnitHolder
from core.models.form import (Category, CategoryCombo, CategoryOption, ComboCategory, Form, FormField, FormRule,
                              FormSection, FormVersion, Indicator)
from core.models.period import Period, Schedule
from core.models.export import ExportJob, ExportTemplate
from core.models.report import Attachment, Notification, Report, ReportValue, Request, Transition, ValueChange
from core.models.analysis import AnalysisScenario
from core.models.exchange import ExchangeMapping, IntakeSource, OutboxMessage

__all__ = [
    "Account", "AnalysisScenario", "Attachment", "AuditEntry", "AuditHead", "BackupRun", "Category",
    "CategoryCombo", "CategoryOption", "ComboCategory", "ExchangeMapping", "ExportJob", "ExportTemplate", "Form",
    "FormField", "FormRule", "FormSection", "FormVersion", "Incident", "Indicator", "IntakeSource",
    "MaintenanceNotice", "Notification", "OutboxMessage", "PasswordHistory", "Period", "PluginState", "Report",
    "ReportValue", "Request", "Schedule", "Transition", "Unit", "UnitHolder", "ValueChange",
]
