"""Small, realistic data for tests: a three-tier province and accounts that have done their first login."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from core.platform import plugin_admin
from core.platform.extensions import db
from tests.conftest import change_password, login

from core.testing import NEW_PASSWORD  # noqa: E402,F401  (one password for every walk)


#: The day the scenarios below assign their reports on: the yearly period 2026 is open (1/12/2026–31/1/2027)
#: and CB-DT01 is due on 20/12/2026.
ASSIGNED_ON = date(2026, 12, 5)
#: A test that works in those reports as if on that day (before the deadline), whatever BAOCAO_TEST_NOW says:
#: ``@factories.ON_ASSIGNMENT_DAY`` or ``pytestmark = factories.ON_ASSIGNMENT_DAY``.
ON_ASSIGNMENT_DAY = pytest.mark.at("2026-12-05T09:00:00+07:00")
#: A browser test's "submit this page's form": any form but the user menu's sign-out button (a form too,
#: hidden in the navbar before the page's own).
SUBMIT = "form:not(.bc-logout) button[type=submit], form:not(.bc-logout) input[type=submit]"


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    kind: str
    parent_code: str | None = None


#: Cao Bằng's shape (Điều 6): board; departments and districts; communes.
PROVINCE = [
    Row("04", "Ban Dân tộc tỉnh Cao Bằng", "board"),
    Row("SYT", "Sở Y tế", "department", "04"),
    Row("H01", "Huyện Hà Quảng", "district", "04"),
    Row("H02", "Huyện Bảo Lạc", "district", "04"),
    Row("X011", "Xã Trường Hà", "commune", "H01"),
    Row("X012", "Xã Lũng Nặm", "commune", "H01"),
    Row("X021", "Xã Cô Ba", "commune", "H02"),
]


def province(session=None, rows: list = PROVINCE) -> dict[str, int]:
    """Enable cao_bang, import ``rows`` (:data:`PROVINCE`); returns ``{code: id}``. Call in an app context."""
    from core.hierarchy.models import Unit
    from core.hierarchy.units import import_units

    session = session or db.session
    plugin_admin.set_enabled(session, "cao_bang", True)
    import_units(session, rows, source="test")
    session.commit()
    return {u.code: u.id for u in session.query(Unit)}


def issue(code: str) -> tuple[str, str]:
    """The unit's account with its one-time password. Call in an app context."""
    from core.accounts.lifecycle import issue as _issue

    account, password, _ = _issue(db.session, code)
    db.session.commit()
    return account.username, password


def first_login(client, username: str, one_time: str, new: str = NEW_PASSWORD) -> str:
    """Log in with the one-time password and change it, as a new officer does; returns the new one."""
    assert login(client, username, one_time).status_code == 302
    resp = change_password(client, one_time, new)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return new


def cao_bang_reports(codes=("04", "H01", "H02", "X011", "X012", "X021")) -> tuple[dict, dict]:
    """Cao Bằng, unit accounts for ``codes`` and CB-DT01 assigned to every commune (app context).

    Returns ``({username: one-time password}, {unit code: report id})``.
    """
    from core.reporting import assignment
    from core.reporting.models import Report
    from core.hierarchy.models import Unit

    province()
    one_time = {code.lower(): issue(code)[1] for code in codes}
    assignment.assign(db.session, ASSIGNED_ON)
    db.session.commit()
    ids = {u.code: r.id for r, u in db.session.query(Report, Unit).join(Unit, Report.unit_id == Unit.id)}
    return one_time, ids


def real_province(plugin: str, on: date = ASSIGNED_ON) -> None:
    """What ``baocao init --province PLUGIN`` loads: the plugin on, its real units (vietnam-provinces)
    and forms; then the reports of the periods open on ``on`` assigned. Call in an app context."""
    from core.reporting import assignment
    from core.bootstrap import load_units

    plugin_admin.set_enabled(db.session, plugin, True)
    load_units(db.session, plugin)
    db.session.commit()
    assignment.assign(db.session, on)
    db.session.commit()


def statements(app, action) -> int:
    """How many SQL statements ``action()`` sends through ``app``'s engine (a screen's query count).

    Only this thread's statements count (not the audit chainer's), and the per-process lookups that
    run on their own clocks (plugin state and notices every ``PLUGIN_REFRESH_SECONDS``, role
    permissions every ``PERMISSION_CACHE_SECONDS``) are held still meanwhile: on a loaded CI machine
    a request could otherwise fall on a refresh and count two statements that are not the screen's.
    Call ``action`` once before counting so those lookups have been made.
    """
    import threading

    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    seen, me = [], threading.get_ident()
    held = {key: app.config.get(key) for key in ("PLUGIN_REFRESH_SECONDS", "PERMISSION_CACHE_SECONDS")}

    def count(*args):
        if threading.get_ident() == me:
            seen.append(1)

    app.config.update({key: 10 ** 9 for key in held})
    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
        app.config.update(held)
    return len(seen)
