"""The ``baocao`` command. Exit codes: 0 done, 1 refused or failed (one line on stderr), 2 usage."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from core import create_app, default_instance_path


@contextmanager
def app_context(command: str, config: dict | None = None):
    """An app context whose audit actor is the CLI user; errors become one-line failures."""
    from core.platform import audit
    from core.platform.extensions import db

    try:
        app = create_app(config)
    except Exception as exc:  # e.g. no SECRET_KEY, bad DATABASE_URL
        raise click.ClickException(str(exc).splitlines()[0]) from exc
    with app.app_context():
        audit.act_as_cli(command)
        try:
            app.extensions["baocao.plugins"].refresh(db.session)
        except Exception:  # before the first migration there is no plugin_state table
            db.session.rollback()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """baocao: provincial reporting and data collection."""


@main.command()
@click.option("--province", required=True, help="Province plugin to enable, e.g. cao_bang.")
@click.option("--demo", is_flag=True, help="Also load sample accounts and data.")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True,
              help="Where the site is served: printed with the accounts, as where to log in.")
def init(province, demo, url):
    """Migrate the database, enable PROVINCE, load its data; safe to run again."""
    from core.bootstrap import ADMIN_WHO, init_province
    from core.platform.instance import ensure_instance
    from core.platform.plugin_admin import PluginError
    from core.hierarchy.units import UnitImportError

    instance = default_instance_path()
    if ensure_instance(instance):
        click.echo(f"created {instance}/config.py with a new SECRET_KEY")
    with app_context("init"):
        try:
            result = init_province(province, demo=demo)
        except (PluginError, LookupError, UnitImportError) as exc:
            raise click.ClickException(str(exc).splitlines()[0]) from exc
    for change in result.changes:
        click.echo(change)
    if not result.changes:
        click.echo("already initialised: nothing changed")
    if result.demo_accounts or result.admin_password:
        click.echo(f"Đăng nhập tại {url.rstrip('/')}/login/ với các tài khoản sau (mật khẩu dùng một lần, "
                   "đổi ở lần đăng nhập đầu):")
    for username, password, who in result.demo_accounts:
        click.echo(f"{username}\t{password}\t{who}")
    if result.admin_password:
        click.echo(f"admin\t{result.admin_password}\t{ADMIN_WHO}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run(host, port):
    """Development server."""
    try:
        app = create_app()
    except Exception as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from exc
    click.echo(f"Đăng nhập tại http://{host}:{port}/login/")
    app.run(host=host, port=port, debug=False, use_reloader=False)


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=2, show_default=True, type=int)
def serve(bind, workers):
    """Production server (gunicorn)."""
    from core.wsgi_server import serve as _serve

    _serve(bind=bind, workers=workers)


@main.command()
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
def worker(burst):
    """RQ worker with RQ's scheduler and cron (needs REDIS_URL)."""
    from core.platform.worker import run_worker

    with app_context("worker") as app:
        if not app.config.get("REDIS_URL"):
            raise click.ClickException("REDIS_URL is not set: jobs run inline, there is nothing for a worker to do")
        run_worker(app, burst=burst)


# --- db ----------------------------------------------------------------------


@main.group()
def db():
    """Database migrations (Alembic through Flask-Migrate)."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision):
    """Upgrade the schema, then sync FAB permissions."""
    from flask import current_app
    from flask_migrate import upgrade as _upgrade

    with app_context("db upgrade") as app:
        _upgrade(directory=app.extensions["migrate"].directory, revision=revision)
        current_app.appbuilder.sm.sync_permissions()
    click.echo(f"database at {revision}")


@db.command()
@click.argument("revision", default="-1")
def downgrade(revision):
    """Downgrade the schema by one step, or to REVISION."""
    from flask_migrate import downgrade as _downgrade

    with app_context("db downgrade") as app:
        _downgrade(directory=app.extensions["migrate"].directory, revision=revision)


@db.command()
def current():
    """Show the current revision."""
    from flask_migrate import current as _current

    with app_context("db current") as app:
        _current(directory=app.extensions["migrate"].directory)


@db.command()
@click.option("-m", "--message", required=True)
def revision(message):
    """Autogenerate a migration from the models (for developers)."""
    from flask_migrate import migrate as _migrate

    with app_context("db revision") as app:
        _migrate(directory=app.extensions["migrate"].directory, message=message)


# --- plugins -----------------------------------------------------------------


@main.group()
def plugins():
    """List, enable and disable plugins."""


def _instance_exists() -> bool:
    """True once ``baocao init`` wrote the instance's settings (or SECRET_KEY comes from the environment)."""
    import os

    return bool(os.environ.get("SECRET_KEY")) or (Path(default_instance_path()) / "config.py").exists()


@contextmanager
def plugin_registry(command: str):
    """The plugin registry: with the enabled set read from the database when an instance exists, and
    from discovery alone before ``baocao init`` (nothing is enabled yet, no SECRET_KEY is needed), so
    that an integrator can list and check a plugin before creating an instance."""
    if _instance_exists():
        with app_context(command) as app:
            yield app.extensions["baocao.plugins"]
        return
    from core import config as defaults
    from core.defaults import DEFAULT_PLUGINS
    from core.platform.plugin_manager import PluginRegistry, discover

    yield PluginRegistry(discover(tuple(defaults.PLUGIN_PACKAGES)), DEFAULT_PLUGINS)


@plugins.command("list")
def plugins_list():
    """One row per plugin: name, version, enabled, hooks, error, precedence (tab-separated).

    Precedence is the rank in which enabled plugins answer first-answer-wins hooks (1 first).
    Works before ``baocao init``: every plugin is then listed as not enabled.
    """
    with plugin_registry("plugins list") as registry:
        click.echo("name\tversion\tenabled\thooks\terror\tprecedence")
        for name, plugin in sorted(registry.plugins.items()):
            enabled = "yes" if name in registry.enabled else "no"
            rank = registry.order.index(name) + 1 if name in registry.order else ""
            click.echo(f"{name}\t{plugin.version}\t{enabled}\t{','.join(plugin.hooks)}\t{plugin.error or ''}\t{rank}")


@plugins.command("hooks")
def plugins_hooks():
    """One row per hook: how answers combine and who answers, in call order (tab-separated)."""
    with plugin_registry("plugins hooks") as registry:
        click.echo("hook\tcombination\tanswered by")
        for row in registry.answers():
            combination = "first answer wins" if row["firstresult"] else "all combined"
            click.echo(f"{row['hook']}\t{combination}\t{' > '.join(row['plugins'])}")


@plugins.command("check")
@click.argument("names", nargs=-1)
def plugins_check(names):
    """Import and validate plugins (all, or NAMES): one line each, exit 1 if any is broken or unknown.

    The same check as at start-up (the module imports, its hooks match ``core/hookspecs.py``); it needs
    no instance, so a plugin's CI can run it before ``baocao init``.
    """
    with plugin_registry("plugins check") as registry:
        found = registry.plugins
        unknown = [name for name in names if name not in found]
        if unknown:
            raise click.ClickException(f"no plugin named {unknown[0]!r}")
        broken = False
        for name in names or sorted(found):
            plugin = found[name]
            broken = broken or bool(plugin.error)
            click.echo(f"{name}\t{'error: ' + plugin.error if plugin.error else 'ok'}")
    if broken:
        sys.exit(1)


@plugins.command("new")
@click.argument("name")
@click.option("--province", default=None, help="Province name or code whose real units the plugin loads "
              "(default: NAME, when it names a province).")
@click.option("--output", "-o", default=None, type=click.Path(file_okay=False),
              help="Directory to create (default: ./baocao-NAME).")
def plugins_new(name, province, output):
    """Scaffold plugin NAME as its own distribution, with a test that passes."""
    from core.scaffold import ScaffoldError, create

    target = Path(output or f"baocao-{name.replace('_', '-')}")
    try:
        written = create(name, target, province)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: cd {target} && pip install -e '.[test]' && pytest")


def _toggle(name: str, enabled: bool) -> None:
    from core.platform.extensions import db as _db
    from core.platform.plugin_admin import PluginError, set_enabled

    with app_context(f"plugins {'enable' if enabled else 'disable'}"):
        try:
            changed = set_enabled(_db.session, name, enabled)
            _db.session.commit()
        except PluginError as exc:
            raise click.ClickException(str(exc)) from exc
    state = "enabled" if enabled else "disabled"
    click.echo(f"{name} {state}" if changed else f"{name} was already {state}")


@plugins.command()
@click.argument("name")
def enable(name):
    """Enable plugin NAME in every running process."""
    _toggle(name, True)


@plugins.command()
@click.argument("name")
def disable(name):
    """Disable plugin NAME in every running process."""
    _toggle(name, False)


# --- maintenance ---------------------------------------------------------------


@main.group()
def maintenance():
    """Maintenance notices (S3): the banner on every page and the X-Baocao-Maintenance header."""


def _moment(value: str, name: str):
    from datetime import datetime

    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.ClickException(f"--{name}: not a date and time: {value!r} (e.g. 2026-11-22T22:00)") from None


@maintenance.command("add")
@click.option("--start", required=True, help="ISO 8601; without an offset, the province's time (2026-11-22T22:00).")
@click.option("--end", required=True, help="ISO 8601, after --start.")
@click.option("--message", required=True, help="What the units read, in Vietnamese.")
@click.option("--emergency", is_flag=True, help="Show at once, whatever the lead time.")
def maintenance_add(start, end, message, emergency):
    """Announce a maintenance window; prints its id. A planned one must leave the lead time."""
    from core.operations import maintenance as notices
    from core.platform.extensions import db as _db

    starts_at, ends_at = _moment(start, "start"), _moment(end, "end")
    with app_context("maintenance add"):
        try:
            notice = notices.announce(_db.session, starts_at, ends_at, message, emergency, by="cli")
        except notices.NoticeRefused as exc:
            _db.session.rollback()
            field, reasons = next(iter(exc.errors.items()))
            raise click.ClickException(f"{field}: {reasons[0]}") from exc
        _db.session.commit()
        row = notices.as_json(notice)
    click.echo(f"{row['id']}\t{row['starts_local']}\t{row['ends_local']}\t"
               f"{'emergency' if row['emergency'] else 'planned'}\t{row['message']}")


@maintenance.command("list")
@click.option("--all", "everything", is_flag=True, help="Also the notices that have ended.")
def maintenance_list(everything):
    """One row per notice not yet ended, soonest first: id, start, end (province time), kind, shown now, message."""
    from core.operations import maintenance as notices
    from core.platform.extensions import db as _db

    with app_context("maintenance list"):
        rows = [notices.as_json(n) for n in notices.notices(_db.session, include_ended=everything)]
    click.echo("id\tstarts\tends\tkind\tshown\tmessage")
    for row in rows:
        click.echo(f"{row['id']}\t{row['starts_local']}\t{row['ends_local']}\t"
                   f"{'emergency' if row['emergency'] else 'planned'}\t{'yes' if row['shown_now'] else 'no'}\t"
                   f"{' '.join(row['message'].split())}")


@maintenance.command("cancel")
@click.argument("notice_id", type=int)
def maintenance_cancel(notice_id):
    """Withdraw notice NOTICE_ID: it no longer shows anywhere."""
    from core.operations import maintenance as notices
    from core.platform.extensions import db as _db

    with app_context("maintenance cancel"):
        if notices.cancel(_db.session, notice_id) is None:
            raise click.ClickException(f"no maintenance notice {notice_id}")
        _db.session.commit()
    click.echo(f"cancelled {notice_id}")


# --- forms -------------------------------------------------------------------


@main.group()
def forms():
    """Forms: import an XLSForm workbook (ODK, KoboToolbox) as a draft."""


@forms.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Read and check only; store nothing.")
def forms_import(file, dry_run):
    """Import FILE as a draft form (the board publishes it on the Forms screen).

    Prints one ``warning<TAB>sheet<TAB>row<TAB>what`` line for every column or expression not carried
    over (ODK's relevant, calculate, an inexpressible constraint, unknown columns), then what happened.
    Exit 1 with every problem on one line when the workbook is refused: nothing is stored.
    """
    from core.forms import definitions, xlsform
    from core.forms.models.form import Category, CategoryCombo, Indicator
    from core.platform import audit as _audit
    from core.platform.extensions import db as _db
    from sqlalchemy import select

    with app_context("forms import"):
        try:
            spec, warnings = xlsform.read_workbook_with_warnings(
                file, known_combos=_db.session.execute(select(CategoryCombo.code)).scalars(),
                known_indicators=_db.session.execute(select(Indicator.code)).scalars(),
                known_categories=_db.session.execute(select(Category.code)).scalars())
        except xlsform.XLSFormError as exc:
            raise click.ClickException(f"{len(exc.problems)} problem(s), nothing imported: {exc}") from exc
        for sheet, row, message in warnings:
            click.echo(f"warning\t{sheet}\t{row}\t{message}")
        if dry_run:
            click.echo(f"form {spec.code}: {sum(len(s.fields) for s in spec.sections)} field(s), "
                       f"{len(spec.rules)} rule(s); nothing stored (--dry-run)")
            return
        try:
            result = definitions.sync_spec(_db.session, spec, source="board", publish_it=False)
        except definitions.FormError as exc:
            _db.session.rollback()
            raise click.ClickException(f"form {spec.code}: {'; '.join(map(str, exc.problems))}") from exc
        if result == "refused":
            _db.session.rollback()
            raise click.ClickException(f"form code {spec.code} belongs to a plugin: import it under another code")
        _audit.record("form.import", "Form", spec.code, {"result": result, "file": Path(file).name[:200],
                                                          "not_carried_over": len(warnings)})
        _db.session.commit()
    click.echo(f"form {spec.code} {result} as a draft ({len(warnings)} warning(s))")


# --- docs --------------------------------------------------------------------


@main.group()
def docs():
    """The generated references: docs/api.md (REST API) and docs/contracts.md (plugin contracts)."""


@contextmanager
def _docs_app():
    """An app of the shipped settings in a scratch folder: needs no instance."""
    import tempfile

    from core import reference
    from core.platform.extensions import db as _db

    with tempfile.TemporaryDirectory() as workdir:
        app = reference.docs_app(Path(workdir))
        try:
            yield app
        finally:
            with app.app_context():
                _db.engine.dispose()


@docs.command("build")
def docs_build():
    """Write docs/api.md from the OpenAPI spec and docs/contracts.md from core.contracts."""
    from core import reference

    with _docs_app() as app:
        for path, text in reference.build(app).items():
            path.write_text(text, encoding="utf-8")
            click.echo(f"wrote {path}")


@docs.command("check")
def docs_check():
    """Exit 1 naming the first generated reference that differs from the code."""
    from core import reference

    with _docs_app() as app:
        stale = reference.stale(app)
    if stale:
        raise click.ClickException(f"{stale[0]} differs from the code: run `baocao docs build`")
    click.echo("docs/api.md and docs/contracts.md match the code")


# --- units -------------------------------------------------------------------


@main.group()
def units():
    """Units of the hierarchy."""


@units.command("import")
@click.option("--province", default=None, help="Province code or name, e.g. 04 or cao_bang.")
@click.option("--file", "path", default=None, type=click.Path(dir_okay=False),
              help="A CSV file of units (as `baocao units export` writes it).")
@click.option("--structure", type=click.Choice(["2025", "2020"]), default=None,
              help="With --province. 2025: communes under the province; 2020: with the pre-2025 districts. "
                   "Default: 2020 when the hierarchy has a district tier.")
def units_import(province, path, structure):
    """Load units, all or nothing: a province's real units (--province) or a CSV file (--file)."""
    if (province is None) == (path is None):
        raise click.UsageError("give exactly one of --province and --file")
    if path is not None and structure is not None:
        raise click.UsageError("--structure goes with --province, not --file")
    if path is not None:
        _units_import_file(path)
        return
    from core.platform.extensions import db as _db
    from core.hierarchy.units import UnitImportError, import_units, province_units

    with app_context("units import"):
        try:
            found = province_units(province, structure)
        except LookupError as exc:
            raise click.ClickException(str(exc).splitlines()[0]) from exc
        try:
            result = import_units(_db.session, found.rows, source=found.source)
            _db.session.commit()
        except UnitImportError as exc:
            _db.session.rollback()
            raise click.ClickException(str(exc)) from exc
    click.echo(f"{found.name}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged")


def _units_import_file(path: str) -> None:
    """``units import --file``: every bad line on one stderr line, exit 1, nothing written."""
    from pathlib import Path

    from core.platform.extensions import db as _db
    from core.hierarchy.unit_csv import import_csv, summary
    from core.hierarchy.units import UnitImportError

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from exc
    with app_context("units import"):
        try:
            result = import_csv(_db.session, data, source=f"csv {Path(path).name}")
            _db.session.commit()
        except UnitImportError as exc:
            _db.session.rollback()
            raise click.ClickException(" ".join(summary(exc.problems).split())) from exc
    click.echo(f"{path}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged")


@units.command("export")
@click.option("--output", "-o", default=None, type=click.Path(dir_okay=False),
              help="Write the CSV here instead of standard output.")
def units_export(output):
    """Write every unit as CSV (UTF-8 with BOM, for Excel): the format `units import --file` reads."""
    from pathlib import Path

    from core.platform import audit as _audit
    from core.platform.extensions import db as _db
    from core.hierarchy.unit_csv import export_csv

    with app_context("units export"):
        data, count = export_csv(_db.session)
        _audit.record("units.export", "Unit", None, {"units": count, "format": "csv", "to": output or "stdout"})
        _db.session.commit()
    if output is None:
        click.echo(data, nl=False)  # bytes go to the binary stream as they are
        return
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc
    click.echo(f"{count} units written to {output}")


@units.command("reorganise")
@click.option("--province", required=True, help="The new (2025) province code or name, e.g. 04 or cao_bang.")
@click.option("--to", "structure", type=click.Choice(["2025"]), required=True,
              help="The structure to move to: 2025 (communes under the province, no districts).")
@click.option("--effective", default="2025-07-01", help="The day the event takes effect (YYYY-MM-DD).")
@click.option("--legal-basis", default=None, help="Default: the Standing Committee resolution of the province.")
@click.option("--shares", "shares_path", default=None, type=click.Path(dir_okay=False),
              help="CSV old_code,new_code,share: the shares of split communes (default: equal parts).")
@click.option("--preview", "mode", flag_value="preview", default=True, help="Build the draft and show it (default).")
@click.option("--apply", "mode", flag_value="apply", help="Build the draft and apply it, all or nothing.")
def units_reorganise(province, structure, effective, legal_basis, shares_path, mode):
    """One draft reorganisation from the official 2025 transition table; previewed, or applied."""
    from datetime import date

    from core.hierarchy import reorganisation, transition
    from core.hierarchy.reorganisation import from_transition
    from core.platform.extensions import db as _db

    try:
        day = date.fromisoformat(effective)
    except ValueError:
        raise click.ClickException(f"ngày hiệu lực '{effective}' không đúng dạng YYYY-MM-DD") from None
    shares = None
    if shares_path is not None:
        try:
            shares = from_transition.read_shares(Path(shares_path).read_bytes())
        except OSError as exc:
            raise click.ClickException(f"không đọc được {shares_path}: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise click.ClickException(f"{shares_path}: {exc}") from exc
    with app_context("units reorganise"):
        try:
            table = transition.load(province)
        except (LookupError, ValueError) as exc:
            raise click.ClickException(f"không tìm thấy bảng chuyển đổi của tỉnh '{province}'") from exc
        reorg, built = from_transition.draft(_db.session, table, day, legal_basis, shares)
        if reorg is None:
            _db.session.rollback()
            raise click.ClickException(_problems_line(built.problems))
        problems = reorganisation.validate(_db.session, reorg)
        if problems:
            _db.session.rollback()
            raise click.ClickException(_problems_line(problems))
        if mode == "apply":
            try:
                result = reorganisation.apply(_db.session, reorg)
                _db.session.commit()
            except reorganisation.ReorganisationError as exc:
                _db.session.rollback()
                raise click.ClickException(_problems_line(exc.problems)) from exc
        else:
            result = reorganisation.preview(_db.session, reorg)
            _db.session.commit()  # the draft stays, for the screen or a later --apply
        for note in built.notes:
            click.echo(f"  ghi chú: {note}")
        moved = sum(1 for r in result.reports if r["outcome"] == "move")
        click.echo(f"{'Đã áp dụng' if mode == 'apply' else 'Bản nháp'} #{reorg.id} {reorg.name} ({reorg.legal_basis}): "
                   f"{len(result.created)} tạo mới, {len(result.closed)} đóng, {len(result.moved)} chuyển, "
                   f"{len(result.renamed)} đổi tên; báo cáo đang mở: {moved} chuyển, "
                   f"{len(result.reports) - moved} đóng; {len(result.accounts)} tài khoản bị khóa; "
                   f"{len(result.needs_accounts)} đơn vị mới cần cấp tài khoản")


def _problems_line(problems) -> str:
    """Every problem on one line (CONTRACT: exit 1 with a one-line reason)."""
    from core.hierarchy.reorganisation import describe

    lines = [describe(n, why) for n, why in problems]
    more = f" (và {len(lines) - 3} lỗi khác)" if len(lines) > 3 else ""
    return "; ".join(lines[:3]) + more


# --- accounts ----------------------------------------------------------------


@main.group()
def accounts():
    """Accounts of units and people."""


@contextmanager
def _account_action(command: str):
    """Run an account change in one transaction; a refusal becomes exit 1 with its reason."""
    from core.accounts.lifecycle import AccountError
    from core.platform.extensions import db as _db

    with app_context(command):
        try:
            yield _db.session
            _db.session.commit()
        except AccountError as exc:
            _db.session.rollback()
            raise click.ClickException(str(exc)) from exc


def _find_account(session, username: str):
    from core.accounts.lifecycle import AccountError
    from core.accounts.models import Account

    account = session.query(Account).filter(Account.username == username).one_or_none()
    if account is None:
        raise AccountError(f"no account named {username}")
    return account


@accounts.command("issue")
@click.argument("unit_code")
def accounts_issue(unit_code):
    """Create UNIT_CODE's account or reissue its password; last line: username<TAB>one-time password."""
    from core.accounts.lifecycle import issue

    with _account_action("accounts issue") as session:
        account, password, created = issue(session, unit_code)
        username = account.username
    click.echo(f"{'created' if created else 'reissued'} the account of unit {unit_code}; "
               "the password must be changed at first login")
    click.echo(f"{username}\t{password}")


@accounts.command("lock")
@click.argument("username")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
def accounts_lock(username, reason):
    """Lock an account at once, until unlocked (A10)."""
    from core.accounts.lifecycle import lock

    with _account_action("accounts lock") as session:
        lock(session, _find_account(session, username), reason)
    click.echo(f"{username} locked")


@accounts.command("unlock")
@click.argument("username")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
def accounts_unlock(username, reason):
    """Unlock an account locked by an admin or by failed logins."""
    from core.accounts.lifecycle import unlock

    with _account_action("accounts unlock") as session:
        unlock(session, _find_account(session, username), reason)
    click.echo(f"{username} unlocked")


@accounts.command("signout")
@click.argument("username")
@click.option("--reason", default="", help="Why (kept in the audit log).")
def accounts_signout(username, reason):
    """End every browser session and API token of an account (sign out everywhere)."""
    from core.accounts.lifecycle import sign_out_everywhere

    with _account_action("accounts signout") as session:
        sign_out_everywhere(session, _find_account(session, username), reason)
    click.echo(f"{username} signed out everywhere")


# --- reports -----------------------------------------------------------------


@main.group()
def reports():
    """Report assignments."""


@reports.command("assign")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Assign as on this day (default: today).")
def reports_assign(day):
    """Create the reports whose period is open and send reminders (the daily job, for OS cron)."""
    from core.reporting import assignment
    from core.platform.extensions import db as _db

    with app_context("reports assign"):
        result = assignment.assign(_db.session, day.date() if day else None)
        reminders = assignment.remind(_db.session, day.date() if day else None)
        _db.session.commit()
    click.echo(f"{result.created} report(s) assigned; reminders: {reminders['due_soon']} due soon, "
               f"{reminders['late']} late")


# --- keys --------------------------------------------------------------------


@main.group()
def keys():
    """Encryption keys of data at rest (S6)."""


@keys.command("rotate-fields")
def keys_rotate_fields():
    """Re-encrypt every encrypted column under FIELD_KEY (old keys in FIELD_OLD_KEYS); plain text too."""
    from flask_appbuilder import Model

    from core.platform import audit as _audit, crypto
    from core.platform.extensions import db as _db

    with app_context("keys rotate-fields"):
        try:
            changed = crypto.reencrypt_all(_db.session.connection(), Model.metadata)
        except ValueError as exc:  # a value under a key that is no longer configured
            _db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        kid = crypto.current_key_id()
        _audit.record("keys.rotate_fields", "Key", kid, {"values": changed})
        _db.session.commit()
    click.echo(f"{changed} value(s) re-encrypted under key {kid}" if changed
               else "every value is already under the current key")


@keys.command("rotate-attachments")
def keys_rotate_attachments():
    """Re-encrypt every attachment file under ATTACHMENT_KEY (old keys in ATTACHMENT_OLD_KEYS)."""
    from core.reporting import attachments
    from core.platform import audit as _audit
    from core.platform.extensions import db as _db

    with app_context("keys rotate-attachments"):
        try:
            rewritten = attachments.rotate()
        except ValueError as exc:  # a file under a key that is no longer configured
            raise click.ClickException(str(exc)) from exc
        _audit.record("keys.rotate_attachments", "Key", None, {"files": rewritten})
        _db.session.commit()
    click.echo(f"{rewritten} file(s) re-encrypted" if rewritten else "every file is already under the current key")


# --- audit -------------------------------------------------------------------


@main.group()
def audit():
    """The audit log."""


@audit.command()
@click.option("--checkpoints", "checkpoints", type=click.File("r", encoding="utf-8"), default=None,
              help="Also check the checkpoints exported to this file (export-checkpoints).")
def verify(checkpoints):
    """Chain what is pending, then check the keyed chain, its checkpoints, the access log and the pending
    entries (edited, or a stuck chainer); exit 1 naming the first broken entry."""
    from core.platform import audit_chainer, audit_verify
    from core.platform.extensions import db as _db

    with app_context("audit verify"):
        try:
            outside = audit_verify.read_checkpoints(checkpoints, checkpoints.name) if checkpoints else None
        except audit_verify.Broken as exc:
            raise click.ClickException(exc.reason) from exc
        audit_chainer.chain_quietly(_db.engine)
        verdict = audit_verify.verify(_db.session, outside)
    if not verdict.ok:
        where = f" at entry {verdict.broken_seq}" if verdict.broken_seq is not None else ""
        raise click.ClickException(f"audit chain broken{where}: {verdict.reason}")
    click.echo(f"audit chain intact: {verdict.summary()}")


@audit.command()
def checkpoint():
    """Seal the access log into the chain, then sign the chain's head (also an hourly job)."""
    from core.platform import access_log

    with app_context("audit checkpoint"):
        statement = access_log.checkpoint_job()
    click.echo(f"checkpoint: entry {statement['seq']} hash {statement['hash']} at {statement['at']}")


@audit.command("export-checkpoints")
@click.argument("file", type=click.File("w", encoding="utf-8"))
def export_checkpoints(file):
    """Write every signed checkpoint to FILE (JSON lines; - for stdout): keep it away from the database."""
    from core.platform import audit_verify
    from core.platform.extensions import db as _db

    with app_context("audit export-checkpoints"):
        count = sum(1 for line in audit_verify.export_lines(_db.session) if file.write(line) or True)
    click.echo(f"{count} checkpoint(s) written to {file.name}", err=file.name == "<stdout>")


# --- backup ------------------------------------------------------------------


@main.group()
def backup():
    """Encrypted backups: create, verify by restoring into a scratch database, restore (S2)."""


@contextmanager
def _backup_action(command: str):
    from core.operations.backup import BackupError

    with app_context(command) as app:
        try:
            yield app
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc


def _human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


@backup.command("create")
@click.option("--output", "-o", default=None, type=click.Path(file_okay=False),
              help="Folder to write to (default: BACKUP_DIR, or instance/backups).")
def backup_create(output):
    """Write baocao-<UTC time>.bcbk and its .sha256; the last line is the file's path."""
    from core.operations.backup import create

    with _backup_action("backup create"):
        outcome = create(output)
    click.echo(f"backup written: {outcome.tables} tables, {outcome.rows} rows, {_human_size(outcome.size)} "
               f"in {outcome.seconds:.1f} s; SHA-256 {outcome.sha256}")
    click.echo(str(outcome.file))


@backup.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
def backup_verify(file):
    """Check SHA-256, decrypt, restore into a scratch database, compare every table; exit 1 at the first mismatch."""
    from core.operations.backup import verify

    with _backup_action("backup verify"):
        outcome = verify(file)
    click.echo(f"backup OK: {outcome.tables} tables and {outcome.rows} rows match the manifest "
               f"({outcome.seconds:.1f} s)")


@backup.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace a database that holds data.")
def backup_restore(file, yes):
    """Check FILE, then replace the configured database and restore the attachments (audited)."""
    from core.operations.backup import restore

    with _backup_action("backup restore"):
        outcome = restore(file, yes=yes)
    click.echo(f"restored {file}: {outcome.tables} tables, {outcome.rows} rows ({outcome.seconds:.1f} s); "
               "run `baocao db upgrade` if the backup is older than this version")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
