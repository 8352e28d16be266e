"""Backup runs, maintenance notices and incidents as tables."""
