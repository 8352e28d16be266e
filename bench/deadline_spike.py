"""Deadline spike: every commune saves 200 values and submits, all at once, through the HTTP API.

Issue 5's target on 2 cores: ≥ 100 submissions/s, p95 < 250 ms, and at least 0.3 of a baseline
that does the same writes with bare psycopg (no HTTP, no ORM, no validation, no audit), measured
in the same run. Needs PostgreSQL: ``BENCH_SPIKE_URL`` names a scratch database that this benchmark
WIPES (default ``postgresql://postgres@127.0.0.1:5432/baocao_bench_spike``, created if missing); it
never reads ``DATABASE_URL``, so ``make bench`` cannot wipe a real database.

The server is ``baocao serve`` (gunicorn, ``BENCH_WORKERS`` processes); 16 client threads
(``BENCH_CLIENTS``) each take the next unit, ``PUT /api/v1/report/<id>/values`` then
``POST /api/v1/report/<id>/transition`` ``{"action": "submit"}``. Accounts use a cheap password
hash and tokens are minted directly, so the spike measures submissions, not 3,321 scrypt logins.
"""
from __future__ import annotations

import http.client
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

UNITS = int(os.environ.get("BENCH_UNITS", "3321"))
FIELDS = 200
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/baocao_bench_spike"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its live children, read from /proc.

    The server's CPU per submission is the figure that survives a busy machine: wall-clock rates
    fall when other work shares the two cores, the CPU each submission costs hardly moves.
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


def _settled_cpu(pid: int) -> float:
    """The server tree's CPU once its workers have finished booting (two readings 0.5 s apart agree)."""
    previous = -1.0
    for _ in range(60):
        current = _tree_cpu(pid)
        if current - previous < 0.02:
            return current
        previous = current
        time.sleep(0.5)
    return current


def prepare(url: str, instance: Path) -> list[tuple[int, str]]:
    """Schema, units, one 200-field form, one report per commune, one token per commune."""
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
    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": None})
    with app.app_context():
        migrate_to_head()

        class Row:
            def __init__(self, code, name, kind, parent_code=None):
                self.code, self.name, self.kind, self.parent_code = code, name, kind, parent_code

        import_units(db.session, [Row("VN", "Ban Dân tộc", "board")] +
                     [Row(f"X{i:05d}", f"Xã {i}", "commune", "VN") for i in range(UNITS)], source="bench")
        sync_spec(db.session, FormSpec("SPIKE", "Biểu 200 chỉ tiêu", (SectionSpec("s", "Chung", tuple(
            FieldSpec(f"f{n:03d}", f"Chỉ tiêu {n}", min=0) for n in range(FIELDS))),),
            schedules=(ScheduleSpec("yearly", ("commune",)),)), source="board")
        assignment.assign(db.session, date(2026, 12, 5))
        db.session.commit()
        units = db.session.query(Unit).filter(Unit.level == "commune").all()
        with db.session.no_autoflush:
            for unit in units:
                account, _, _ = accounts.issue(db.session, unit.code)
                account.must_change_password = False
        db.session.commit()
        tokens = {a.unit_id: create_access_token(identity=str(a.id), fresh=True)
                  for a in db.session.query(Account).filter(Account.unit_account.is_(True))}
        reports = [(r.id, tokens[r.unit_id]) for r in db.session.query(Report).order_by(Report.id)]
        db.session.remove()
        db.engine.dispose()
    return reports


def spike(port: int, reports: list[tuple[int, str]]) -> tuple[float, list[float], int]:
    work: queue.Queue = queue.Queue()
    for item in reports:
        work.put(item)
    latencies, failures, lock = [], [0], threading.Lock()
    body = json.dumps({"values": {f"f{n:03d}": n + 1 for n in range(FIELDS)}})

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            try:
                report_id, token = work.get_nowait()
            except queue.Empty:
                return
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            start = time.perf_counter()
            conn.request("PUT", f"/api/v1/report/{report_id}/values", body, headers)
            ok = conn.getresponse().read() and True
            conn.request("POST", f"/api/v1/report/{report_id}/transition", json.dumps({"action": "submit"}), headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if response.status != 200 or not ok:
                    failures[0] += 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies, failures[0]


def baseline(url: str, reports: list[tuple[int, str]]) -> float:
    """The same writes with bare psycopg, 16 connections: values, state, history row."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    work: queue.Queue = queue.Queue()
    for report_id, _ in reports:
        work.put(report_id)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM report_value")
        conn.execute("UPDATE report SET state = 'draft'")

    def client():
        with psycopg.connect(dsn) as conn:
            while True:
                try:
                    report_id = work.get_nowait()
                except queue.Empty:
                    return
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO report_value (report_id, field_code, cell, number) "
                                    "VALUES (%s, %s, '', %s)", [(report_id, f"f{n:03d}", n + 1) for n in range(FIELDS)])
                    cur.execute("UPDATE report SET state = 'submitted', submitted_at = now() WHERE id = %s",
                                (report_id,))
                    cur.execute("INSERT INTO report_transition (report_id, action, from_state, to_state, actor, at) "
                                "VALUES (%s, 'submit', 'draft', 'submitted', 'bench', now())", (report_id,))
                conn.commit()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def main() -> None:
    url = os.environ.get("BENCH_SPIKE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        print("deadline spike: needs PostgreSQL (DATABASE_URL); skipped")
        return
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", url.rsplit("/", 1)[1]],
                   capture_output=True, check=False)
    instance = Path(tempfile.mkdtemp())
    (instance / "config.py").write_text('SECRET_KEY = "bench-spike"\nFAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"\n'
                                        'RATELIMIT_ENABLED = False\nLOG_LEVEL = "ERROR"\n')
    os.environ["BAOCAO_INSTANCE"] = str(instance)
    start = time.perf_counter()
    reports = prepare(url, instance)
    print(f"deadline spike: {len(reports)} reports x {FIELDS} values prepared in {time.perf_counter() - start:.0f} s")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "BAOCAO_INSTANCE": str(instance)}
    env.pop("REDIS_URL", None)
    server = subprocess.Popen([str(Path(sys.executable).parent / "baocao"), "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(WORKERS)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        cpu_before = _settled_cpu(server.pid)
        seconds, latencies, failures = spike(port, reports)
        server_cpu = _tree_cpu(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=30)
    base = baseline(url, reports)
    rate, base_rate = len(latencies) / seconds, len(reports) / base
    p50 = statistics.median(latencies) * 1000
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    print(f"  baocao serve ({WORKERS} workers), {CLIENTS} clients: {rate:7.1f} submissions/s, "
          f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, {failures} failed (targets: >= 100/s, p95 < 250 ms)")
    print(f"  server CPU {server_cpu * 1000 / max(len(latencies), 1):.1f} ms per submission "
          f"(user + system of the gunicorn processes; steady when the machine is busy)")
    print(f"  baseline, bare psycopg, same writes:  {base_rate:7.1f} submissions/s")
    print(f"  ratio to baseline {rate / base_rate:.2f} (target >= 0.3)")


if __name__ == "__main__":
    main()
