"""Acceptance walks: one per seed regulation, article by article, through the HTTP API."""
