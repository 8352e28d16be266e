"""Helpers for testing a plugin against the real platform, for plugin authors.

A plugin's own tests (the ones ``baocao plugins new`` writes) need a real app: migrated database,
the plugin switched on exactly as ``baocao init --province NAME`` does, the province's real units,
and officers who sign in to the REST API the way a unit does. These helpers give that on a
throw-away SQLite file, with jobs run inline, so a plugin's test needs no server, no Redis and no
fixture code of its own::

    from core.testing import province_app, officer

    def test_a_commune_submits(tmp_path):
        app = province_app(tmp_path, "lai_chau", reports_on=date(2026, 12, 5))
        commune = officer(app, "03391")
        report = commune.reports()[0]
        ...
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import Flask

#: What every officer types after the forced first-login change (A3); meets every bundled policy.
NEW_PASSWORD = "Đổi-Mật-Khẩu-2026!"


def province_app(tmp_path: Path, province: str, demo: bool = False, reports_on: date | None = None,
                 **config) -> Flask:
    """An app on a fresh SQLite database in ``tmp_path``, initialised like ``baocao init --province``.

    ``reports_on``: also assign the reports of the periods open on that day, so that a test does not
    depend on today's date (``baocao init`` assigns those open today).
    """
    from core import create_app
    from core.bootstrap import init_province
    from core.platform.extensions import db

    instance = Path(tmp_path) / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    app = create_app({
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "plugin-test-" + "x" * 32,
        "DATABASE_URL": f"sqlite:///{instance / 'baocao.db'}",
        "REDIS_URL": None,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        **config,
    })
    with app.app_context():
        init_province(province, demo=demo)
        if reports_on is not None:
            from core.reporting.assignment import assign

            assign(db.session, reports_on)
            db.session.commit()
        db.session.remove()
    return app


@dataclass
class Officer:
    """A unit's officer on the REST API (``/api/v1``), signed in after the forced password change."""

    app: Flask
    client: object
    username: str
    headers: dict

    def get(self, pk: int):
        return self.client.get(f"/api/v1/report/{pk}", headers=self.headers)

    def report(self, pk: int) -> dict:
        resp = self.get(pk)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["result"]

    def reports(self) -> list[dict]:
        resp = self.client.get("/api/v1/report/", headers=self.headers)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["result"]

    def put(self, pk: int, values: dict):
        return self.client.put(f"/api/v1/report/{pk}/values", headers=self.headers, json={"values": values})

    def act(self, pk: int, action: str, comment: str = "", **extra):
        return self.client.post(f"/api/v1/report/{pk}/transition", headers=self.headers,
                                json={"action": action, "comment": comment, **extra})


def api_token(client, username: str, password: str) -> str:
    """A JWT from ``POST /api/v1/security/login``, as an integrator's script gets one."""
    resp = client.post("/api/v1/security/login",
                       json={"username": username, "password": password, "provider": "db", "refresh": True})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["access_token"]


def sign_in(app: Flask, username: str, one_time: str, officer_class=Officer) -> Officer:
    """First login through the API: the one-time password only opens ``/me/password`` (A3); then log in again."""
    client = app.test_client()
    first = {"Authorization": f"Bearer {api_token(client, username, one_time)}"}
    assert client.get("/api/v1/report/", headers=first).status_code == 403  # must change it first
    resp = client.post("/api/v1/me/password", headers=first,
                       json={"old_password": one_time, "new_password": NEW_PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    token = api_token(client, username, NEW_PASSWORD)
    return officer_class(app, client, username, {"Authorization": f"Bearer {token}"})


def issue(app: Flask, unit_code: str) -> tuple[str, str]:
    """The unit's account as the board issues it: ``(username, one-time password)``."""
    from core.accounts.lifecycle import issue as _issue
    from core.platform.extensions import db

    with app.app_context():
        account, one_time, _ = _issue(db.session, unit_code)
        db.session.commit()
        return account.username, one_time


def officer(app: Flask, unit_code: str) -> Officer:
    """``unit_code``'s officer, issued an account by the board and signed in after changing its password."""
    return sign_in(app, *issue(app, unit_code))
