"""`baocao init`: migrate, enable the province, create the admin; a second run changes nothing."""
import pytest

from core.platform import clock
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.platform.models.plugin_state import PluginState
from tests.conftest import change_password, login


def test_init_twice_creates_once_and_then_says_nothing_changed(cli, make_app):
    first = cli("init", "--province", "example")
    assert first.exit_code == 0, first.output
    username, password, who = first.output.strip().splitlines()[-1].split("\t")
    assert who.startswith("Quản trị hệ thống")
    assert "Đăng nhập tại http://127.0.0.1:5000/login/" in first.output
    assert username == "admin" and len(password) >= 12

    second = cli("init", "--province", "example")
    assert second.exit_code == 0
    assert second.output.strip().splitlines()[-1] == "already initialised: nothing changed"

    app = make_app()
    with app.app_context():
        assert db.session.get(PluginState, "example").enabled
        assert db.session.query(AuditEntry).filter_by(action="cli.init").count() == 1
    client = app.test_client()
    assert login(client, "admin", password).status_code == 302
    # The printed password only opens the change form (A3).
    assert client.get("/plugins/").headers["Location"].endswith("/account/password/form")
    assert change_password(client, password, "Mới-2026-an-toàn").status_code == 302
    assert client.get("/plugins/").status_code == 200


def test_init_refuses_an_unknown_province_with_one_line(cli):
    result = cli("init", "--province", "atlantis")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error: unknown province plugin 'atlantis'")


def test_init_without_province_is_a_usage_error(cli):
    assert cli("init").exit_code == 2


def test_init_generates_a_secret_key_into_the_instance_folder(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    result = cli("init", "--province", "example")
    assert result.exit_code == 0, result.output
    config = (tmp_path / "cli-instance" / "config.py").read_text()
    assert "SECRET_KEY = '" in config
    assert (tmp_path / "cli-instance" / "config.py").stat().st_mode & 0o077 == 0


@pytest.mark.calendar
@pytest.mark.parametrize("day", [
    "the tests' instant",  # BAOCAO_TEST_NOW: 10/11/2026 by default, and CI's other instants
    pytest.param("mid-December", marks=pytest.mark.at("2026-12-15T10:00:00+07:00")),  # the yearly period open
])
def test_init_of_a_province_loads_its_real_units_and_demo_accounts(cli, make_app, day):
    result = cli("init", "--province", "cao_bang", "--demo")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert any(line.startswith("units of Tỉnh Cao Bằng (2020):") for line in lines)
    accounts = [line.split("\t") for line in lines if "\t" in line]
    assert accounts[-1][0] == "admin" and len(accounts) == 4  # board, a district, a commune, admin
    app = make_app()
    with app.app_context():
        from core.accounts.models import Account
        from core.hierarchy.models import Unit

        kinds = {kind: n for kind, n in db.session.query(Unit.kind, db.func.count()).group_by(Unit.kind)}
        assert kinds["board"] == 1 and kinds["district"] >= 9 and kinds["commune"] >= 100
        demo = db.session.query(Account).filter(Account.unit_account.is_(True)).all()
        assert sorted(a.unit.kind for a in demo) == ["board", "commune", "district"]
        assert all(a.must_change_password for a in demo)
        from core.reporting.models import Report

        # the demo's units can try data entry at once, whatever the calendar says
        demo = db.session.query(Report).filter(Report.request_id.is_not(None))
        assert sorted(r.unit.kind for r in demo) == ["commune", "district"]
        # and CB-DT01 goes to every commune when its yearly period is open in Vietnam: from 1/12 (the 1st of
        # the period's last month) to 31/1 (the end of the month after it), national rule
        today = clock.local_day(clock.utcnow())
        from core.forms.models.period import Period

        # (the demo's history of closed periods aside: tests/test_demo.py)
        scheduled = db.session.query(Report).join(Period).filter(Report.request_id.is_(None),
                                                                 Period.closes >= today).all()
        if today.month in (12, 1):
            year = today.year if today.month == 12 else today.year - 1
            assert {(r.form.code, r.period.code, r.unit.kind) for r in scheduled} == {("CB-DT01", str(year), "commune")}
            assert len(scheduled) == kinds["commune"]
        else:
            assert scheduled == []
    again = cli("init", "--province", "cao_bang", "--demo")
    assert again.output.strip().splitlines()[-1] == "already initialised: nothing changed"
