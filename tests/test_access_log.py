"""Downloads, refused access and logouts are logged (issue "security, round two", item 6; Decree 85/2016).

They go to ``audit_access`` with one insert each, and a seal takes them into the chain: from then on
deleting one is caught by ``baocao audit verify``.
"""
import json

from sqlalchemy import text

from core.platform import access_log
from core.platform.extensions import db
from core.platform.models.audit import AccessEntry, AuditEntry
from tests.conftest import login
from tests.pki import png_bytes
from tests.test_attachments import _bearer, _cb, _token, _upload


def _access(app, **filters) -> list[AccessEntry]:
    with app.app_context():
        rows = db.session.query(AccessEntry).filter_by(**filters).order_by(AccessEntry.id).all()
        db.session.expunge_all()
        return rows


def _attachment(app, client) -> tuple[dict, dict]:
    """X011 uploads a scan to its report; returns the report ids and the attachment."""
    reports = _cb(app)
    token = _token(app, client, "X011")
    created = _upload(client, token, reports["X011"], png_bytes(), "biên bản.png").get_json()["result"]
    return reports, {"id": created["id"], "token": token}


def test_a_download_is_logged_with_who_what_and_which_file(app, client):
    reports, attachment = _attachment(app, client)
    url = f"/api/v1/report/{reports['X011']}/attachments/{attachment['id']}"
    assert client.get(url, headers=_bearer(attachment["token"])).status_code == 200
    [row] = _access(app, action="download")
    assert (row.actor, row.unit_code, row.method, row.path, row.status) == ("x011", "X011", "GET", url, 200)
    details = json.loads(row.details)
    assert details["file"] == "biên bản.png" and details["args"] == {"pk": reports["X011"], "aid": attachment["id"]}


def test_a_refusal_of_another_units_data_is_logged(app, client):
    reports, attachment = _attachment(app, client)
    other = _token(app, client, "X012")
    url = f"/api/v1/report/{reports['X011']}/attachments/{attachment['id']}"
    assert client.get(url, headers=_bearer(other)).status_code == 404
    [row] = _access(app, action="refused")
    assert (row.actor, row.unit_code, row.path, row.status) == ("x012", "X012", url, 404)
    assert not _access(app, action="download")


def test_a_refused_screen_is_logged_but_not_an_unknown_url(app, client):
    from tests import factories

    with app.app_context():
        factories.province()
        username, one_time = factories.issue("X011")
    factories.first_login(client, username, one_time)
    assert client.get("/audit/list/").status_code == 403
    assert client.get("/no-such-page/ever").status_code == 404
    rows = _access(app, action="refused")
    assert [(r.actor, r.path) for r in rows] == [(username, "/audit/list/")]


def test_logout_is_logged(app, client, admin):
    login(client, "admin", admin["password"])
    client.post("/logout/")
    [row] = _access(app, action="logout")
    assert (row.actor, row.ip) == ("admin", "127.0.0.1")


def test_sealed_access_entries_are_in_the_chain_and_a_deletion_is_caught(app, client, cli, admin):
    login(client, "admin", admin["password"])
    for _ in range(3):
        client.post("/logout/")
        login(client, "admin", admin["password"])
    result = cli("audit", "verify")
    assert result.exit_code == 0 and "0 access entries sealed, 3 not yet" in result.output
    assert cli("audit", "checkpoint").exit_code == 0  # seals, then signs
    result = cli("audit", "verify")
    assert result.exit_code == 0 and "3 access entries sealed, 0 not yet" in result.output
    with app.app_context():
        seal = db.session.query(AuditEntry).filter_by(action="audit.access_sealed").one()
        assert json.loads(seal.changes)["count"] == 3
        seq = seal.seq
        victim = db.session.query(db.func.min(AccessEntry.id)).scalar()
        db.session.execute(text(f"DELETE FROM audit_access WHERE id = {victim}"))
        db.session.commit()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: audit chain broken at entry {seq}: the access entries "
                                     f"sealed by entry {seq} were changed (2 found, 3 sealed)")


def test_an_edited_access_entry_is_caught_before_its_seal(app, client, cli, admin):
    login(client, "admin", admin["password"])
    client.post("/logout/")
    [row] = _access(app, action="logout")
    with app.app_context():
        db.session.execute(text(f"UPDATE audit_access SET actor = 'someone-else' WHERE id = {row.id}"))
        db.session.commit()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"access entry {row.id} was modified" in result.output


def test_a_seal_takes_only_unsealed_rows_and_two_seals_do_not_overlap(app, client, admin):
    login(client, "admin", admin["password"])
    client.post("/logout/")
    with app.app_context():
        assert access_log.seal(db.session) == 1
        db.session.commit()
        assert access_log.seal(db.session) == 0
    login(client, "admin", admin["password"])
    client.post("/logout/")
    with app.app_context():
        assert access_log.seal_job() == 1
        assert db.session.query(AuditEntry).filter_by(action="audit.access_sealed").count() == 2
        assert db.session.query(AccessEntry).filter(AccessEntry.sealed_by.is_(None)).count() == 0
