"""Autosave at a deadline: every commune's officer types, and the entry page saves one cell every 10 s.

Issue 15's target: 3,321 officers (``BENCH_UNITS``) each autosaving one cell every 10 s
(``BENCH_EVERY``) for 60 s (``BENCH_SECONDS``), about 330 requests/s, against ``baocao serve`` on
PostgreSQL: p95 < 100 ms and 0 errors, with the ratio to a bare psycopg UPDATE of one cell measured in
the same run. Each officer starts at its own moment within the first interval (people do not type in
step) and sends ``PATCH /api/v1/report/<id>/values`` ``{"values": {"fNNN": "12,5"|…}, "as_typed": true}``
as the entry page does, with its API token (minted directly, as in ``deadline_spike``). Latency runs from
the moment a request was due, not when a client thread got to it, so a queue behind a slow server counts.

``BENCH_AUTOSAVE_URL`` names a scratch database that this benchmark WIPES (default
``postgresql://postgres@127.0.0.1:5432/baocao_bench_autosave``, created if missing); it never reads
``DATABASE_URL``.
"""
from __future__ import annotations

import heapq
import http.client
import json
import os
import socket
import statistics
import threading
import time

from bench.common import (create_database, machine_busy, named_cpu, prepare, run_threads, scratch_instance, serving,
                          statements_per_request)

UNITS = int(os.environ.get("BENCH_UNITS", "3321"))
FIELDS = 50
EVERY = float(os.environ.get("BENCH_EVERY", "10"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "48"))
#: Two per core, as docs/deploy.md advises (and says why: each extra sync worker wakes for every connection).
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/baocao_bench_autosave"


def schedule(reports: list[tuple[int, str]]) -> list[tuple[float, int, int, str]]:
    """``(due second, n, report id, token)``: officer i first at i/N of an interval, then every EVERY s."""
    plan = []
    for i, (report_id, token) in enumerate(reports):
        first = EVERY * i / len(reports)
        n = 0
        while first + n * EVERY < SECONDS:
            plan.append((first + n * EVERY, n, report_id, token))
            n += 1
    heapq.heapify(plan)
    return plan


def warm_up(port: int, reports: list[tuple[int, str]]) -> None:
    """Until every worker has booted and answered: gunicorn accepts connections before its workers run."""
    report_id, token = reports[0]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = json.dumps({"values": {"f000": "1"}, "as_typed": True})

    def one():
        for _ in range(60):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
                began = time.perf_counter()
                conn.request("PATCH", f"/api/v1/report/{report_id}/values", body, headers)
                ok = conn.getresponse().status == 200
                conn.close()
                if ok and time.perf_counter() - began < 0.2:
                    return
            except OSError:
                time.sleep(0.5)

    run_threads(one, WORKERS * 4)


def patch(send, report_id: int, token: str, n: int) -> int:
    """One autosave as the entry page sends it: one changed cell, as typed ("2.000", a Vietnamese
    thousands dot, every other time); the answer's status."""
    body = json.dumps({"values": {f"f{(report_id + n) % FIELDS:03d}": f"{n + 1}.000" if n % 2 else str(n + 1)},
                       "as_typed": True})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return send("PATCH", f"/api/v1/report/{report_id}/values", body, headers)


def send_bytes(port: int, method: str, path: str, body: str, headers: dict) -> int:
    """One request on a fresh connection, as bytes on a socket; the answer's status.

    The officers' browsers run on their own machines; here they share the server's two cores, and every
    millisecond of CPU they spend is one the server cannot use. ``http.client`` cost 0.4 ms per save, a
    sixth of the machine at this load; this costs about half as much. Same request and same wait for the
    whole answer (to its ``Content-Length``, or the server closing, as ``baocao serve`` does).
    """
    payload = body.encode()
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(payload)}\r\n"
                     f"{head}\r\n".encode() + payload)
        answer, end, length = b"", -1, None
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
            if end < 0 and (end := answer.find(b"\r\n\r\n")) >= 0:
                for line in answer[:end].lower().split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
            if end >= 0 and length is not None and len(answer) >= end + 4 + length:
                break
    if not answer.startswith(b"HTTP/1.") or end < 0:
        raise http.client.HTTPException("no complete answer")
    return int(answer.split(b" ", 2)[1])


def autosave(port: int, plan: list) -> tuple[list[float], int, dict]:
    latencies, failures, statuses, lock = [], [0], {}, threading.Lock()
    start = time.perf_counter() + 0.5

    def send(method, path, body, headers):
        return send_bytes(int(port), method, path, body, headers)

    def client():
        while True:
            with lock:
                if not plan:
                    return
                due, n, report_id, token = heapq.heappop(plan)
            wait = start + due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            try:
                status = patch(send, report_id, token, n)
            except (OSError, http.client.HTTPException, ValueError):
                status = 0
            elapsed = time.perf_counter() - (start + due)
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200:
                    failures[0] += 1

    run_threads(client, CLIENTS)
    return latencies, failures[0], statuses


def baseline(url: str, reports: list[tuple[int, str]], count: int) -> list[float]:
    """The same number of one-cell writes with bare psycopg, 16 connections, one transaction each:
    ``INSERT … ON CONFLICT DO UPDATE`` of the cell (no HTTP, no ORM, no check, no value history)."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    todo = [(reports[i % len(reports)][0], i) for i in range(count)]
    latencies, lock = [], threading.Lock()

    def client():
        with psycopg.connect(dsn) as conn:
            while True:
                with lock:
                    if not todo:
                        return
                    report_id, n = todo.pop()
                began = time.perf_counter()
                conn.execute("INSERT INTO report_value (report_id, field_code, cell, number) VALUES (%s, %s, '', %s) "
                             "ON CONFLICT (report_id, field_code, cell) DO UPDATE SET number = EXCLUDED.number",
                             (report_id, f"f{(report_id + n) % FIELDS:03d}", n + 1))
                conn.commit()
                with lock:
                    latencies.append(time.perf_counter() - began)

    run_threads(client, 16)
    return latencies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] * 1000


def main() -> None:
    url = os.environ.get("BENCH_AUTOSAVE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        print("autosave: needs PostgreSQL; skipped")
        return
    create_database(url)
    instance = scratch_instance("autosave")
    began = time.perf_counter()
    reports = prepare(url, instance, UNITS, FIELDS, code="AUTOSAVE")
    plan = schedule(reports)
    total = len(plan)
    print(f"autosave: {len(reports)} officers, one cell every {EVERY:.0f} s for {SECONDS:.0f} s = {total} saves "
          f"({total / SECONDS:.0f}/s); prepared in {time.perf_counter() - began:.0f} s")

    def counted(client, item):
        def one(method, path, body, headers):
            return client.open(path, method=method, data=body, headers=headers).status_code

        assert patch(one, *item, 7) == 200, "a counted autosave failed"

    request_sql, chainer_sql = statements_per_request(url, instance, counted, reports[:21])
    with serving(url, instance, WORKERS) as port:
        warm_up(port, reports)
        cpu, database, own, busy = port.cpu(), named_cpu("postgres"), time.process_time(), machine_busy()
        began = time.perf_counter()
        latencies, failures, statuses = autosave(port, plan)
        seconds, cpu = time.perf_counter() - began, port.cpu() - cpu
        database, own = named_cpu("postgres") - database, time.process_time() - own
        busy = [after - before for after, before in zip(machine_busy(), busy)]
    base = baseline(url, reports, total)
    ours, bare = p95(latencies), p95(base)
    print(f"  baocao serve ({WORKERS} workers), {CLIENTS} client threads: {len(latencies) / seconds:.0f} saves/s, "
          f"p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {ours:.1f} ms, max {max(latencies) * 1000:.0f} ms, "
          f"{failures} errors {statuses} (targets: p95 < 100 ms, 0 errors)")
    print(f"      server CPU {cpu * 1000 / max(len(latencies), 1):.1f} ms per save (user + system of the gunicorn "
          f"processes); SQL {request_sql:.1f} statements per save + {chainer_sql:.1f} by the audit chainer")
    saves = max(len(latencies), 1)
    print(f"      the machine's {os.cpu_count()} cores were {100 * busy[0] / busy[1]:.0f} % busy: PostgreSQL "
          f"{database * 1000 / saves:.1f} ms and this load generator {own * 1000 / saves:.1f} ms of CPU per save")
    print(f"  baseline, bare psycopg upsert of one cell, 16 connections: p50 {statistics.median(base) * 1000:.2f} ms, "
          f"p95 {bare:.2f} ms")
    print(f"  ratio of p95 to baseline {ours / bare:.1f}")


if __name__ == "__main__":
    main()
