"""Officers on the REST API, as the end-to-end and acceptance walks use them.

A province is set up as ``baocao init`` sets it up (:func:`set_up_province`); each unit's officer is
issued its account by the board, signs in with the one-time password, changes it through
``POST /api/v1/me/password`` (A3) and from then on works through ``/api/v1``, except the in-app
notifications, which have no API and are read where an officer reads them, on the home page.
"""
from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass

from core import testing
from tests import factories
from tests.conftest import login

#: What a commune officer types into the ethnic-affairs table (DT01).
FILLED = {"households": 120, "population": 500, "poor_households": 20}
#: The guards' reasons, as the officers read them.
SCAN_VI = "Cần đính kèm bản scan báo cáo có chữ ký, đóng dấu trước khi gửi."
SIGNATURE_VI = "Cần đính kèm báo cáo dạng tệp PDF đã ký số, chữ ký số còn nguyên vẹn và hợp lệ, trước khi gửi."
#: Letters only Vietnamese text has: a message with none of them is still English.
VIETNAMESE = set("ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹăâđêôơưáàãéèíìóòõúùýĩũ")


# --- officers on the API ---------------------------------------------------------------------------


@dataclass
class Officer(testing.Officer):
    """:class:`core.testing.Officer`, plus attachments and the home page's notifications."""

    def upload(self, pk: int, data: bytes, name: str):
        return self.client.post(f"/api/v1/report/{pk}/attachments", headers=self.headers,
                                data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")

    def notices(self) -> list[str]:
        """The unread notifications of the officer's own unit, as the home page lists them."""
        web = self.app.test_client()
        assert login(web, self.username, factories.NEW_PASSWORD).status_code == 302
        page = web.get("/").get_data(as_text=True)
        box = re.search(r'id="notifications">(.*?)</ul>', page, re.S)
        items = re.findall(r'<li class="list-group-item">(.*?)</li>', box.group(1), re.S) if box else []
        return [html.unescape(re.sub(r"<[^>]+>", "", i)).strip() for i in items]  # each one links to its report


def sign_in(app, username: str, one_time: str) -> Officer:
    """First login through the API, then the forced password change (:func:`core.testing.sign_in`)."""
    return testing.sign_in(app, username, one_time, Officer)


class Officers(dict):
    """``{unit code: Officer}``: the unit's account is issued and signed in when first asked for."""

    def __init__(self, app):
        super().__init__()
        self.app = app

    def __missing__(self, code: str) -> Officer:
        with self.app.app_context():
            username, one_time = factories.issue(code)
        self[code] = sign_in(self.app, username, one_time)
        return self[code]


def set_up_province(app, plugin: str) -> Officers:
    """The province as ``baocao init`` loads it, and the reports due on 5/12/2026; its officers."""
    with app.app_context():
        factories.real_province(plugin)
    return Officers(app)


def the_report(officer: Officer, form: str) -> int:
    """The id of the officer's unit's first report of ``form``, as its report list shows it."""
    mine = sorted((r for r in officer.reports() if r["form_code"] == form), key=lambda r: r["period_code"])
    assert mine, officer.reports()
    return mine[0]["id"]


def ok(resp, status: int = 200) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.get_json())
    return resp.get_json()


def steps(detail: dict) -> list[tuple]:
    return [(h["action"], h["from"], h["to"], h["actor"], h["unit"], h["comment"]) for h in detail["history"]]


def shown_one_time(page: str) -> str:
    """The one-time password the account screen shows once, as the officer reads it (unescaped)."""
    return html.unescape(re.search(r'id="otp-password"[^>]*>([^<]*)<', page).group(1))
