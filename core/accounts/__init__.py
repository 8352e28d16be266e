"""Accounts (REQUIREMENTS A1–A15): one per unit, held by a named officer; passwords, login
protection, the security manager and the password screens."""
