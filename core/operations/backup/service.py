"""Create, verify and restore backups; what ``baocao backup`` and the scheduled jobs call.

Every run is logged in ``backup_run`` and the audit log. A failure raises
:class:`BackupError` with a one-line reason after the failed run has been logged.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from core.platform import audit, clock
from core.operations.backup import archive, checksums, databases, runs
from core.operations.backup.errors import BackupError
from core.platform.extensions import db

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"
ATTACHMENTS = "attachments"


# --- settings ----------------------------------------------------------------------------------


def backup_key() -> bytes:
    """The key new backups are encrypted with: ``BACKUP_KEY`` (instance config or environment)."""
    value = current_app.config.get("BACKUP_KEY") or os.environ.get("BACKUP_KEY")
    if not value:
        raise BackupError("BACKUP_KEY is not set: run `baocao init` to add one to instance/config.py, "
                          "or set the BACKUP_KEY environment variable")
    return archive.decode_key(value)


def read_keys() -> list[bytes]:
    """Keys that may open a backup: the current one, then ``BACKUP_OLD_KEYS`` (after a rotation)."""
    old = current_app.config.get("BACKUP_OLD_KEYS") or []
    return [backup_key()] + [archive.decode_key(k, "BACKUP_OLD_KEYS") for k in old]


def backup_dir() -> Path:
    return Path(current_app.config.get("BACKUP_DIR") or Path(current_app.instance_path) / "backups")


def configured_database():
    return databases.for_url(current_app.config["SQLALCHEMY_DATABASE_URI"], current_app.config.get("PG_BIN_DIR"))


def _utc_stamp(moment: datetime) -> str:
    return moment.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


# --- create ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    run_id: int | None
    file: Path
    size: int
    sha256: str
    seconds: float
    tables: int
    rows: int


def create(output_dir: str | Path | None = None) -> Outcome:
    """Dump the database, add the attachments and a manifest, encrypt, write ``baocao-<UTC>.bcbk``."""
    key = backup_key()
    out = Path(output_dir or backup_dir())
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    run_id, began = runs.start("create"), time.monotonic()
    try:
        now = clock.utcnow()
        target = _new_name(out, now)
        database = configured_database()
        with tempfile.TemporaryDirectory(dir=out, prefix=".baocao-dump-") as tmp:
            dump = Path(tmp) / database.dump_name
            tables = database.dump(dump)
            files = _attachment_files()
            manifest = {**_manifest(database, tables, files, _utc_stamp(now)), "run_id": run_id}
            members = [(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode()),
                       (database.dump_name, dump)]
            members += [(f"{ATTACHMENTS}/{rel}", path) for rel, path in files]
            digest = archive.write(target, key, manifest["created_at"], members)
    except Exception as exc:
        _failed(run_id, "create", exc, began)
        raise _as_backup_error(exc) from exc
    outcome = Outcome(run_id, target, target.stat().st_size, digest, round(time.monotonic() - began, 2),
                      len(tables), sum(t["rows"] for t in tables.values()))
    _succeeded(outcome, "create", {"sha256": digest, "tables": outcome.tables, "rows": outcome.rows,
                                   "attachments": manifest["attachments"]["files"]})
    return outcome


def _new_name(out: Path, now: datetime) -> Path:
    stem = f"baocao-{now:%Y%m%dT%H%M%SZ}"
    target, n = out / f"{stem}{archive.SUFFIX}", 1
    while target.exists():
        n += 1
        target = out / f"{stem}-{n}{archive.SUFFIX}"
    return target


def _attachment_files() -> list[tuple[str, Path]]:
    """Every stored attachment file (already encrypted with ATTACHMENT_KEY), by relative path."""
    from core.reporting.attachments import storage_root

    root = storage_root()
    if not root.is_dir():
        return []
    return sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*")
                  if p.is_file() and not p.name.startswith("."))


def _files_digest(files: list[tuple[str, Path]]) -> dict:
    """Count, bytes, and the SHA-256 of the lines ``<relative path>\\t<SHA-256 of the stored file>``."""
    digest, size = hashlib.sha256(), 0
    for rel, path in sorted(files):
        digest.update(f"{rel}\t{archive.file_sha256(path)}\n".encode())
        size += path.stat().st_size
    return {"files": len(files), "bytes": size, "sha256": digest.hexdigest()}


def _manifest(database, tables: dict, files: list, created_at: str) -> dict:
    from core.reporting.attachments import _keys

    return {
        "format": archive.FORMAT,
        "created_at": created_at,
        "app_version": importlib.metadata.version("baocao"),
        "alembic_revision": _alembic_revision(),
        "dialect": database.dialect,
        "server_version": database.server_version(),
        "database_file": database.dump_name,
        "checksum_method": "core.operations.backup.checksums v1",
        "tables": tables,
        "attachments": _files_digest(files),
        "attachment_key_id": archive.key_id(_keys()[0]),
    }


def _alembic_revision() -> str | None:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


# --- open, verify ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    path: Path
    manifest: dict
    root: Path

    @property
    def dump(self) -> Path:
        return self.root / self.manifest["database_file"]

    @property
    def attachments(self) -> list[tuple[str, Path]]:
        folder = self.root / ATTACHMENTS
        if not folder.is_dir():
            return []
        return sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob("*") if p.is_file())


@contextmanager
def opened(path: str | Path):
    """Check the SHA-256, decrypt and unpack into a private temporary folder, removed afterwards."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no such backup file: {path}")
    archive.check_digests(path)
    keys = read_keys()
    with tempfile.TemporaryDirectory(prefix="baocao-backup-", dir=current_app.config.get("BACKUP_TMP_DIR")) as tmp:
        archive.extract(path, keys, Path(tmp))
        try:
            manifest = json.loads((Path(tmp) / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BackupError(f"the backup has no readable {MANIFEST}") from exc
        if manifest.get("format") != archive.FORMAT:
            raise BackupError(f"backup format {manifest.get('format')} is not supported (expected {archive.FORMAT})")
        yield Opened(path, manifest, Path(tmp))


def verify(path: str | Path, kind: str = "verify") -> Outcome:
    """Restore into a scratch database and compare every table with the manifest; exit on the first difference."""
    path = Path(path)
    run_id, began = runs.start(kind, file=str(path)), time.monotonic()
    try:
        with opened(path) as backup:
            check(backup)
            tables = backup.manifest["tables"]
    except Exception as exc:
        _failed(run_id, kind, exc, began, path)
        raise _as_backup_error(exc) from exc
    outcome = Outcome(run_id, path, path.stat().st_size, archive.file_sha256(path),
                      round(time.monotonic() - began, 2), len(tables), sum(t["rows"] for t in tables.values()))
    _succeeded(outcome, kind, {"tables": outcome.tables, "rows": outcome.rows,
                               "created_at": backup.manifest["created_at"]})
    return outcome


def check(backup: Opened) -> None:
    """The dump restores into a scratch database identical to the manifest; every attachment decrypts."""
    dialect = backup.manifest["dialect"]
    if dialect == "sqlite":
        database = databases.SQLiteDatabase(make_url(f"sqlite:///{backup.dump}"))
    else:
        database = configured_database()
        if database.dialect != dialect:
            raise BackupError(f"a {dialect} backup is checked on a {dialect} server; "
                              f"DATABASE_URL is {database.dialect}")
    with database.scratch(backup.dump, backup.root) as url:
        problem = checksums.first_difference(backup.manifest["tables"], databases.digests_of(url))
    if problem:
        raise BackupError(problem)
    _check_attachments(backup)


def _check_attachments(backup: Opened) -> None:
    from core.reporting.attachments import decrypt

    files = backup.attachments
    if _files_digest(files) != backup.manifest["attachments"]:
        raise BackupError("attachments: the files in the backup differ from its manifest")
    for rel, path in files:
        sha256 = rel.rsplit("/", 1)[-1]
        try:
            plain = decrypt(path.read_bytes(), sha256)
        except ValueError as exc:
            raise BackupError(f"attachment {rel} does not decrypt with the configured ATTACHMENT_KEY") from exc
        if hashlib.sha256(plain).hexdigest() != sha256:
            raise BackupError(f"attachment {rel}: content does not match its SHA-256")


# --- restore -----------------------------------------------------------------------------------


def restore(path: str | Path, yes: bool = False) -> Outcome:
    """Put a backup back into the configured database and attachment folder, after checking it on a scratch copy.

    Refused without ``yes`` when the target database holds any row: a restore replaces all of it.
    """
    path, started, began = Path(path), clock.utcnow(), time.monotonic()
    database = configured_database()
    db.session.remove()
    db.engine.dispose()
    if not yes and databases.has_data(database.url):
        raise BackupError(f"the database {database.name} has data and a restore replaces all of it: "
                          "run again with --yes")
    try:
        with opened(path) as backup:
            manifest = backup.manifest
            if manifest["dialect"] != database.dialect:
                raise BackupError(f"this is a {manifest['dialect']} backup; "
                                  f"the configured database is {database.dialect}")
            check(backup)
            database.restore(backup.dump)
            if database.dialect == "postgresql":  # a SQLite restore replaces the whole file
                _drop_tables_not_in(database, manifest["tables"])
            problem = checksums.first_difference(manifest["tables"], databases.digests_of(database.url))
            if problem:
                raise BackupError(f"after the restore, {problem}")
            copied = _restore_attachments(backup)
    except Exception as exc:
        db.session.rollback()
        _failed(None, "restore", exc, began, path, started=started)
        raise _as_backup_error(exc) from exc
    tables = manifest["tables"]
    outcome = Outcome(None, path, path.stat().st_size, archive.file_sha256(path), round(time.monotonic() - began, 2),
                      len(tables), sum(t["rows"] for t in tables.values()))
    detail = {"tables": outcome.tables, "rows": outcome.rows, "attachments": copied,
              "created_at": manifest["created_at"], "alembic_revision": manifest["alembic_revision"]}
    _succeeded(outcome, "restore", detail, started=started)
    runs.completed_in_backup(manifest.get("run_id"), manifest["created_at"])
    return outcome


def _drop_tables_not_in(database, tables: dict) -> None:
    """Tables a newer schema added would stop ``db upgrade`` from re-creating them: the backup did not have them."""
    engine = create_engine(database.url)
    try:
        with engine.begin() as conn:
            quote = conn.dialect.identifier_preparer.quote
            for extra in sorted(set(inspect(conn).get_table_names()) - set(tables)):
                conn.execute(text(f"DROP TABLE IF EXISTS {quote(extra)} CASCADE"))
    finally:
        engine.dispose()


def _restore_attachments(backup: Opened) -> int:
    """Copy every file into the attachment folder (replacing a same-named one); files not in the backup stay."""
    from core.reporting.attachments import storage_root

    root = storage_root()
    for rel, source in backup.attachments:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".restore-{target.name}")
        shutil.copyfile(source, partial)
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    return len(backup.attachments)


# --- bookkeeping -------------------------------------------------------------------------------


def _as_backup_error(exc: Exception) -> BackupError:
    if isinstance(exc, BackupError):
        return exc
    lines = str(exc).strip().splitlines()
    return BackupError(f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": "))


def _failed(run_id, kind: str, exc: Exception, began: float, path: Path | None = None, started=None) -> None:
    """Log the failed run and audit it; never hide the original error."""
    if not isinstance(exc, BackupError):
        log.exception("backup %s failed", kind)
    reason = str(_as_backup_error(exc))
    detail = {"error": reason, "seconds": round(time.monotonic() - began, 2)}
    try:
        db.session.rollback()
        if run_id is not None:
            runs.finish(run_id, False, detail=detail)
        else:
            run_id = runs.record(kind, started or clock.utcnow(), False, file=str(path) if path else None,
                                 detail=detail)
        audit.record(f"backup.{kind}", "BackupRun", run_id, {"ok": False, "file": str(path) if path else None,
                                                            "error": reason})
        db.session.commit()
    except Exception:  # noqa: BLE001 (e.g. a half-restored database: the error above is what matters)
        db.session.rollback()
        log.exception("could not log the failed backup %s run", kind)


def _succeeded(outcome: Outcome, kind: str, detail: dict, started=None) -> None:
    detail = {**detail, "seconds": outcome.seconds}
    if outcome.run_id is not None:
        runs.finish(outcome.run_id, True, file=str(outcome.file), size=outcome.size, detail=detail)
        run_id = outcome.run_id
    else:
        run_id = runs.record(kind, started or clock.utcnow(), True, file=str(outcome.file), size=outcome.size,
                             detail=detail)
    audit.record(f"backup.{kind}", "BackupRun", run_id, {"ok": True, "file": str(outcome.file),
                                                        "size": outcome.size, "sha256": outcome.sha256, **detail})
    db.session.commit()
