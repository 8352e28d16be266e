"""All baocao tables. Importing this package registers them on FAB's ``Model.metadata``."""
from core.models.audit import AuditEntry, AuditHead
from core.models.plugin_state import PluginState

__all__ = ["AuditEntry", "AuditHead", "PluginState"]
