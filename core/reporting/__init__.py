"""Reporting (REQUIREMENTS W1–W9): data entry, attachments, the report PDF, review screens,
backfill and notifications. The state machine and its service live in the top-level ``workflows``."""
