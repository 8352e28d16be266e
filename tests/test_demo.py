"""``baocao init --demo`` builds a province worth looking at; production ``init`` adds none of it (issue 15,
items 14 and 15). The results screens open on the latest period with approved values, not a demo one."""
from __future__ import annotations

import re
import pytest
from sqlalchemy import func, select

from core.accounts.models import Account
from core.forms.models.period import Period
from core.hierarchy.models import Unit
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.platform.models.plugin_state import PluginState
from core.reporting.models import Report, Transition
from tests import factories
from tests.conftest import ADMIN_PASSWORD, login

pytestmark = factories.ON_ASSIGNMENT_DAY  # 5/12/2026: the years 2023–2025 are closed, 2026 is being collected


def _accounts(output: str) -> dict[str, list[str]]:
    return {line.split("\t")[0]: line.split("\t") for line in output.splitlines() if "\t" in line}


def test_init_demo_prints_who_each_account_is_and_builds_a_province_at_work(cli, make_app):
    result = cli("init", "--province", "cao_bang", "--demo", "--url", "https://baocao.caobang.gov.vn")
    assert result.exit_code == 0, result.output
    assert "Đăng nhập tại https://baocao.caobang.gov.vn/login/" in result.output
    accounts = _accounts(result.output)
    assert accounts["04"][2] == "04 Tỉnh Cao Bằng (duyệt cấp tỉnh)"
    assert accounts["040"][2] == "040 Thành phố Cao Bằng (duyệt cấp huyện)"
    assert re.fullmatch(r"01267 Phường Sông Hiến \(nhập báo cáo\)", accounts["01267"][2])
    assert accounts["admin"][2].startswith("Quản trị hệ thống")

    app = make_app()
    with app.app_context():
        approved = dict(db.session.execute(
            select(Period.code, func.count(Report.id)).join(Report, Report.period_id == Period.id)
            .where(Report.state == "approved").group_by(Period.code)).all())
        assert approved == {"2023": 40, "2024": 40, "2025": 40}  # a trend line of three years, 40 units each
        districts = db.session.execute(select(func.count(func.distinct(Unit.parent_id))).select_from(Report)
                                       .join(Unit, Unit.id == Report.unit_id).where(Report.state == "approved")
                                       ).scalar_one()
        assert districts >= 10  # a bar for every district on the board's dashboard
        # Through the workflow service: the history and the audit log tell it, dated in their period.
        steps = dict(db.session.execute(select(Transition.action, func.count()).group_by(Transition.action)).all())
        assert steps["submit"] >= 120 and steps["approve"] >= 240 and steps["return"] >= 3
        assert db.session.execute(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "report.approve")).scalar_one() == steps["approve"]
        first = db.session.execute(select(Transition).order_by(Transition.at).limit(1)).scalar_one()
        assert first.at.year == 2023
        late = db.session.execute(select(func.count()).select_from(Report).where(
            Report.state == "approved", Report.late.is_(True))).scalar_one()
        assert 3 <= late <= 30  # a few late ones: gauges with two colours
        now = dict(db.session.execute(select(Report.state, func.count()).join(Period).where(Period.code == "2026")
                                      .group_by(Report.state)).all())
        assert now.get("submitted", 0) > 5 and now.get("returned", 0) == 2 and now["draft"] > 100
        # The example plugin (its placeholder contact) is not switched on by the demo.
        assert db.session.get(PluginState, "example") is None or not db.session.get(PluginState, "example").enabled
    client = app.test_client()
    assert "baocao.invalid" not in client.get("/help/").get_data(as_text=True)

    again = cli("init", "--province", "cao_bang", "--demo")
    assert again.output.strip().splitlines()[-1] == "already initialised: nothing changed"


def test_production_init_adds_no_sample_data(cli, make_app):
    result = cli("init", "--province", "cao_bang")
    assert result.exit_code == 0, result.output
    assert list(_accounts(result.output)) == ["admin"]
    app = make_app()
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Transition)).scalar_one() == 0
        assert set(db.session.execute(select(Report.state).distinct()).scalars()) <= {"draft"}
        assert db.session.execute(select(func.count()).select_from(Account).where(
            Account.unit_account.is_(True))).scalar_one() == 0
        assert db.session.get(PluginState, "example") is None or not db.session.get(PluginState, "example").enabled


def test_the_results_screens_open_on_the_latest_period_with_approved_values(app, admin):
    """Not the newest period (2026, nothing approved yet) nor the demo's one-off request."""
    from core import demo
    from core.bootstrap import demo_requests
    from core.reporting import assignment

    with app.app_context():
        factories.province()
        one_time = factories.issue("04")[1]
        factories.issue("X011")
        assignment.assign(db.session, factories.ASSIGNED_ON)
        demo_requests(db.session, ["CB-DT01"])
        admin_account = db.session.get(Account, admin["id"])
        assert demo.history(db.session, admin_account, [])
        db.session.commit()
        newest = db.session.execute(select(Period.code).order_by(Period.start.desc()).limit(1)).scalar_one()
        assert newest.startswith("DX")  # the one-off demo request is the newest period
    board = app.test_client()
    factories.first_login(board, "04", one_time)

    page = board.get("/dashboard/").get_data(as_text=True)
    assert re.search(r'<option value="2025"\s+selected', page), "the dashboard opens on 2025"
    page = board.get("/totals/").get_data(as_text=True)
    assert re.search(r'<option value="2025"\s*selected', page) and re.search(r'<option value="CB-DT01"\s*selected', page)
    assert "Năm 2025" in page
    page = board.get("/exports/").get_data(as_text=True)
    assert re.search(r'<option value="2025"\s*selected', page)
    # An explicit choice still wins.
    page = board.get("/totals/?form=CB-DT01&period=2024&unit=04").get_data(as_text=True)
    assert re.search(r'<option value="2024"\s*selected', page)

    web = app.test_client()
    login(web, "admin", ADMIN_PASSWORD)
    assert re.search(r'<option value="2025"\s*selected', web.get("/exports/").get_data(as_text=True))


def test_nothing_approved_yet_opens_on_nothing_chosen(app, admin):
    from core.analytics.latest import latest_with_data

    with app.app_context():
        factories.province()
        assert latest_with_data(db.session) == (None, None)
    client = app.test_client()
    login(client, "admin", ADMIN_PASSWORD)
    assert client.get("/totals/").status_code == 200 and client.get("/dashboard/").status_code == 200
