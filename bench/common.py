"""What the benchmarks share: a unit row as ``core.hierarchy.units.import_units`` reads it, and the scaffolding
of the HTTP benchmarks (``deadline_spike``, ``autosave``): a scratch PostgreSQL database with every commune,
one numeric form, one report and one API token per commune, and ``baocao serve`` over it."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    kind: str
    parent_code: str | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_instance(name: str) -> Path:
    """An instance folder with a cheap password hash and no rate limits (the benchmark measures the
    work, not 3,321 scrypt logins), named in ``BAOCAO_INSTANCE``; makes the scratch database if missing."""
    instance = Path(tempfile.mkdtemp())
    (instance / "config.py").write_text(f'SECRET_KEY = "bench-{name}"\nFAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"\n'
                                        'RATELIMIT_ENABLED = False\nLOG_LEVEL = "ERROR"\n')
    os.environ["BAOCAO_INSTANCE"] = str(instance)
    return instance


def create_database(url: str) -> None:
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", url.rsplit("/", 1)[1]],
                   capture_output=True, check=False)


def prepare(url: str, instance: Path, units: int, fields: int, code: str = "SPIKE") -> list[tuple[int, str]]:
    """WIPES ``url``; then schema, units, one ``fields``-field form, one report per commune, one token
    per commune. Returns ``[(report id, token)]``."""
    from flask_jwt_extended import create_access_token
    from sqlalchemy import create_engine, text

    from core.accounts import lifecycle as accounts
    from core.reporting import assignment
    from core import create_app, normalise_db_url
    from core.bootstrap import migrate_to_head
    from core.contracts import FieldSpec, FormSpec, ScheduleSpec, SectionSpec
    from core.platform.extensions import db
    from core.forms.definitions import sync_spec
    from core.accounts.models import Account
    from core.reporting.models import Report
    from core.hierarchy.models import Unit
    from core.hierarchy.units import import_units

    engine = create_engine(normalise_db_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": None,
                      "JWT_ACCESS_TOKEN_EXPIRES": 3600})
    with app.app_context():
        migrate_to_head()
        import_units(db.session, [Row("VN", "Ban Dân tộc", "board")] +
                     [Row(f"X{i:05d}", f"Xã {i}", "commune", "VN") for i in range(units)], source="bench")
        sync_spec(db.session, FormSpec(code, f"Biểu {fields} chỉ tiêu", (SectionSpec("s", "Chung", tuple(
            FieldSpec(f"f{n:03d}", f"Chỉ tiêu {n}", min=0) for n in range(fields))),),
            schedules=(ScheduleSpec("yearly", ("commune",)),)), source="board")
        assignment.assign(db.session, date(2026, 12, 5))
        db.session.commit()
        with db.session.no_autoflush:
            for unit in db.session.query(Unit).filter(Unit.level == "commune").all():
                account, _, _ = accounts.issue(db.session, unit.code)
                account.must_change_password = False
        db.session.commit()
        tokens = {a.unit_id: create_access_token(identity=str(a.id), fresh=True)
                  for a in db.session.query(Account).filter(Account.unit_account.is_(True))}
        reports = [(r.id, tokens[r.unit_id]) for r in db.session.query(Report).order_by(Report.id)]
        db.session.remove()
        db.engine.dispose()
    return reports


@contextmanager
def serving(url: str, instance: Path, workers: int):
    """``baocao serve`` over ``url`` with ``workers`` processes; yields its port."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "BAOCAO_INSTANCE": str(instance)}
    env.pop("REDIS_URL", None)
    server = subprocess.Popen([str(Path(sys.executable).parent / "baocao"), "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
