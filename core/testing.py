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

import io
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

    def attach(self, pk: int, content: bytes | None = None, filename: str = "bien-ban-da-ky.pdf",
               kind: str = "scan"):
        """``POST /api/v1/report/<pk>/attachments``: a file (default :func:`sample_pdf`) as ``kind``
        (``scan``: the signed, stamped paper report ``scan_guard`` asks for; ``other``)."""
        return self.client.post(f"/api/v1/report/{pk}/attachments", headers=self.headers,
                                data={"file": (io.BytesIO(sample_pdf() if content is None else content), filename),
                                      "kind": kind},
                                content_type="multipart/form-data")

    def total(self, form: str, period: str, unit: str | None = None) -> dict:
        """``GET /api/v1/aggregate/``: the approved totals of ``unit``'s subtree (default the officer's unit)."""
        args = {"form": form, "period": period, **({"unit": unit} if unit else {})}
        resp = self.client.get("/api/v1/aggregate/", headers=self.headers, query_string=args)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()


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
    """``unit_code``'s officer, issued an account by the board and signed in after changing its password.

    Asked again for the same unit of the same app, the same signed-in officer (a second issue would
    have to change the password again, and the password history refuses the same new password).
    """
    signed_in = app.extensions.setdefault("baocao.testing.officers", {})
    if unit_code not in signed_in:
        signed_in[unit_code] = sign_in(app, *issue(app, unit_code))
    return signed_in[unit_code]


def holder(app: Flask, pk: int) -> str | None:
    """The code of the unit whose reviewers hold submitted report ``pk`` now (None unless submitted)."""
    from sqlalchemy import select

    from core.hierarchy.models import Unit
    from core.platform.extensions import db
    from core.reporting.models import Report

    with app.app_context():
        report = db.session.get(Report, pk)
        if report is None or report.state != "submitted":
            return None
        ids = [int(i) for i in report.unit.path.strip("/").split("/")]
        code = db.session.scalar(select(Unit.code).where(Unit.id.in_(ids), Unit.level == report.level)
                                 .order_by(Unit.path.desc()).limit(1))
        db.session.remove()
        return code


def approve_up(app: Flask, pk: int, comment: str = "") -> list[tuple[str, str]]:
    """Approve submitted report ``pk`` at every level of its approval chain, as each holding unit's
    officer does through the API, until it is approved. Returns ``[(unit code, state after), ...]``.

    The reviewers are the units' officers (:func:`officer`: issued and signed in on first need).
    A refusal stops with the API's answer in the assertion message.
    """
    steps = []
    while (code := holder(app, pk)) is not None:
        resp = officer(app, code).act(pk, "approve", comment)
        assert resp.status_code == 200, (code, resp.status_code, resp.get_json())
        steps.append((code, resp.get_json()["state"]))
    return steps


def sample_pdf(text: bytes = b"Bao cao da ky, dong dau") -> bytes:
    """A small, valid one-page PDF: an attachment that passes the content checks (as a scan, not signed)."""
    stream = b"BT /F1 12 Tf 20 50 Td (" + text + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
