"""``baocao worker``: an RQ worker whose jobs run inside the app, plus RQ's cron scheduler.

The cron scheduler runs in a child process and enqueues :func:`core.platform.jobs.tick`
every minute; ``tick`` asks the enabled plugins what is due, so the schedule
follows plugin toggles without a restart.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import socket

from flask import Flask
from rq import SimpleWorker, Worker

from core.platform import jobs

log = logging.getLogger(__name__)


class AppContextMixin:
    """Runs each job inside ``app.app_context()``."""

    app: Flask | None = None

    def perform_job(self, job, queue):
        with self.app.app_context():
            return super().perform_job(job, queue)


class AppWorker(AppContextMixin, Worker):
    """Forks a work-horse per job: a crash or SIGKILL loses one job attempt, not the worker."""


class AppSimpleWorker(AppContextMixin, SimpleWorker):
    """Runs jobs in its own process: for tests and single-process deployments."""


def make_worker(app: Flask, cls=AppWorker):
    runner = jobs.runner(app)
    worker = cls([runner.queue], connection=runner.connection)
    worker.app = app
    return worker


def _run_cron(redis_url: str, queue_name: str) -> None:
    from redis import Redis
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=Redis.from_url(redis_url))
    scheduler.register(jobs.execute, queue_name, args=("core.platform.jobs:tick", [], {}), interval=60, name="core.tick")
    scheduler.start()


def _dead_here(connection, worker_name: str) -> bool:
    """The worker is gone: its registration expired, or it ran on this machine and its process is dead."""
    hostname, pid = connection.hmget(f"rq:worker:{worker_name}", "hostname", "pid")
    if hostname is None:
        return True
    if hostname.decode() != socket.gethostname() or not pid:
        return False  # another machine's worker: RQ's own expiry (about 90 s) decides
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def requeue_abandoned(queue) -> list[str]:
    """Jobs whose worker was killed (SIGKILL, OOM, power loss) go back to work at once, not after RQ's
    ~90 s heartbeat expiry: their started-registry entries are expired now, and RQ's own cleanup fails
    them with ``AbandonedJobError`` and retries those with retries left (every job has ``Retry``)."""
    from rq.executions import Execution

    registry = queue.started_job_registry
    abandoned = []
    for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
        try:
            execution = Execution.fetch(execution_id, job_id, queue.connection)
        except ValueError:  # its execution record expired: the worker is long gone
            execution = None
        if execution is None or _dead_here(queue.connection, execution.worker_name):
            queue.connection.zadd(registry.key, {f"{job_id}:{execution_id}": 0}, xx=True)
            abandoned.append(job_id)
    if abandoned:
        log.warning("retrying %d job(s) abandoned by a dead worker: %s", len(abandoned), ", ".join(abandoned))
        registry.cleanup()
    return abandoned


def run_worker(app: Flask, burst: bool = False) -> None:
    jobs.scheduled(app)  # refuse to start on duplicate job names
    requeue_abandoned(jobs.runner(app).queue)
    cron = None
    if not burst:
        cron = multiprocessing.Process(
            target=_run_cron, args=(app.config["REDIS_URL"], app.config["JOB_QUEUE"]), daemon=True
        )
        cron.start()
    try:
        make_worker(app).work(with_scheduler=not burst, burst=burst)
    finally:
        if cron is not None:
            cron.terminate()
