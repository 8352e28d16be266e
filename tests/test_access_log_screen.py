"""The access log's screen (Decree 85/2016, access to data): what core/platform/access_log.py records,
readable by the system administrator in Vietnamese: who (the unit's name), what, where, the file, the
outcome, Vietnam time, sealed or not; filters as on the audit log; refused to everyone else."""
from __future__ import annotations

import pytest

from core.platform import access_log
from core.platform.extensions import db
from tests import factories
from tests.conftest import login
from tests.screen_text import assert_vietnamese, visible_text
from tests.test_access_log import _attachment
from tests.test_attachments import _bearer, _token


@pytest.fixture
def logged(app, client, admin):
    """X011 downloads its scan, X012 is refused it; then the admin signs in."""
    reports, attachment = _attachment(app, client)
    url = f"/api/v1/report/{reports['X011']}/attachments/{attachment['id']}"
    assert client.get(url, headers=_bearer(attachment["token"])).status_code == 200
    assert client.get(url, headers=_bearer(_token(app, client, "X012"))).status_code == 404
    admin_client = app.test_client()
    assert login(admin_client, "admin", admin["password"]).status_code == 302
    admin_client.url = url
    return admin_client


def _rows(client, query: str = "") -> list[str]:
    resp = client.get("/access-log/list/" + query)
    assert resp.status_code == 200, resp.status_code
    html = resp.get_data(as_text=True)
    table = html.split('id="access-list"')[1].split("</table>")[0]
    return [visible_text(row) for row in table.split('class="access-row"')[1:]]


@factories.ON_ASSIGNMENT_DAY
def test_the_access_log_says_who_downloaded_what_and_who_was_refused(app, logged):
    rows = _rows(logged)
    download = next(r for r in rows if "Tải tệp" in r)
    refused = next(r for r in rows if "Bị từ chối" in r)
    assert logged.url in download and "biên bản" in download and "KB" in download
    assert "tài khoản x011" in download and "05/12/2026 09:0" in download  # Vietnam time, not UTC
    assert "tài khoản x012" in refused and "404" in refused and "ngoài phạm vi" in refused
    assert "Chưa" in download  # not sealed yet
    with app.app_context():
        access_log.seal(db.session)
        db.session.commit()
    assert all("Đã niêm phong" in r for r in _rows(logged) if "Tải tệp" in r)
    page = logged.get("/access-log/list/").get_data(as_text=True)
    assert_vietnamese(visible_text(page), "access log")


@factories.ON_ASSIGNMENT_DAY
def test_the_access_log_filters_by_action_actor_unit_and_day(logged):
    refused = _rows(logged, "?action=refused")
    assert refused and all("Bị từ chối" in r for r in refused)
    assert all("x011" in r for r in _rows(logged, "?actor=x011"))
    assert _rows(logged, "?unit=X012") and all("x012" in r for r in _rows(logged, "?unit=X012"))
    assert _rows(logged, "?since=05/12/2026&until=05/12/2026")
    assert not _rows(logged, "?since=06/12/2026")


@pytest.mark.parametrize("query, message", [
    ("?action=report.approve", "Hãy chọn một thao tác trong danh sách."),  # an audit action, not an access one
    ("?since=31/02/2026", "Hãy nhập ngày đầu theo dạng"),
    ("?since=06/12/2026&until=01/12/2026", "Ngày cuối đang trước ngày đầu."),
    ("?page=0", "Số trang không hợp lệ."),
    ("?unit=%00%ff", None),
])
def test_bad_filters_are_a_vietnamese_message(logged, query, message):
    resp = logged.get("/access-log/list/" + query)
    assert resp.status_code in (200, 400)
    if message is not None:
        assert resp.status_code == 200 and message in resp.get_data(as_text=True)


def test_only_the_system_administrator_reads_the_access_log(app, client):
    with app.app_context():
        factories.province()
        username, one_time = factories.issue("04")
    factories.first_login(client, username, one_time)
    assert client.get("/access-log/list/").status_code == 403
