"""All baocao tables. Importing this package registers them on FAB's ``Model.metadata``."""
from core.models.account import Account, PasswordHistory
from core.models.audit import AuditEntry, AuditHead
from core.models.plugin_state import PluginState
from core.models.unit import Unit, UnitHolder

__all__ = ["Account", "PasswordHistory", "AuditEntry", "AuditHead", "PluginState", "Unit", "UnitHolder"]
