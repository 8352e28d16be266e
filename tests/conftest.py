"""Fixtures: a fresh app per test over a migrated database, at a fixed instant.

A test never depends on the real date or time. The clock is frozen (time-machine,
ticking) from the start of the session: every test starts at :data:`NOW`, that is
``BAOCAO_TEST_NOW`` (ISO 8601 with its UTC offset) or 10/11/2026 09:00 in Vietnam.

* A scenario set on a given day says so: ``@pytest.mark.at("2026-12-05T09:00:00+07:00")``
  (``factories.ON_ASSIGNMENT_DAY`` for the factories' reports); its fixtures see that day too.
* A test moves through time with the ``now`` fixture: ``now.shift(timedelta(days=2))``,
  ``now.move_to(...)``. Everything moves: core's clock, Flask sessions, JWTs, cookies.
* To age only core's records (password age, lockout, a maintenance lead time) while the
  test's sessions and tokens stay alive, a test may still set ``core.platform.clock.utcnow`` alone
  with ``monkeypatch``: later, by a relative amount, never a fixed date.
* A test whose outcome depends on the date (periods open, deadlines, lateness, reminders,
  ranges up to today) is marked ``calendar`` and asserts relative to the frozen day; CI
  runs those again at several instants (.ci/run).
* Real ``baocao`` processes start at the test's instant (tests/frozen_baocao.py). Chromium
  corrects cookie expiry by the server's ``Date`` header, so the browser agrees too.

Without ``DATABASE_URL`` the database is SQLite: migrated once per session
into a template file that each test copies. With ``DATABASE_URL`` (CI: a
PostgreSQL database of its own) the schema is rebuilt once per session and
each test starts from the migrated baseline rows. ``REDIS_URL`` switches jobs
to a real RQ queue; its database is flushed before each test.
"""
from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import create_engine, insert, inspect, text

from core import create_app, normalise_db_url
from core.testing import api_token  # noqa: F401  (tests import it from here)

PG_URL = os.environ.get("DATABASE_URL")
REDIS_URL = os.environ.get("REDIS_URL")
ADMIN_PASSWORD = "Qu@nTri-2026!"

#: Where the tests live when BAOCAO_TEST_NOW does not say: an ordinary Tuesday morning in Vietnam.
DEFAULT_NOW = "2026-11-10T09:00:00+07:00"


def _instant() -> datetime:
    raw = os.environ.get("BAOCAO_TEST_NOW") or DEFAULT_NOW
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise pytest.UsageError(f"BAOCAO_TEST_NOW={raw!r}: expected ISO 8601 with a UTC offset, "
                                "e.g. 2026-11-10T09:00:00+07:00")
    return moment


#: The instant every test starts at.
NOW = _instant()
_travel = time_machine.travel(NOW, tick=True)
_clock: time_machine.Traveller | None = None


def pytest_configure(config):
    """Freeze the clock before any test module is imported: module constants, session and module
    fixtures see the tests' instant too, never the real date."""
    global _clock
    if _clock is None:
        _clock = _travel.start()


def pytest_unconfigure(config):
    global _clock
    if _clock is not None:
        _travel.stop()
        _clock = None


def pytest_report_header(config):
    return f"baocao: the clock is frozen at {NOW.isoformat()} (BAOCAO_TEST_NOW), ticking"


def _start_of(node) -> datetime:
    marker = node.get_closest_marker("at")
    if marker is None:
        return NOW
    moment = datetime.fromisoformat(marker.args[0])
    if moment.tzinfo is None:
        raise pytest.UsageError(f"{node.nodeid}: @pytest.mark.at needs a UTC offset, not {marker.args[0]!r}")
    return moment


@pytest.fixture(autouse=True)
def now(request) -> time_machine.Traveller:
    """The one clock of the tests, frozen and ticking (timeouts, the browser and real servers work).

    Each test starts at :data:`NOW`, or at the instant of its ``@pytest.mark.at("…+07:00")`` (a
    scenario set on a given day: every fixture of the test already sees that day). A test moves it
    with ``now.shift(timedelta(days=2))`` or ``now.move_to(datetime(2026, 12, 21, 8, 0))`` (naive
    means UTC, as :func:`core.platform.clock.utcnow`); sessions, tokens and cookies move with it.
    """
    _clock.move_to(_start_of(request.node), tick=True)
    return _clock


def base_config(instance: Path, db_url: str) -> dict:
    return {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": db_url,
        "REDIS_URL": REDIS_URL,
        "WTF_CSRF_ENABLED": False,
        "JOB_RETRY_INTERVALS": [0],
        "RATELIMIT_ENABLED": False,
    }


def _migrate(config: dict) -> None:
    from core.bootstrap import migrate_to_head

    app = create_app(dict(config))
    with app.app_context():
        migrate_to_head()
        from core.platform.extensions import db

        db.session.remove()
        db.engine.dispose()


class Baseline:
    """The rows a freshly migrated database holds, to put back after each PostgreSQL test."""

    def __init__(self, url: str):
        self.engine = create_engine(normalise_db_url(url))
        with self.engine.connect() as conn:
            self.tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
            from flask_appbuilder import Model

            self.meta = Model.metadata
            self.rows = {
                t: [dict(r._mapping) for r in conn.execute(self.meta.tables[t].select())]
                for t in self.tables
                if t in self.meta.tables
            }

    def restore(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(self.tables)} RESTART IDENTITY CASCADE"))
            for table in self.meta.sorted_tables:
                rows = self.rows.get(table.name)
                if rows:
                    conn.execute(insert(table), rows)
                    if "id" in table.c and isinstance(rows[0].get("id"), int):
                        conn.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT max(id) FROM {table.name}))"
                        ))


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """Migrate once; yield a callable that gives each test a clean database URL."""
    if PG_URL:
        engine = create_engine(normalise_db_url(PG_URL))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(base_config(tmp_path_factory.mktemp("migrate"), PG_URL))
        baseline = Baseline(PG_URL)

        def fresh(tmp_path: Path) -> str:
            baseline.restore()
            return PG_URL

        yield fresh
        baseline.engine.dispose()
    else:
        template = tmp_path_factory.mktemp("template") / "baocao.db"
        _migrate(base_config(template.parent, f"sqlite:///{template}"))

        def fresh(tmp_path: Path) -> str:
            target = tmp_path / "baocao.db"
            shutil.copy(template, target)
            return f"sqlite:///{target}"

        yield fresh


@pytest.fixture
def db_url(database, tmp_path):
    url = database(tmp_path)
    if REDIS_URL:
        from redis import Redis

        Redis.from_url(REDIS_URL).flushdb()
    return url


@pytest.fixture
def make_app(db_url, tmp_path):
    """Build apps over the test's database; several apps act like several processes."""
    apps = []
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)

    def factory(**overrides):
        app = create_app({**base_config(instance, db_url), **overrides})
        apps.append(app)
        return app

    yield factory
    from core.platform.extensions import db

    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin(app):
    """The system administrator, with a known password."""
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.add_user("admin", "Quản trị", "hệ thống", "admin@example.vn",
                           sm.find_role(sm.auth_role_admin), password=ADMIN_PASSWORD)
        return {"id": user.id, "username": "admin", "password": ADMIN_PASSWORD}


def login(client, username: str, password: str):
    return client.post("/login/", data={"username": username, "password": password}, follow_redirects=False)


def change_password(client, old: str, new: str):
    """The self-service change form, as a user fills it."""
    return client.post("/account/password/form", data={
        "old_password": old, "new_password": new, "confirm_password": new}, follow_redirects=False)


@pytest.fixture
def cli(db_url, tmp_path, monkeypatch):
    """Run ``baocao`` commands as a user would, against the test's database."""
    from click.testing import CliRunner

    from core.cli import main

    instance = tmp_path / "cli-instance"
    instance.mkdir(exist_ok=True)
    monkeypatch.setenv("BAOCAO_INSTANCE", str(instance))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    if REDIS_URL:
        monkeypatch.setenv("REDIS_URL", REDIS_URL)
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run
