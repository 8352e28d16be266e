"""The reporting API: reports, their values and transitions, attachments, PDF, backfill."""
