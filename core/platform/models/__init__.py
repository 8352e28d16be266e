"""The platform's own tables: the audit log and which plugins are switched on."""
