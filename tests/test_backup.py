"""Backups (S2, S6, R11): encrypted, checked by restoring them into a scratch database, restored
with their attachments, logged and audited; twice per working week, tested weekly.

Run on the configured database: PostgreSQL (pg_dump/pg_restore) with ``DATABASE_URL``, SQLite
(the online backup API) without it.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from croniter import croniter
from sqlalchemy import create_engine, select, text

from core.reporting import attachments
from core.platform import jobs, plugin_admin
from core import normalise_db_url
from core.operations.backup import archive, databases, runs
from core.operations.backup.jobs import restore_test
from core.platform.extensions import db
from core.reporting.models import Attachment, Report
from core.platform.models.audit import AuditEntry
from core.operations.models.backup import BackupRun
from tests import factories
from tests.conftest import ADMIN_PASSWORD, PG_URL, login
from tests.pki import png_bytes

KEY = "dGVzdC1iYWNrdXAta2V5LTMyLWJ5dGVzLWxvbmchISE="  # 32 bytes, URL-safe base64
#: Tables a restore itself writes to after putting the backup back.
RESTORE_WRITES = {"backup_run", "audit_entry", "audit_head"}


@pytest.fixture
def world(make_app, cli, tmp_path, monkeypatch):
    """Cao Bằng with reports and one attachment, in the instance the CLI uses."""
    monkeypatch.setenv("BACKUP_KEY", KEY)
    app = make_app(INSTANCE_PATH=str(tmp_path / "cli-instance"))
    with app.app_context():
        _, reports = factories.cao_bang_reports(("04", "X011"))
        attachments.store(db.session, db.session.get(Report, reports["X011"]), io.BytesIO(png_bytes()),
                          "bản scan.png", "x011")
        db.session.commit()
    return app


@pytest.fixture
def empty_database(tmp_path):
    """A database with no tables at all: a new SQLite file, or a new PostgreSQL database dropped afterwards."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"baocao_test_restore_{os.urandom(4).hex()}"
    admin = create_engine(normalise_db_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _create(cli, out: Path) -> Path:
    result = cli("backup", "create", "--output", str(out))
    assert result.exit_code == 0, result.output
    return Path(result.output.strip().splitlines()[-1])


def _manifest(path: Path) -> dict:
    into = path.with_name(path.name + ".open")
    into.mkdir()
    archive.extract(path, [archive.decode_key(KEY)], into)
    return json.loads((into / "manifest.json").read_text(encoding="utf-8"))


def _scratch_databases() -> list[str]:
    if not PG_URL:
        return []
    engine = create_engine(normalise_db_url(PG_URL))
    with engine.connect() as conn:
        names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'baocao_verify_%'")).scalars()
        found = list(names)
    engine.dispose()
    return found


# --- create and verify -----------------------------------------------------------------------------


def test_a_backup_is_one_encrypted_file_that_verifies_by_restoring_it(world, cli, tmp_path):
    path = _create(cli, tmp_path / "backups")
    assert path.name.startswith("baocao-") and path.suffix == ".bcbk"
    digest, name = archive.sidecar(path).read_text().split()
    assert name == path.name and digest == archive.file_sha256(path)
    data = path.read_bytes()
    header = json.loads(data[len(archive.MAGIC):archive.HEADER_SIZE])
    assert header["cipher"] == "AES-256-GCM" and header["body_sha256"] == archive.file_sha256(path, archive.HEADER_SIZE)
    assert KEY not in data.decode("latin-1")
    for secret in ("Cao Bằng".encode(), b"ab_user", png_bytes()[:16]):  # nothing readable without the key
        assert secret not in data

    result = cli("backup", "verify", str(path))
    assert result.exit_code == 0, result.output
    assert "backup OK" in result.output
    assert _scratch_databases() == []  # the scratch database was dropped

    with world.app_context():
        made = runs.last("create", ok=True)
        checked = runs.last("verify", ok=True)
        assert made.file == str(path) and made.size == len(data) and made.detail["tables"] > 10
        assert checked.file == str(path)
        actions = set(db.session.execute(select(AuditEntry.action)).scalars())
        assert {"backup.create", "backup.verify"} <= actions


def test_the_manifest_describes_the_database_and_its_attachments(world, cli, tmp_path):
    manifest = _manifest(_create(cli, tmp_path / "backups"))
    assert manifest["format"] == 1 and manifest["dialect"] == ("postgresql" if PG_URL else "sqlite")
    with world.app_context():  # the revision the database is at: the newest migration
        assert manifest["alembic_revision"] == db.session.scalar(text("SELECT version_num FROM alembic_version"))
    assert manifest["created_at"].endswith("Z") and manifest["app_version"]
    with world.app_context():
        from core.hierarchy.models import Unit

        assert manifest["tables"]["unit"]["rows"] == db.session.query(Unit).count() == 7
    assert manifest["tables"]["attachment"]["rows"] == 1 and manifest["attachments"]["files"] == 1
    assert all(len(t["sha256"]) == 64 for t in manifest["tables"].values())


def test_a_flipped_byte_fails_verify_naming_the_checksum(world, cli, tmp_path):
    path = _create(cli, tmp_path / "backups")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = cli("backup", "verify", str(path))
    assert result.exit_code == 1
    assert "SHA-256 mismatch" in result.output and archive.sidecar(path).name in result.output
    archive.sidecar(path).unlink()  # without the sidecar, the header's digest of the body
    result = cli("backup", "verify", str(path))
    assert result.exit_code == 1 and "SHA-256 mismatch" in result.output and "header" in result.output
    with world.app_context():
        failed = runs.last("verify", ok=False)
        assert failed is not None and "SHA-256 mismatch" in failed.detail["error"]


def test_a_forged_digest_does_not_help_the_cipher_refuses(world, cli, tmp_path):
    path = _create(cli, tmp_path / "backups")
    header = archive.Header.read(path.read_bytes()[:archive.HEADER_SIZE])
    data = bytearray(path.read_bytes())
    data[archive.HEADER_SIZE + 100] ^= 0x01
    forged = archive.Header(created_at=header.created_at, key_id=header.key_id, nonce=header.nonce,
                            body_size=header.body_size,
                            body_sha256=hashlib.sha256(bytes(data[archive.HEADER_SIZE:])).hexdigest())
    path.write_bytes(forged.to_bytes() + bytes(data[archive.HEADER_SIZE:]))
    archive.sidecar(path).unlink()
    result = cli("backup", "verify", str(path))
    assert result.exit_code == 1 and "does not decrypt" in result.output


def test_verify_names_the_first_table_that_differs_from_the_manifest(world, cli, tmp_path):
    path = _create(cli, tmp_path / "backups")
    content = tmp_path / "content"
    content.mkdir()
    archive.extract(path, [archive.decode_key(KEY)], content)
    manifest = json.loads((content / "manifest.json").read_text())
    manifest["tables"]["unit"]["rows"] += 1
    members = [("manifest.json", json.dumps(manifest).encode())]
    members += [(p.relative_to(content).as_posix(), p) for p in sorted(content.rglob("*"))
                if p.is_file() and p.name != "manifest.json"]
    forged = tmp_path / "forged.bcbk"
    archive.write(forged, archive.decode_key(KEY), manifest["created_at"], members)
    result = cli("backup", "verify", str(forged))
    assert result.exit_code == 1
    assert "table unit: 7 rows restored, the manifest says 8" in result.output


def test_without_a_backup_key_nothing_is_written(world, cli, tmp_path, monkeypatch):
    monkeypatch.delenv("BACKUP_KEY")
    result = cli("backup", "create", "--output", str(tmp_path / "backups"))
    assert result.exit_code == 1 and "BACKUP_KEY is not set" in result.output
    assert not list((tmp_path / "backups").glob("*.bcbk")) if (tmp_path / "backups").exists() else True


def test_a_backup_made_before_a_key_rotation_still_opens_with_the_old_key(world, cli, tmp_path, monkeypatch):
    path = _create(cli, tmp_path / "backups")
    monkeypatch.setenv("BACKUP_KEY", attachments.generate_key())
    result = cli("backup", "verify", str(path))
    assert result.exit_code == 1 and "neither BACKUP_KEY nor BACKUP_OLD_KEYS" in result.output
    instance = tmp_path / "cli-instance"
    (instance / "config.py").write_text(f"BACKUP_OLD_KEYS = [{KEY!r}]\n")
    result = cli("backup", "verify", str(path))
    assert result.exit_code == 0, result.output


def test_init_writes_a_backup_key(tmp_path, monkeypatch):
    from core.platform.instance import ensure_instance

    for name in ("SECRET_KEY", "ATTACHMENT_KEY", "BACKUP_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert ensure_instance(tmp_path) is True
    assert "BACKUP_KEY = '" in (tmp_path / "config.py").read_text()
    old = tmp_path / "old"
    old.mkdir()
    (old / "config.py").write_text("SECRET_KEY = 'x'\nATTACHMENT_KEY = 'y'\n")
    ensure_instance(old)
    ensure_instance(old)
    assert (old / "config.py").read_text().count("BACKUP_KEY =") == 1


# --- restore ---------------------------------------------------------------------------------------


def test_restore_into_an_empty_database_gives_identical_tables_and_readable_attachments(
        world, cli, tmp_path, monkeypatch, make_app, empty_database):
    path = _create(cli, tmp_path / "backups")
    manifest = _manifest(path)
    target = tmp_path / "new-instance"
    target.mkdir()
    monkeypatch.setenv("BAOCAO_INSTANCE", str(target))
    monkeypatch.setenv("DATABASE_URL", empty_database)

    result = cli("backup", "restore", str(path))
    assert result.exit_code == 0, result.output

    restored = databases.digests_of(normalise_db_url(empty_database))
    assert set(restored) == set(manifest["tables"])
    for table, expected in manifest["tables"].items():
        if table not in RESTORE_WRITES:
            assert restored[table] == expected, table
    assert cli("audit", "verify").exit_code == 0  # the chain continues after the restore
    app = make_app(INSTANCE_PATH=str(target), DATABASE_URL=empty_database)
    with app.app_context():
        row = db.session.execute(select(Attachment)).scalar_one()
        assert attachments.open_plain(row) == png_bytes()
        assert runs.last("restore", ok=True).file == str(path)
        assert db.session.get(BackupRun, manifest["run_id"]).ok is True  # its own run, finished by the restore
        assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "backup.restore")).scalar()
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_database_with_data_unless_told_yes(world, cli, tmp_path):
    path = _create(cli, tmp_path / "backups")
    with world.app_context():
        factories.province(rows=[factories.Row("H99", "Huyện mới", "district", "04")])
        db.session.commit()
    result = cli("backup", "restore", str(path))
    assert result.exit_code == 1 and "has data" in result.output and "--yes" in result.output
    result = cli("backup", "restore", str(path), "--yes")
    assert result.exit_code == 0, result.output
    with world.app_context():
        from core.hierarchy.models import Unit

        assert db.session.execute(select(Unit).where(Unit.code == "H99")).scalar() is None
        db.session.remove()
        db.engine.dispose()


# --- schedule and the weekly restore test ------------------------------------------------------------


def _due(app, moment: str) -> list[str]:
    with app.app_context():
        return sorted(j.name for j in jobs.scheduled(app) if croniter.match(j.cron, datetime.fromisoformat(moment)))


def test_backups_run_twice_per_working_week_and_a_restore_test_weekly(app):
    with app.app_context():
        by_name = {j.name: j for j in jobs.scheduled(app)}
    assert by_name["core.backup"].cron == "0 2 * * 2,5"
    assert "core.backup" in _due(app, "2026-11-24T02:00") and "core.backup" in _due(app, "2026-11-27T02:00")
    assert "core.backup" not in _due(app, "2026-11-25T02:00")
    assert "core.restore_test" in _due(app, "2026-11-28T04:00")
    with app.app_context():
        plugin_admin.set_enabled(db.session, "cao_bang", True)
        db.session.commit()
        assert app.extensions["baocao.plugins"].answering("backup_schedule")[0] == "cao_bang"
        assert app.extensions["baocao.plugins"].hook.backup_schedule() == "0 2 * * 2,5"


def test_the_weekly_restore_test_shows_on_the_admin_home_page(make_app, admin, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKUP_KEY", KEY)
    folder = tmp_path / "backups"
    app = make_app(BACKUP_DIR=str(folder))
    client = app.test_client()
    login(client, "admin", ADMIN_PASSWORD)
    assert "Chưa có lần phục hồi thử tự động nào" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert restore_test()["ok"] is False  # no backup yet
        from core.operations.backup import create

        path = create().file
        assert restore_test() == {"ok": True, "file": str(path), "seconds": pytest.approx(0, abs=60)}
        assert db.session.execute(select(BackupRun).where(BackupRun.kind == "restore_test",
                                                          BackupRun.ok.is_(True))).scalar()
    page = client.get("/").get_data(as_text=True)
    assert 'id="restore-test"' in page and "text-success" in page
    path.write_bytes(path.read_bytes()[:-1] + b"\0")
    with app.app_context():
        assert restore_test()["ok"] is False
    page = client.get("/").get_data(as_text=True)
    assert "text-danger" in page and "SHA-256 mismatch" in page


def test_postgres_tools_get_the_password_in_their_environment_not_their_arguments():
    from sqlalchemy.engine import make_url

    database = databases.PostgresDatabase(make_url("postgresql://baocao:b%C3%AD-m%E1%BA%ADt@db.example:5433/bc"
                                                   "?sslmode=require"))
    env = database.env()
    assert env["PGPASSWORD"] == "bí-mật" and env["PGHOST"] == "db.example" and env["PGPORT"] == "5433"
    assert env["PGUSER"] == "baocao" and env["PGDATABASE"] == "bc" and env["PGSSLMODE"] == "require"
    assert "bí-mật" not in database.name


def test_the_row_checksum_is_defined_value_by_value():
    from decimal import Decimal

    from core.operations.backup.checksums import row_bytes

    row = (1, "Xã Đức Long", None, True, Decimal("1.500000"), datetime(2026, 11, 21, 9, 0), b"\x01", {"b": 1, "a": 2})
    assert row_bytes(row) == '[1,"Xã Đức Long",null,true,"1.500000","2026-11-21T09:00:00","\\\\x01",{"a":2,"b":1}]\n'.encode()


def test_a_schedule_cron_cannot_read_falls_back_to_twice_a_week(app):
    from core import hookimpl

    class Broken:
        @hookimpl
        def backup_schedule(self):
            return "every tuesday"

    app.extensions["baocao.plugins"].pm.register(Broken(), name="broken-schedule")
    with app.app_context():
        assert {j.name: j.cron for j in jobs.scheduled(app)}["core.backup"] == "0 2 * * 2,5"
