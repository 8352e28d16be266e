"""The platform's screens: the plugins and the audit log."""
