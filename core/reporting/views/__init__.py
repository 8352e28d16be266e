"""The reporting screens: entry, review, backfill, requests, notifications and the home page."""
