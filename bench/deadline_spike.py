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
import statistics
import threading
import time

from bench.common import create_database, prepare, run_threads, scratch_instance, serving

UNITS = int(os.environ.get("BENCH_UNITS", "3321"))
FIELDS = 200
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/baocao_bench_spike"


def spike(port: int, reports: list[tuple[int, str]]) -> tuple[float, list[float], int]:
    work: queue.Queue = queue.Queue()
    for item in reports:
        work.put(item)
    latencies, failures, lock = [], [0], threading.Lock()
    body = json.dumps({"values": {f"f{n:03d}": n + 1 for n in range(FIELDS)}})

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
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

    return run_threads(client, CLIENTS), latencies, failures[0]


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

    return run_threads(client, CLIENTS)


def main() -> None:
    url = os.environ.get("BENCH_SPIKE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        print("deadline spike: needs PostgreSQL (DATABASE_URL); skipped")
        return
    create_database(url)
    instance = scratch_instance("spike")
    start = time.perf_counter()
    reports = prepare(url, instance, UNITS, FIELDS)
    print(f"deadline spike: {len(reports)} reports x {FIELDS} values prepared in {time.perf_counter() - start:.0f} s")
    with serving(url, instance, WORKERS) as port:
        seconds, latencies, failures = spike(port, reports)
        server_cpu = port.cpu()
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
