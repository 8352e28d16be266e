"""Backups (REQUIREMENTS S2, S6, R11): encrypted, checked by restoring them, logged and audited.

``baocao backup create`` writes one ``baocao-<UTC time>.bcbk``: a tar of the database dump
(``pg_dump --format=custom`` or SQLite's online backup), the attachment folder and
``manifest.json`` (format, time, app version, Alembic revision, dialect, row count and checksum
per table), encrypted with AES-256-GCM under ``BACKUP_KEY``, with its SHA-256 in a plaintext
header and in a ``.sha256`` sidecar. ``verify`` restores a backup into a scratch database and
compares every table with the manifest; ``restore`` does the same, then replaces the configured
database and puts the attachments back.

* :mod:`core.operations.backup.archive`: the file format (header, encryption, sidecar);
* :mod:`core.operations.backup.checksums`: the per-table checksum, defined precisely;
* :mod:`core.operations.backup.databases`: dump, scratch copy and restore for SQLite and PostgreSQL;
* :mod:`core.operations.backup.service`: create, verify, restore, each logged in ``backup_run``;
* :mod:`core.operations.backup.jobs`: the scheduled backup and the weekly restore test.
"""
from core.operations.backup.errors import BackupError
from core.operations.backup.service import backup_dir, create, restore, verify

__all__ = ["BackupError", "backup_dir", "create", "restore", "verify"]
