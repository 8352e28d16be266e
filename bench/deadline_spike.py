"""Deadline spike: every commune saves 200 values and submits, all at once, through the HTTP API.

Issue 5's target on 2 cores: ≥ 100 submissions/s, p95 < 250 ms, and at least 0.3 of a baseline
that does the same writes with bare psycopg (no HTTP, no ORM, no validation, no audit), measured
in the same run. Needs PostgreSQL: ``BENCH_SPIKE_URL`` names a scratch database that this benchmark
WIPES (default ``postgresql://postgres@127.0.0.1:5432/baocao_bench_spike``, created if missing); it
never reads ``DATABASE_URL``, so ``make bench`` cannot wipe a real database.

The server is ``baocao serve`` (gunicorn, ``BENCH_WORKERS`` processes); 16 client threads
(``BENCH_CLIENTS``) each take the next unit. Two rounds in one run, every report each time:

* one request: ``POST /api/v1/report/<id>/transition`` ``{"action": "submit", "values": {...}}``
  (saved and submitted in one transaction, issue 17);
* two requests: ``PUT /api/v1/report/<id>/values`` then ``POST …/transition`` ``{"action": "submit"}``.

Between them the reports go back to drafts without values. Beside the rates, which move with the
machine's load, it prints what hardly moves: the server's CPU per submission and the SQL statements
per submission (counted in-process over the same database, the audit chainer's apart). Accounts use a
cheap password hash and tokens are minted directly, so the spike measures submissions, not 3,321
scrypt logins.
"""
from __future__ import annotations

import http.client
import json
import os
import queue
import statistics
import threading
import time

from bench.common import create_database, prepare, run_threads, scratch_instance, serving, statements_per_request

UNITS = int(os.environ.get("BENCH_UNITS", "3321"))
FIELDS = 200
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/baocao_bench_spike"


VALUES = {f"f{n:03d}": n + 1 for n in range(FIELDS)}


def submit(send, report_id: int, token: str, one_request: bool) -> bool:
    """One submission through ``send(method, path, body, headers) -> status``; True when it went up."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if one_request:
        return send("POST", f"/api/v1/report/{report_id}/transition",
                    json.dumps({"action": "submit", "values": VALUES}), headers) == 200
    saved = send("PUT", f"/api/v1/report/{report_id}/values", json.dumps({"values": VALUES}), headers) == 200
    return send("POST", f"/api/v1/report/{report_id}/transition", json.dumps({"action": "submit"}), headers) == 200 \
        and saved


def spike(port: int, reports: list[tuple[int, str]], one_request: bool) -> tuple[float, list[float], int]:
    work: queue.Queue = queue.Queue()
    for item in reports:
        work.put(item)
    latencies, failures, lock = [], [0], threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)

        def send(method, path, body, headers):
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            response.read()
            return response.status

        while True:
            try:
                report_id, token = work.get_nowait()
            except queue.Empty:
                return
            start = time.perf_counter()
            ok = submit(send, report_id, token, one_request)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if not ok:
                    failures[0] += 1

    return run_threads(client, CLIENTS), latencies, failures[0]


def reset(url: str) -> None:
    """Every report back to a draft without values (what ``prepare`` left), for the next round."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DELETE FROM report_value")
        conn.execute("UPDATE report SET state = 'draft', level = 'commune', review_step = 0, submitted_at = NULL")


def counted_statements(url: str, instance, reports: list[tuple[int, str]], one_request: bool) -> tuple[float, float]:
    """SQL statements per submission, request path and audit chainer, in-process (see bench.common)."""
    def send(client, item):
        def one(method, path, body, headers):
            return client.open(path, method=method, data=body, headers=headers).status_code

        assert submit(one, *item, one_request), "a counted submission failed"

    return statements_per_request(url, instance, send, reports)


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
    sql = {True: counted_statements(url, instance, reports[:11], True),
           False: counted_statements(url, instance, reports[11:22], False)}
    reset(url)
    rounds = {}
    with serving(url, instance, WORKERS) as port:
        for one_request in (True, False):
            cpu = port.cpu()
            seconds, latencies, failures = spike(port, reports, one_request)
            rounds[one_request] = (seconds, latencies, failures, port.cpu() - cpu)
            reset(url)
    base = baseline(url, reports)
    base_rate = len(reports) / base
    print(f"  baocao serve ({WORKERS} workers), {CLIENTS} clients; targets: >= 100/s, p95 < 250 ms, ratio >= 0.3")
    for one_request in (True, False):
        seconds, latencies, failures, cpu = rounds[one_request]
        rate = len(latencies) / seconds
        p50 = statistics.median(latencies) * 1000
        p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
        request_sql, chainer_sql = sql[one_request]
        print(f"  {'one request ' if one_request else 'two requests'}: {rate:7.1f} submissions/s, p50 {p50:.0f} ms, "
              f"p95 {p95:.0f} ms, {failures} failed; ratio to baseline {rate / base_rate:.2f}")
        print(f"      server CPU {cpu * 1000 / max(len(latencies), 1):.1f} ms per submission (user + system of the "
              f"gunicorn processes); SQL {request_sql:.1f} statements per submission + {chainer_sql:.1f} by the "
              f"audit chainer")
    print(f"  baseline, bare psycopg, same writes:  {base_rate:7.1f} submissions/s")


if __name__ == "__main__":
    main()
