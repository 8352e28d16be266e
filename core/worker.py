"""``baocao worker``: an RQ worker whose jobs run inside the app, plus RQ's cron scheduler.

The cron scheduler runs in a child process and enqueues :func:`core.jobs.tick`
every minute; ``tick`` asks the enabled plugins what is due, so the schedule
follows plugin toggles without a restart.
"""
from __future__ import annotations

import multiprocessing

from flask import Flask
from rq import SimpleWorker, Worker

from core import jobs


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
    scheduler.register(jobs.execute, queue_name, args=("core.jobs:tick", [], {}), interval=60, name="core.tick")
    scheduler.start()


def run_worker(app: Flask, burst: bool = False) -> None:
    jobs.scheduled(app)  # refuse to start on duplicate job names
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
