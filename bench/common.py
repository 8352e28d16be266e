"""What the benchmarks share: a unit row as ``core.hierarchy.units.import_units`` reads it, and the scaffolding
of the HTTP benchmarks (``deadline_spike``, ``autosave``): a scratch PostgreSQL database with every commune,
one numeric form, one report and one API token per commune, and ``baocao serve`` over it."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
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


def bench_app():
    """``(app, url)``: an app over ``DATABASE_URL``, else a scratch SQLite file, migrated to head."""
    import os
    import tempfile

    from core import create_app
    from core.bootstrap import migrate_to_head

    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "DATABASE_URL": url, "REDIS_URL": None,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        migrate_to_head()
    return app, url


def commune_with_period(session, prefix: str):
    """``(unit, period)``: a board ``<prefix>`` with one commune ``<prefix>001``, and an ad-hoc period
    ``BENCH-<prefix>`` open today for ten days (both made once, found again on a later run)."""
    from datetime import timedelta

    from sqlalchemy import select

    from core.forms.models.period import Period
    from core.hierarchy.models import Unit
    from core.hierarchy.units import import_units
    from core.platform.clock import today

    import_units(session, [Row(prefix, "Ban Dân tộc (thử)", "board"), Row(f"{prefix}001", "Xã thử", "commune", prefix)],
                 source="bench")
    unit = session.execute(select(Unit).where(Unit.code == f"{prefix}001")).scalar_one()
    day = today()
    period = session.execute(select(Period).where(Period.code == f"BENCH-{prefix}")).scalar_one_or_none()
    if period is None:
        period = Period(code=f"BENCH-{prefix}", type="adhoc", name="Kỳ thử", start=day, end=day,
                        deadline=day + timedelta(days=10), opens=day, closes=day + timedelta(days=10))
        session.add(period)
    return unit, period


def draft_report(session, spec, unit, period):
    """The unit's report of ``spec`` (published now by the board) for ``period``: a draft with no values."""
    from sqlalchemy import delete, select

    from core.forms.definitions import latest_version, sync_spec
    from core.forms.models.form import Form
    from core.reporting.models import Report, ReportValue

    sync_spec(session, spec, source="board")
    form = session.execute(select(Form).where(Form.code == spec.code)).scalar_one()
    version = latest_version(session, form)
    session.flush()
    report = session.execute(select(Report).where(
        Report.form_id == form.id, Report.period_id == period.id, Report.unit_id == unit.id)).scalar_one_or_none()
    if report is None:
        report = Report(form_id=form.id, period_id=period.id, unit_id=unit.id, level=unit.level,
                        deadline=period.deadline, form_version_id=version.id)
        session.add(report)
    report.state, report.form_version_id = "draft", version.id
    session.flush()
    session.execute(delete(ReportValue).where(ReportValue.report_id == report.id))
    return report


def signed_in(app, unit_code: str):
    """A test client signed in as the unit's account, after the first login's forced password change."""
    from core.accounts import lifecycle as accounts
    from core.platform.extensions import db

    with app.app_context():
        account, one_time, _created = accounts.issue(db.session, unit_code)
        db.session.commit()
        username = account.username
    client = app.test_client()
    client.post("/login/", data={"username": username, "password": one_time})
    new = f"Thử-Nghiệm-{secrets.token_hex(4)}-2026!"
    client.post("/account/password/form", data={"old_password": one_time, "new_password": new,
                                                 "confirm_password": new})
    return client
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_instance(name: str) -> Path:
    """An instance folder with a cheap password hash and no rate limits (the benchmark measures the
    work, not 3,321 scrypt logins), named in ``BAOCAO_INSTANCE``; makes the scratch database if missing."""
    instance = Path(tempfile.mkdtemp())
    (instance / "config.py").write_text(f'SECRET_KEY = "bench-{name}-{secrets.token_hex(16)}"\n'
                                        'FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"\n'
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


def run_threads(target, count: int) -> float:
    """Run ``target`` in ``count`` threads at once; the seconds until the last one ends."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its live children, read from /proc.

    The server's CPU per request is the figure that survives a busy machine: wall-clock rates fall
    when other work shares the two cores, the CPU each request costs hardly moves.
    """
    tick = os.sysconf("SC_CLK_TCK")
    pids, total = [pid], 0.0
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def named_cpu(name: str) -> float:
    """CPU seconds (user + system) of the live processes called ``name`` (``postgres``: the server and
    its backends; a backend that ends takes its count with it, so read it around pooled work)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, rest = stat.read_text().rsplit(")", 1)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if head.split("(", 1)[1] == name:
            fields = rest.split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def machine_busy() -> tuple[float, float]:
    """``(busy, all)`` CPU seconds of the whole machine since boot, all cores (/proc/stat): two readings
    give the share of the cores a run kept busy, whoever used them."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values[:8]) - idle) / tick, sum(values[:8]) / tick


class Served(int):
    """The port ``serving`` yields, which also knows the server's CPU used since it finished booting."""

    pid: int
    booted_cpu: float

    def cpu(self) -> float:
        return tree_cpu(self.pid) - self.booted_cpu


def _settled_cpu(pid: int) -> float:
    """The server tree's CPU once its workers have finished booting (two readings 0.5 s apart agree)."""
    previous = current = -1.0
    for _ in range(60):
        current = tree_cpu(pid)
        if current - previous < 0.02:
            break
        previous = current
        time.sleep(0.5)
    return current


@contextmanager
def serving(url: str, instance: Path, workers: int):
    """``baocao serve`` over ``url`` with ``workers`` processes; yields its port. Its output goes to the
    file ``BENCH_SERVER_LOG`` names (appended), else nowhere."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "BAOCAO_INSTANCE": str(instance)}
    env.pop("REDIS_URL", None)
    log = open(os.environ["BENCH_SERVER_LOG"], "ab") if os.environ.get("BENCH_SERVER_LOG") else subprocess.DEVNULL
    server = subprocess.Popen([str(Path(sys.executable).parent / "baocao"), "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(workers)], env=env, stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        served = Served(port)
        served.pid, served.booted_cpu = server.pid, _settled_cpu(server.pid)
        yield served
    finally:
        server.terminate()
        server.wait(timeout=30)


class StatementCount:
    """SQL statements sent through an app's engine, the request path apart from the audit chainer's thread.

    Statements per request are the other figure a busy machine does not move (``tree_cpu``'s reasoning):
    the benchmarks count them in-process, over the same database and settings as ``baocao serve``.
    """

    def __init__(self, engine):
        self.engine, self.request, self.chainer = engine, 0, 0

    def _count(self, *args):
        if threading.current_thread().name == "audit-chainer":
            self.chainer += 1
        else:
            self.request += 1

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        time.sleep(0.3)  # the chainer thread's last run
        event.remove(self.engine, "before_cursor_execute", self._count)


def statements_per_request(url: str, instance: Path, send, items: list) -> tuple[float, float]:
    """``(request path, audit chainer)`` SQL statements per item: ``send(client, item)`` for each, in-process
    through the Flask test client, with the chainer in its thread as under ``baocao serve``."""
    from core import create_app
    from core.platform.extensions import db

    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": None,
                      "AUDIT_CHAIN_IN_BACKGROUND": True})
    client = app.test_client()
    send(client, items[0])  # warm: the form version, permissions and plugin set cached as in a running worker
    with app.app_context():
        engine = db.engine
    with StatementCount(engine) as count:
        for item in items[1:]:
            send(client, item)
    with app.app_context():
        db.session.remove()
        engine.dispose()
    n = max(len(items) - 1, 1)
    return count.request / n, count.chainer / n
