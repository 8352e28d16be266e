"""Scale-out (S1): web nodes are stateless, so any node serves any request. Two ``baocao serve``
processes and one ``baocao worker`` share one PostgreSQL database and one Redis, as in docs/deploy.md.

Skipped unless ``DATABASE_URL`` is PostgreSQL and ``REDIS_URL`` is set (SQLite is one machine's file).
"""
from __future__ import annotations

import os
import re

import pytest
import requests

from core.accounts import lifecycle as accounts
from core.platform import crypto
from core.platform.extensions import db
from core.hierarchy.models import Unit
from tests import factories, processes
from tests.conftest import REDIS_URL
from tests.test_transition_mail import HOLDER, Inbox, smtp  # noqa: F401 (smtp is a fixture)

PG = (os.environ.get("DATABASE_URL") or "").startswith(("postgres://", "postgresql"))
needs_cluster = pytest.mark.skipif(not (PG and REDIS_URL),
                                   reason="needs DATABASE_URL on PostgreSQL and REDIS_URL (nodes share both)")
FILLED = {"households": "120", "population": "500", "poor_households": "20"}
FIELD_KEY = crypto.generate_key()
COMMUNE = "pao@xa-truongha.vn"


@pytest.fixture
def cluster(make_app, db_url, tmp_path, smtp):  # noqa: F811
    """Cao Bằng in the database; node A, node B and a worker, all with one instance/config.py."""
    inbox = Inbox()
    mail_port = smtp(inbox)
    app = make_app(FIELD_KEY=FIELD_KEY)
    with app.app_context():
        one_time, ids = factories.cao_bang_reports()
        h01 = accounts.unit_account(db.session, db.session.query(Unit).filter_by(code="H01").one())
        accounts.handover(db.session, h01, "Nông Thị Lan", email=HOLDER)  # stored encrypted
        x011 = accounts.unit_account(db.session, db.session.query(Unit).filter_by(code="X011").one())
        one_time["x011"] = accounts.handover(db.session, x011, "Lò Văn Páo", email=COMMUNE)
        db.session.commit()
    instance = tmp_path / "shared-instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        f"SECRET_KEY = 'test-secret'\nFIELD_KEY = {FIELD_KEY!r}\nMAIL_SERVER = '127.0.0.1'\n"
        f"MAIL_PORT = {mail_port}\nJOB_RETRY_INTERVALS = [0]\n", encoding="utf-8")
    env = processes.baocao_env(DATABASE_URL=db_url, REDIS_URL=REDIS_URL, BAOCAO_INSTANCE=instance)
    started = []
    try:
        nodes = []
        for name in ("a", "b"):
            port = processes.free_port()
            started.append(processes.serve(port, env, tmp_path / f"node-{name}.log"))
            nodes.append(f"http://127.0.0.1:{port}")
        started.append(processes.start(["worker"], env, tmp_path / "worker.log"))
        yield {"a": nodes[0], "b": nodes[1], "inbox": inbox, "one_time": one_time, "reports": ids}
    finally:
        for process in started:
            processes.stop(process)


def _token(node: str, username: str, password: str) -> dict:
    resp = requests.post(f"{node}/api/v1/security/login", timeout=10, json={
        "username": username, "password": password, "provider": "db", "refresh": True})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def _mails(inbox, count):
    return processes.wait_until(lambda: len(inbox.messages) >= count and inbox.messages, 60,
                                what=f"{count} e-mail(s) sent by the worker")


@needs_cluster
def test_any_node_serves_any_request_and_the_worker_runs_what_each_queues(cluster):
    a, b, pk = cluster["a"], cluster["b"], cluster["reports"]["X011"]
    one_time = cluster["one_time"]["x011"]
    first = _token(a, "x011", one_time)
    changed = requests.post(f"{a}/api/v1/me/password", headers=first, timeout=10,
                            json={"old_password": one_time, "new_password": factories.NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    token = _token(a, "x011", factories.NEW_PASSWORD)

    assert requests.get(f"{b}/api/v1/report/{pk}", headers=token, timeout=10).status_code == 200  # A's token on B
    saved = requests.put(f"{a}/api/v1/report/{pk}/values", headers=token, json={"values": FILLED}, timeout=10)
    assert saved.status_code == 200, saved.text
    submitted = requests.post(f"{b}/api/v1/report/{pk}/transition", headers=token, timeout=10,
                              json={"action": "submit", "comment": ""})
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted", submitted.text
    assert requests.get(f"{a}/api/v1/report/{pk}", headers=token, timeout=10).json()["result"]["values"] \
        ["households"] in (120, "120", 120.0)

    # B queued the e-mail job; the worker ran it, reading the holder's encrypted address.
    assert [to for to, _ in _mails(cluster["inbox"], 1)] == [[HOLDER]]
    recalled = requests.post(f"{a}/api/v1/report/{pk}/transition", headers=token, timeout=10,
                             json={"action": "recall", "comment": ""})
    assert recalled.status_code == 200, recalled.text
    assert [COMMUNE] in [to for to, _ in _mails(cluster["inbox"], 2)[1:]]  # A's job, on the same worker


@needs_cluster
def test_a_screen_session_from_one_node_is_valid_on_the_other(cluster):
    a, b = cluster["a"], cluster["b"]
    one_time = cluster["one_time"]["x011"]
    first = _token(a, "x011", one_time)
    requests.post(f"{a}/api/v1/me/password", headers=first, timeout=10,
                  json={"old_password": one_time, "new_password": factories.NEW_PASSWORD})
    browser = requests.Session()
    page = browser.get(f"{a}/login/", timeout=10).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = browser.post(f"{a}/login/", timeout=10, allow_redirects=False, data={
        "csrf_token": csrf, "username": "x011", "password": factories.NEW_PASSWORD})
    assert resp.status_code == 302 and "/login" not in resp.headers["Location"]
    on_b = browser.get(f"{b}/account/password/form", timeout=10, allow_redirects=False)
    assert on_b.status_code == 200  # the signed session cookie alone: no server-side session store


def test_behind_nginx_the_client_address_comes_from_x_forwarded_for(make_app):
    from flask import request

    from core.wsgi_server import behind_proxies

    app = behind_proxies(make_app(PROXY_COUNT=1))
    app.add_url_rule("/_whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme}")
    resp = app.test_client().get("/_whoami", environ_base={"REMOTE_ADDR": "10.0.0.5"},
                                 headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert resp.get_data(as_text=True) == "203.0.113.7 https"
    plain = make_app()  # without PROXY_COUNT the headers are not trusted: a client cannot forge its address
    plain.add_url_rule("/_whoami", "whoami", lambda: request.remote_addr)
    assert behind_proxies(plain).test_client().get("/_whoami", environ_base={"REMOTE_ADDR": "10.0.0.5"},
                                                   headers={"X-Forwarded-For": "203.0.113.7"}).get_data(
        as_text=True) == "10.0.0.5"
