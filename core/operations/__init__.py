"""Operations (REQUIREMENTS S1–S10): backups, maintenance notices, health, incidents, mail."""
