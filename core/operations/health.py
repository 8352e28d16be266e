"""``GET /health``: is this installation able to serve (S1)? For monitors and load balancers.

No login. 200 when every check passes, 503 otherwise, always JSON::

    {"status": "ok" | "failing",
     "checks": {"database": {"ok", "latency_ms"},
                "redis": {"ok", "latency_ms"},                  # with REDIS_URL only
                "worker": {"ok", "last_heartbeat_age_s"},       # with REDIS_URL only
                "backup": {"ok", "last_good_age_h"}}}

The worker writes its heartbeat every minute (``core.heartbeat`` job); a backup counts as good
when its ``backup_run`` row is ``ok`` and it is at most ``HEALTH_BACKUP_MAX_AGE_HOURS`` old.
Error details name only the exception's type: the answer is public.
"""
from __future__ import annotations

import time
from datetime import datetime

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from core.platform import clock
from core.platform.extensions import db

blueprint = Blueprint("health", __name__)


def _timed(probe) -> dict:
    began = time.monotonic()
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 (any failure is the answer)
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "latency_ms": round((time.monotonic() - began) * 1000, 1)}


def database() -> dict:
    result = _timed(lambda: db.session.execute(text("SELECT 1")).scalar())
    if not result["ok"]:
        db.session.rollback()
    return result


def redis() -> dict:
    return _timed(lambda: current_app.extensions["baocao.jobs"].connection.ping())


def worker() -> dict:
    from core.platform.jobs import HEARTBEAT_KEY

    try:
        value = current_app.extensions["baocao.jobs"].connection.get(HEARTBEAT_KEY)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "last_heartbeat_age_s": None, "error": type(exc).__name__}
    if value is None:
        return {"ok": False, "last_heartbeat_age_s": None, "error": "no heartbeat"}
    age = (datetime.utcnow() - datetime.fromisoformat(value.decode())).total_seconds()  # as the worker writes it
    return {"ok": age <= current_app.config["HEALTH_WORKER_MAX_AGE_SECONDS"], "last_heartbeat_age_s": round(age)}


def backup() -> dict:
    from core.operations.backup import runs

    try:
        good = runs.last("create", ok=True)
    except Exception as exc:  # noqa: BLE001 (e.g. not migrated yet)
        db.session.rollback()
        return {"ok": False, "last_good_age_h": None, "error": type(exc).__name__}
    limit = float(current_app.config["HEALTH_BACKUP_MAX_AGE_HOURS"])
    if good is None:
        return {"ok": False, "last_good_age_h": None, "max_age_h": limit, "error": "no good backup"}
    age = (clock.utcnow() - good.started_at).total_seconds() / 3600
    return {"ok": age <= limit, "last_good_age_h": round(age, 1), "max_age_h": limit}


def report() -> tuple[dict, int]:
    checks = {"database": database()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = redis()
        checks["worker"] = worker()
    checks["backup"] = backup()
    ok = all(c["ok"] for c in checks.values())
    return {"status": "ok" if ok else "failing", "checks": checks}, 200 if ok else 503


@blueprint.route("/health")
def health():
    body, status = report()
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
