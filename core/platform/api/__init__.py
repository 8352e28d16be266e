"""The platform's API: the audit log."""
