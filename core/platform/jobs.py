"""The one way code runs work in the background: :func:`enqueue`.

With ``REDIS_URL`` set, jobs go to an RQ queue served by ``baocao worker``;
without it they run inline, in a fresh app context of the calling process,
which the app logs once at start. Either way a job:

* is a module-level function named by ``"module:function"`` (or the function
  itself), called with JSON-friendly arguments inside an app context;
* is dispatched only after the caller's transaction commits, so a worker
  never sees a job before its data, and a rolled-back request sends none;
* is retried on failure (``JOB_RETRIES`` times) and must be idempotent;
* with a ``key``, is not queued again while an earlier one is still waiting;
* is dropped with an error in the log when Redis cannot be reached: the caller's
  transaction stands, and the scheduled jobs do the work later (so must a job's
  author make sure of that).
"""
from __future__ import annotations

import hashlib
import importlib
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from flask import Flask, current_app
from sqlalchemy import event

log = logging.getLogger(__name__)
EXTENSION = "baocao.jobs"
_DEFERRED = "baocao_jobs_deferred"
_WROTE = "baocao_jobs_wrote"
HEARTBEAT_KEY = "baocao:worker:heartbeat"


@dataclass(frozen=True)
class JobHandle:
    id: str
    status: str  # queued, finished, failed, skipped, deferred, not_queued (Redis unreachable)
    result: Any = None


def job_path(func: Callable | str) -> str:
    if isinstance(func, str):
        return func
    return f"{func.__module__}:{func.__qualname__}"


def resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def execute(path: str, args: list, kwargs: dict) -> Any:
    """Run one job in the current app context, with this process's plugin set up to date."""
    from core.platform.extensions import db

    _fresh_pool_after_fork(db)
    current_app.extensions["baocao.plugins"].refresh(db.session)
    try:
        result = resolve(path)(*args, **kwargs)
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise


def _fresh_pool_after_fork(db) -> None:
    """A forked work-horse must not reuse its parent's database connections."""
    state = current_app.extensions.setdefault("baocao.pool_pid", os.getpid())
    if state != os.getpid():
        db.engine.dispose(close=False)
        current_app.extensions["baocao.pool_pid"] = os.getpid()


class InlineRunner:
    """Runs each job at once in a fresh app context, retrying immediately on failure."""

    mode = "inline"

    def __init__(self, app: Flask):
        self.app = app
        self.retries = app.config["JOB_RETRIES"]

    def dispatch(self, path: str, args: list, kwargs: dict, key: str | None) -> JobHandle:
        job_id = key or f"inline-{os.urandom(6).hex()}"
        for attempt in range(self.retries + 1):
            try:
                with self.app.app_context():
                    return JobHandle(job_id, "finished", execute(path, args, kwargs))
            except Exception:
                log.exception("job %s failed (attempt %d of %d)", path, attempt + 1, self.retries + 1)
        return JobHandle(job_id, "failed")

    def heartbeat(self) -> None:
        return None


class RedisRunner:
    """Puts jobs on an RQ queue; ``baocao worker`` runs them."""

    mode = "redis"
    WAITING = {"queued", "started", "scheduled", "deferred"}

    def __init__(self, app: Flask, url: str):
        from redis import Redis
        from rq import Queue

        # A Redis that does not answer must not hold a request for long: see dispatch().
        self.connection = Redis.from_url(url, socket_connect_timeout=5)
        self.queue = Queue(app.config["JOB_QUEUE"], connection=self.connection)
        self.retries = app.config["JOB_RETRIES"]
        self.intervals = app.config["JOB_RETRY_INTERVALS"]

    def dispatch(self, path: str, args: list, kwargs: dict, key: str | None) -> JobHandle:
        """Queue the job; with Redis unreachable, log and give up: the caller's work is committed, and
        jobs are idempotent catch-ups of it that the scheduled jobs run again (the daily mail, reminders)."""
        from redis.exceptions import RedisError
        from rq import Retry

        job_id = _safe_id(key) if key else None
        try:
            if job_id:
                existing = self.queue.fetch_job(job_id)
                if existing is not None and existing.get_status(refresh=True) in self.WAITING:
                    return JobHandle(job_id, "skipped")
            job = self.queue.enqueue(
                execute,
                path,
                list(args),
                dict(kwargs),
                job_id=job_id,
                description=path,
                retry=Retry(max=self.retries, interval=self.intervals) if self.retries else None,
            )
        except RedisError as exc:
            log.error("job %s not queued, Redis is unreachable (%s): its work waits for the next scheduled run",
                      path, exc)
            return JobHandle(job_id or "not-queued", "not_queued")
        return JobHandle(job.id, "queued")

    def heartbeat(self) -> None:
        self.connection.set(HEARTBEAT_KEY, datetime.utcnow().isoformat(), ex=600)


def _safe_id(key: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_-]{1,100}", key):
        return key
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def runner(app: Flask | None = None):
    return (app or current_app).extensions[EXTENSION]


def enqueue(func: Callable | str, *args, key: str | None = None, **kwargs) -> JobHandle:
    """Run ``func(*args, **kwargs)`` in the background, after the current transaction commits."""
    from core.platform.extensions import db

    path = job_path(func)
    session = db.session()
    if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
        deferred = session.info.setdefault(_DEFERRED, [])
        if key is not None and any(k == key for *_rest, k in deferred):
            return JobHandle(key, "skipped")  # one transaction, one job per key
        deferred.append((path, list(args), kwargs, key))
        return JobHandle(key or "deferred", "deferred")
    return runner().dispatch(path, list(args), kwargs, key)


def _mark_wrote(session, flush_context) -> None:
    session.info[_WROTE] = True


def _dispatch_deferred(session) -> None:
    session.info.pop(_WROTE, None)
    deferred = session.info.pop(_DEFERRED, [])
    for path, args, kwargs, key in deferred:
        runner().dispatch(path, args, kwargs, key)


def _drop_deferred(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(_WROTE, None)
        session.info.pop(_DEFERRED, None)


def init_app(app: Flask, session_target) -> None:
    url = app.config.get("REDIS_URL")
    if url:
        app.extensions[EXTENSION] = RedisRunner(app, url)
        log.info("jobs go to Redis queue %r", app.config["JOB_QUEUE"])
    else:
        app.extensions[EXTENSION] = InlineRunner(app)
        app.logger.warning("REDIS_URL is not set: background jobs run inline in this process")
    for name, fn in (("after_flush", _mark_wrote), ("after_commit", _dispatch_deferred), ("after_soft_rollback", _drop_deferred)):
        if not event.contains(session_target, name, fn):
            event.listen(session_target, name, fn)


# --- core jobs ---------------------------------------------------------------


def heartbeat() -> None:
    """Tell /health that a worker ran a job within the last minutes; chain audit entries left pending
    (a web process that died between its commit and its chainer run)."""
    from core.platform import audit_chainer
    from core.platform.extensions import db

    runner().heartbeat()
    audit_chainer.chain_quietly(db.engine)


def tick(now: str | None = None) -> list[str]:
    """Enqueue the plugins' scheduled jobs due this minute; keyed, so a double tick is harmless."""
    from croniter import croniter

    moment = datetime.fromisoformat(now) if now else datetime.now()
    moment = moment.replace(second=0, microsecond=0)
    due = []
    for job in scheduled(current_app):
        if croniter.match(job.cron, moment):
            enqueue(job.func, key=f"{job.name}-{moment:%Y%m%d%H%M}", **job.kwargs)
            due.append(job.name)
    return due


def scheduled(app: Flask) -> list:
    """All scheduled jobs of the enabled plugins; duplicate names are an error."""
    jobs = [j for batch in app.extensions["baocao.plugins"].hook.scheduled_jobs() for j in batch or []]
    names = [j.name for j in jobs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"two plugins schedule jobs with the same name: {', '.join(duplicates)}")
    return jobs
