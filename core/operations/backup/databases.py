"""Dumping and restoring the two databases baocao runs on, each with its own tools.

* **SQLite**: the online backup API (``sqlite3.Connection.backup``) copies a consistent
  snapshot while the app keeps running; checksums are read from that copy. Restoring copies
  the dump into the target the same way, replacing its whole content.
* **PostgreSQL**: ``pg_dump --format=custom`` and ``pg_restore``. The checksums are computed in
  a REPEATABLE READ transaction whose snapshot ``pg_dump --snapshot`` shares, so they describe
  exactly the rows in the dump. Connection settings go to the tools through ``PGHOST``,
  ``PGPORT``, ``PGUSER``, ``PGPASSWORD`` … in their environment, never on the command line
  (where ``ps`` shows them) nor in logs. The binaries are looked up in ``PG_BIN_DIR``, then
  ``/usr/lib/postgresql/<server major>/bin``, then ``PATH``; a ``pg_dump`` older than the server
  is refused (it cannot dump a newer server).
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from core.operations.backup.checksums import table_digests
from core.operations.backup.errors import BackupError

log = logging.getLogger(__name__)


def for_url(url: str, bin_dir: str | None = None):
    """The database behind ``url`` (a SQLAlchemy URL string)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return SQLiteDatabase(parsed)
    if parsed.get_backend_name() == "postgresql":
        return PostgresDatabase(parsed, bin_dir)
    raise BackupError(f"backups support SQLite and PostgreSQL, not {parsed.get_backend_name()}")


def digests_of(url: URL | str) -> dict[str, dict]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return table_digests(conn)
    finally:
        engine.dispose()


def has_data(url: URL | str) -> bool:
    """True when any table of the database holds a row (a fresh, empty database has none)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            quote = conn.dialect.identifier_preparer.quote
            return any(conn.execute(text(f"SELECT 1 FROM {quote(t)} LIMIT 1")).first()
                       for t in inspect(conn).get_table_names())
    finally:
        engine.dispose()


class SQLiteDatabase:
    dialect = "sqlite"
    dump_name = "database.sqlite3"

    def __init__(self, url: URL):
        if not url.database or url.database == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up")
        self.url, self.path = url, Path(url.database)

    @property
    def name(self) -> str:
        return str(self.path)

    def server_version(self) -> str:
        return sqlite3.sqlite_version

    def dump(self, target: Path) -> dict[str, dict]:
        _copy(self.path, target)
        return digests_of(f"sqlite:///{target}")

    @contextmanager
    def scratch(self, dump: Path, workdir: Path):
        """A temporary database file restored from ``dump``, removed afterwards."""
        target = workdir / "scratch.sqlite3"
        _copy(dump, target)
        try:
            yield f"sqlite:///{target}"
        finally:
            target.unlink(missing_ok=True)

    def restore(self, dump: Path) -> None:
        _copy(dump, self.path)


def _copy(source: Path, target: Path) -> None:
    """Page by page with SQLite's online backup API: consistent while others read and write."""
    src = sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    os.chmod(target, 0o600)


class PostgresDatabase:
    dialect = "postgresql"
    dump_name = "database.pgdump"
    #: URL query parameters libpq also reads from the environment.
    QUERY_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                 "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT", "host": "PGHOST",
                 "port": "PGPORT", "application_name": "PGAPPNAME"}

    def __init__(self, url: URL, bin_dir: str | None = None):
        self.url = url.set(drivername="postgresql+psycopg")
        self.bin_dir = bin_dir
        self._major: int | None = None

    @property
    def name(self) -> str:
        return self.url.database or ""

    def env(self, database: str | None = None) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        for key, value in (("PGHOST", self.url.host), ("PGPORT", self.url.port), ("PGUSER", self.url.username),
                           ("PGPASSWORD", self.url.password), ("PGDATABASE", database or self.url.database)):
            if value is not None:
                env[key] = str(value)
        for key, name in self.QUERY_ENV.items():
            value = self.url.query.get(key)
            if value:
                env[name] = value if isinstance(value, str) else value[0]
        return env

    def server_version(self) -> str:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(text("SHOW server_version")).scalar()
        finally:
            engine.dispose()

    def _server_major(self) -> int:
        if self._major is None:
            self._major = int(re.match(r"\d+", self.server_version()).group())
        return self._major

    def binary(self, tool: str) -> str:
        major = self._server_major()
        candidates = [Path(self.bin_dir) / tool] if self.bin_dir else []
        candidates.append(Path(f"/usr/lib/postgresql/{major}/bin/{tool}"))
        found = next((str(p) for p in candidates if p.exists()), None) or shutil.which(tool)
        if found is None:
            raise BackupError(f"{tool} not found: install the PostgreSQL {major} client or set PG_BIN_DIR")
        version = subprocess.run([found, "--version"], capture_output=True, text=True, check=False).stdout
        match = re.search(r"(\d+)(?:\.\d+)?", version)
        if match is None or int(match.group(1)) < major:
            raise BackupError(f"{found} is {version.strip() or 'unknown'}, older than the server "
                              f"(PostgreSQL {major}): install its client or set PG_BIN_DIR")
        return found

    def _run(self, argv: list[str], database: str | None = None) -> None:
        log.info("running %s", " ".join(argv))  # no secrets: they travel in the environment
        done = subprocess.run(argv, env=self.env(database), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = [line for line in (done.stderr or "").splitlines() if line.strip()]
            raise BackupError(f"{Path(argv[0]).name} failed: {lines[0] if lines else f'exit {done.returncode}'}")

    def dump(self, target: Path) -> dict[str, dict]:
        pg_dump = self.binary("pg_dump")
        engine = create_engine(self.url, isolation_level="REPEATABLE READ")
        try:
            with engine.connect() as conn, conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
                self._run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"])
                return table_digests(conn)  # the same snapshot as the dump
        finally:
            engine.dispose()

    @contextmanager
    def scratch(self, dump: Path, workdir: Path):
        """A temporary database on the same server, restored from ``dump`` and dropped afterwards."""
        name = f"baocao_verify_{os.urandom(5).hex()}"
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
            try:
                self._run([self.binary("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                           "--single-transaction", f"--dbname={name}", str(dump)], database=name)
                yield self.url.set(database=name)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()

    def restore(self, dump: Path) -> None:
        """Replace the configured database's tables with the dump's, in one transaction."""
        self._run([self.binary("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                   "--exit-on-error", "--single-transaction", f"--dbname={self.name}", str(dump)])
