"""Plugins are found, switched on and off in every process, and a broken one never stops the app."""
import sys
import textwrap

from core.platform import plugin_admin
from core.platform.extensions import db
from core.platform.plugin_manager import discover
from tests.conftest import login


def _enable(app, name, enabled=True):
    with app.app_context():
        plugin_admin.set_enabled(db.session, name, enabled)
        db.session.commit()


def test_bundled_plugins_are_discovered_with_their_hooks(app):
    plugins = app.extensions["baocao.plugins"].plugins
    assert {"example", "dong_nai", "cao_bang", "ha_noi", "quang_ngai_baocao", "quang_ngai_phantich"} <= set(plugins)
    assert plugins["example"].hooks == ["scheduled_jobs", "support_contacts"]
    assert plugins["example"].version == "1.0.0"


def test_toggle_is_seen_by_a_second_app_on_the_same_database(make_app):
    first, second = make_app(), make_app(PLUGIN_REFRESH_SECONDS=0)
    web = second.test_client()
    assert "Nhóm phát triển baocao" not in web.get("/help/").get_data(as_text=True)

    _enable(first, "example")
    assert "Nhóm phát triển baocao" in web.get("/help/").get_data(as_text=True)
    assert "example" in second.extensions["baocao.plugins"].enabled

    _enable(first, "example", False)
    assert "Nhóm phát triển baocao" not in web.get("/help/").get_data(as_text=True)
    assert "example" not in second.extensions["baocao.plugins"].enabled


def test_another_process_toggle_arrives_within_the_refresh_interval(make_app, monkeypatch):
    """Requests ask plugin_state at most every PLUGIN_REFRESH_SECONDS, not on each request."""
    from core.platform import plugin_manager

    now = [1000.0]
    monkeypatch.setattr(plugin_manager.time, "monotonic", lambda: now[0])
    first, second = make_app(), make_app(PLUGIN_REFRESH_SECONDS=5)
    web = second.test_client()
    assert "Nhóm phát triển baocao" not in web.get("/help/").get_data(as_text=True)
    _enable(first, "example")
    now[0] += 4
    assert "Nhóm phát triển baocao" not in web.get("/help/").get_data(as_text=True)
    now[0] += 2
    assert "Nhóm phát triển baocao" in web.get("/help/").get_data(as_text=True)


def test_cli_disable_reaches_a_running_server(app, cli, monkeypatch):
    from core.platform import plugin_manager

    now = [1000.0]
    monkeypatch.setattr(plugin_manager.time, "monotonic", lambda: now[0])
    _enable(app, "example")
    web = app.test_client()
    assert "Nhóm phát triển baocao" in web.get("/help/").get_data(as_text=True)

    result = cli("plugins", "disable", "example")
    assert result.exit_code == 0, result.output
    now[0] += app.config.get("PLUGIN_REFRESH_SECONDS", 2) + 0.1
    assert "Nhóm phát triển baocao" not in web.get("/help/").get_data(as_text=True)


def test_plugins_list_shows_one_row_per_plugin(cli):
    result = cli("plugins", "list")
    assert result.exit_code == 0
    rows = {line.split("\t")[0]: line.split("\t") for line in result.output.splitlines()[1:]}
    assert rows["example"][1:4] == ["1.0.0", "no", "scheduled_jobs,support_contacts"]
    assert cli("plugins", "enable", "example").exit_code == 0
    rows = {line.split("\t")[0]: line.split("\t") for line in cli("plugins", "list").output.splitlines()[1:]}
    assert rows["example"][2] == "yes"


def test_enabling_an_unknown_plugin_fails_with_one_line(cli):
    result = cli("plugins", "enable", "atlantis")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["Error: Không có phân hệ nào tên atlantis."]


def test_toggles_are_audited(app, cli):
    cli("plugins", "enable", "example")
    cli("plugins", "disable", "example")
    with app.app_context():
        from core.platform.models.audit import AuditEntry

        actions = [(e.action, e.object_id, e.actor.startswith("cli:"))
                   for e in db.session.query(AuditEntry).filter(AuditEntry.object_type == "Plugin").order_by(AuditEntry.seq)]
    assert actions == [("plugin.enable", "example", True), ("plugin.disable", "example", True)]


def _write_package(root, name, modules):
    pkg = root / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for mod, body in modules.items():
        (pkg / f"{mod}.py").write_text(textwrap.dedent(body))


def test_a_plugin_that_raises_at_import_is_shown_with_its_error_and_the_app_starts(make_app, tmp_path, monkeypatch, admin):
    _write_package(tmp_path, "extra_plugins", {
        "broken": "raise RuntimeError('boom at import')\n",
        "misspelled": """
            from core import hookimpl

            @hookimpl
            def suport_contacts():
                return []
        """,
    })
    monkeypatch.syspath_prepend(str(tmp_path))
    app = make_app(PLUGIN_PACKAGES=["plugins", "extra_plugins"])
    plugins = app.extensions["baocao.plugins"].plugins
    assert "boom at import" in plugins["broken"].error
    assert "suport_contacts" in plugins["misspelled"].error
    assert not plugins["broken"].loadable

    client = app.test_client()
    login(client, "admin", admin["password"])
    page = client.get("/plugins/").get_data(as_text=True)
    assert "boom at import" in page

    with app.app_context():
        try:
            plugin_admin.set_enabled(db.session, "broken", True)
        except plugin_admin.PluginError as exc:
            assert "Không bật được phân hệ broken" in str(exc)
        else:
            raise AssertionError("a broken plugin was enabled")
    for name in ("extra_plugins", "extra_plugins.broken", "extra_plugins.misspelled"):
        sys.modules.pop(name, None)


def test_a_plugin_from_another_distribution_is_found_by_entry_point(tmp_path, monkeypatch):
    (tmp_path / "baocao_ext.py").write_text(textwrap.dedent("""
        from core import hookimpl
        from core.contracts import Contact, PluginInfo

        PLUGIN_INFO = PluginInfo(name="ext", title="Tiện ích ngoài", version="2.1.0")

        @hookimpl
        def support_contacts():
            return [Contact(organisation="Đơn vị tích hợp")]
    """))
    dist = tmp_path / "baocao_ext-2.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: baocao-ext\nVersion: 2.1.0\n")
    (dist / "entry_points.txt").write_text("[baocao]\next = baocao_ext\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = discover(("plugins",))
    assert found["ext"].source == "baocao-ext"
    assert found["ext"].version == "2.1.0"
    assert found["ext"].hooks == ["support_contacts"]
    sys.modules.pop("baocao_ext", None)


def test_plugins_screen_toggles_with_csrf(make_app, admin):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login/", data={"username": "admin", "password": admin["password"], "csrf_token": token})
    assert client.post("/plugins/example/toggle", data={"enabled": "1"}).status_code == 400  # no token
    page = client.get("/plugins/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/plugins/example/toggle", data={"enabled": "1", "csrf_token": token})
    assert resp.status_code == 302
    assert 'data-plugin="example" data-enabled="yes"' in client.get("/plugins/").get_data(as_text=True)


def test_plugins_screen_is_for_admins_only(client):
    resp = client.get("/plugins/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_plugins_can_be_listed_and_checked_before_an_instance_exists(tmp_path, monkeypatch):
    """An integrator runs `baocao plugins list|check|hooks` before `baocao init`: no SECRET_KEY needed."""
    from click.testing import CliRunner

    from core.cli import main

    monkeypatch.setenv("BAOCAO_INSTANCE", str(tmp_path / "not-yet"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    runner = CliRunner()
    listed = runner.invoke(main, ["plugins", "list"])
    assert listed.exit_code == 0, listed.output
    rows = {line.split("\t")[0]: line.split("\t") for line in listed.output.splitlines()[1:]}
    assert rows["example"][1:4] == ["1.0.0", "no", "scheduled_jobs,support_contacts"]
    checked = runner.invoke(main, ["plugins", "check", "example", "ha_noi.deadlines"])
    assert (checked.exit_code, checked.output.splitlines()) == (0, ["example\tok", "ha_noi.deadlines\tok"])
    assert runner.invoke(main, ["plugins", "check", "atlantis"]).exit_code == 1
    hooks = runner.invoke(main, ["plugins", "hooks"])
    assert hooks.exit_code == 0 and "backup_schedule\tfirst answer wins\t" in hooks.output
    assert not (tmp_path / "not-yet").exists()  # listing created no instance


def test_plugins_check_names_a_broken_plugin_and_exits_1(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from core.cli import main

    _write_package(tmp_path, "kit_plugins", {"typo": """
        from core import hookimpl

        @hookimpl
        def backup_schedul():
            return "0 1 * * *"
    """})
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr("core.config.PLUGIN_PACKAGES", ["kit_plugins"])
    monkeypatch.setenv("BAOCAO_INSTANCE", str(tmp_path / "not-yet"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["plugins", "check"])
    assert result.exit_code == 1
    assert result.output.startswith("typo\terror: PluginValidationError")
