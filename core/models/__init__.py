"""All baocao tables. Importing this package registers them on FAB's ``Model.metadata``."""
from core.models.account import Account
from core.models.audit import AuditEntry, AuditHead
from core.models.plugin_state import PluginState
from core.models.unit import Unit, UnitHolder

__all__ = ["Account", "AuditEntry", "AuditHead", "PluginState", "Unit", "UnitHolder"]
