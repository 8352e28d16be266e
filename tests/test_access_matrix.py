"""The access matrix (H5, A12, A13): no account reaches an object outside its unit's subtree.

Catalogues shared by the whole province (forms, periods, indicators) carry no
``__scope__`` and are outside the matrix; admin-only data (the audit log) is
in it, with an entry about another district.

Every route of every registered screen and API that takes an object id is
tried by a commune's account against another district's objects, by GET and
(where allowed) POST. The answer must be 403, 404 or a redirect to the login
page, the other unit's data must not appear in the body, and nothing of the
other unit may change. A new screen over a new model fails here until the
matrix knows an out-of-scope object of that model, so scope cannot be
forgotten by a later change.
"""
from __future__ import annotations

import re

import pytest

from core.accounts import lifecycle as accounts
from core.hierarchy import roles
from core.platform.extensions import db
from core.accounts.models import Account
from core.analytics.models.analysis import AnalysisScenario
from core.platform.models.audit import AuditEntry
from core.analytics.models.export import ExportJob
from core.reporting.models import Report
from core.hierarchy.models import Unit, UnitHolder
from tests import factories


ID_ARGS = {"pk", "id", "account_id", "unit_id", "holder_id"}
DENIED = {401, 403, 404}
#: APIs with no datamodel of their own, and the model their id names (they find it in scope themselves).
#: Screens with no datamodel of their own, likewise.
PLAIN_APIS = {"ReportPdfApi": Report, "ReportAttachmentApi": Report, "ExportApi": ExportJob,
              "ExportsView": ExportJob, "AnalysisView": AnalysisScenario,
              "ReportWorkbookApi": Report, "WorkbookView": Report}


def _personal(username: str, unit_id: int, role: str) -> tuple[str, str]:
    account = Account(username=username, first_name=username, last_name="", email=f"{username}@x.vn",
                      active=True, unit_id=unit_id, unit_account=False)
    db.session.add(account)
    db.session.flush()
    accounts.set_roles(db.session, account, [role])
    password = accounts.reset(db.session, account)
    db.session.commit()
    return username, password


@pytest.fixture
def world(app):
    """Cao Bằng's shape, a unit account everywhere, a unit admin and a leader of district H01."""
    with app.app_context():
        ids = factories.province()
        one_time = {code.lower(): factories.issue(code)[1] for code in ("04", "H01", "H02", "X011", "X012", "X021")}
        for code in ("X021", "X011"):
            accounts.handover(db.session, accounts.unit_account(db.session, db.session.get(Unit, ids[code])),
                              full_name=f"Cán bộ {code}", phone="0912 000 000")
        db.session.commit()
        one_time.update({code.lower(): accounts.reset(db.session, db.session.query(Account)
                                                       .filter_by(username=code.lower()).one())
                         for code in ("X011", "X021")})
        db.session.commit()
        one_time.update(dict([_personal("qtcs-h01", ids["H01"], roles.UNIT_ADMIN)]))
        one_time.update(dict([_personal("lanhdao-h01", ids["H01"], roles.VIEWER)]))
        # Reports of every commune (CB-DT01 falls due yearly), a request and reminders in district H02.
        from datetime import date

        from core.reporting import assignment
        from core.forms.models.form import Form
        from core.reporting.models import Notification, Report, Request

        assignment.assign(db.session, date(2026, 12, 5))
        assignment.remind(db.session, date(2026, 12, 18))
        x021_report = db.session.query(Report).filter_by(unit_id=ids["X021"]).one()
        assignment.request(db.session, db.session.query(Form).filter_by(code="CB-DT01").one(), "Rà soát",
                           date(2099, 1, 1), db.session.get(Unit, ids["H02"]), [ids["X021"]], by="h02")
        # A finished export of district H02's commune, asked for by that commune.
        from core.analytics.exports import jobs as export_jobs

        x021 = db.session.query(Account).filter_by(username="x021").one()
        form, period = x021_report.form, x021_report.period
        export_job = export_jobs.queue(db.session, x021, form, period, db.session.get(Unit, ids["X021"]), "csv")
        # An analysis scenario district H02 shares with its own units (R7): not H01's to see or run.
        scenario = AnalysisScenario(owner_unit_id=ids["H02"], name="Phân tích riêng của H02", shared=True,
                                    form_id=db.session.query(Form.id).filter_by(code="CB-DT01").scalar(),
                                    fields=["households"], group_by="unit", filters={})
        db.session.add(scenario)
        db.session.commit()
        other = {
            Report: x021_report.id,
            Request: db.session.query(Request.id).filter_by(from_unit_id=ids["H02"]).scalar(),
            Notification: db.session.query(Notification.id).filter_by(unit_id=ids["X021"]).limit(1).scalar(),
            Unit: ids["X021"],
            Account: db.session.query(Account.id).filter_by(username="x021").scalar(),
            UnitHolder: db.session.query(UnitHolder.id).filter_by(unit_id=ids["X021"]).scalar(),
            AnalysisScenario: scenario.id,
            AuditEntry: db.session.query(AuditEntry.id).filter_by(action="account.handover")
            .order_by(AuditEntry.seq).limit(1).scalar(),
            ExportJob: export_job.id,
        }
    return {"ids": ids, "one_time": one_time, "other": other}


def _signed_in(app, world, username):
    client = app.test_client()
    factories.first_login(client, username, world["one_time"][username])
    return client


def _model_of(app, endpoint: str):
    view_name = endpoint.split(".")[0]
    if view_name in PLAIN_APIS:
        return PLAIN_APIS[view_name]
    for view in app.appbuilder.baseviews:
        if type(view).__name__ == view_name:
            datamodel = getattr(view, "datamodel", None)
            return getattr(datamodel, "obj", None)
    return None


def _action_names(app, endpoint: str) -> list[str]:
    """Real action names only: FAB answers 500 to an unknown one, for everybody (a FAB bug)."""
    view_name = endpoint.split(".")[0]
    for view in app.appbuilder.baseviews:
        if type(view).__name__ == view_name:
            return sorted(getattr(view, "actions", {}))
    return []


def _id_routes(app):
    for rule in app.url_map.iter_rules():
        args = set(rule.arguments)
        id_args = args & ID_ARGS
        if len(id_args) == 1 and args - id_args <= {"name"}:
            yield rule, id_args.pop()


def _other_unit_markers(app, world) -> list[str]:
    with app.app_context():
        unit = db.session.get(Unit, world["ids"]["X021"])
        return [unit.name, "x021", "Cán bộ X021"]


def _state_of_others(app, world):
    with app.app_context():
        account = db.session.query(Account).filter_by(username="x021").one()
        unit = db.session.get(Unit, world["ids"]["X021"])
        from core.reporting.models import Report, ReportValue

        report = db.session.query(Report).filter_by(unit_id=unit.id).order_by(Report.id).first()
        return (account.password, account.locked_until, account.closed_at, account.active,
                unit.name, unit.parent_id, unit.active,
                db.session.query(UnitHolder).filter_by(unit_id=unit.id).count(),
                report.state, report.updated_at, db.session.query(ReportValue).filter_by(report_id=report.id).count())


@pytest.mark.parametrize("username", ["x011", "h01", "qtcs-h01", "lanhdao-h01"])
def test_nobody_reaches_another_districts_objects(app, world, username):
    client = _signed_in(app, world, username)
    markers = _other_unit_markers(app, world)
    before = _state_of_others(app, world)
    checked, unmapped = 0, []
    for rule, arg in _id_routes(app):
        model = _model_of(app, rule.endpoint)
        if model is None or rule.endpoint.startswith(("appbuilder", "static")):
            continue
        if model not in world["other"]:
            if getattr(model, "__scope__", None):  # unit data: must be in the matrix
                unmapped.append(f"{rule.endpoint} ({model.__name__})")
            continue
        urls = [rule.build({arg: world["other"][model], **({"name": name} if name else {})})[1]
                for name in (_action_names(app, rule.endpoint) if "name" in rule.arguments else [None])]
        for url, method in [(u, m) for u in urls for m in sorted(rule.methods & {"GET", "POST", "PUT", "DELETE"})]:
            resp = client.open(url, method=method, data={"reason": "thử", "full_name": "Kẻ lạ"})
            body = resp.get_data(as_text=True)
            # Screens refuse FAB's way too: a redirect with "access denied" (checked by no leak,
            # no change); the API must answer with a status.
            allowed = resp.status_code in DENIED or (resp.status_code == 302 and not url.startswith("/api/"))
            assert allowed, f"{username} {method} {url} answered {resp.status_code} {resp.headers.get('Location')}"
            assert not any(m in body for m in markers), f"{username} {method} {url} leaked another unit's data"
            checked += 1
    assert not unmapped, f"add an out-of-scope object of these models to the matrix: {unmapped}"
    assert checked >= 1
    assert _state_of_others(app, world) == before


@pytest.mark.parametrize("username, sees, hidden", [
    ("x011", {"X011"}, {"X012", "X021", "H01", "04"}),
    ("h01", {"H01", "X011", "X012"}, {"X021", "H02", "04", "SYT"}),
    ("lanhdao-h01", {"H01", "X011", "X012"}, {"X021", "H02", "04"}),
    ("04", {"04", "SYT", "H01", "H02", "X011", "X012", "X021"}, set()),
])
def test_lists_show_exactly_the_subtree(app, world, username, sees, hidden):
    client = _signed_in(app, world, username)
    listed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.arguments or "GET" not in rule.methods \
                or rule.rule.endswith("/_info"):
            continue
        model = _model_of(app, rule.endpoint)
        if model is not Unit:
            continue
        resp = client.get(rule.rule + "?q=(page_size:100)")
        assert resp.status_code == 200, rule.rule
        listed |= {row["code"] for row in resp.get_json()["result"]}
    assert sees <= listed and not (hidden & listed), (username, listed)


def test_a_unit_admin_manages_only_its_subtree(app, world):
    client = _signed_in(app, world, "qtcs-h01")
    with app.app_context():
        own = db.session.query(Account.id).filter_by(username="x011").scalar()
        other = world["other"][Account]
        admin_like = db.session.query(Account.id).filter_by(username="04").scalar()
    listed = client.get("/accounts/list/").get_data(as_text=True)
    assert "x011" in listed and "x021" not in listed and ">04<" not in listed
    assert client.get(f"/accounts/show/{own}").status_code == 200
    assert client.get(f"/accounts/show/{other}").status_code == 404
    assert client.get(f"/accounts/show/{admin_like}").status_code == 404
    with app.app_context():
        assert db.session.query(AuditEntry).filter(AuditEntry.object_id == str(other),
                                                   AuditEntry.actor == "qtcs-h01").count() == 0


def test_a_sector_department_sees_its_sectors_reports_across_units_and_nothing_else(app):
    """H3 (core/hierarchy/scope.py): a department of a sector reads the *approved* reports of its
    sector's forms in every unit; drafts, other forms, and a department of another sector see nothing."""
    from datetime import date

    from core.reporting import assignment, entry
    from core.contracts import FieldSpec, FormSpec, ScheduleSpec, SectionSpec
    from core.forms.definitions import sync_spec
    from core.reporting.models import Report
    from workflows import transition

    with app.app_context():
        ids = factories.province(rows=factories.PROVINCE + [factories.Row("SGD", "Sở Giáo dục", "department", "04")])
        db.session.get(Unit, ids["SYT"]).sector = "y_te"
        db.session.get(Unit, ids["SGD"]).sector = "giao_duc"
        sync_spec(db.session, FormSpec("YT01", "Biểu y tế xã", (SectionSpec("s", "Chung", (
            FieldSpec("tram_y_te", "Số trạm y tế", min=0),)),), sector="y_te",
            schedules=(ScheduleSpec("yearly", ("commune",)),)), source="board")
        assignment.assign(db.session, date(2026, 12, 5))  # YT01 and Cao Bằng's CB-DT01 for every commune
        db.session.commit()
        for code in ("X011", "H01", "04"):
            factories.issue(code)
        by_form = {code: [i for (i,) in db.session.query(Report.id).join(Report.form).filter_by(code=code)
                          .order_by(Report.id)] for code in ("YT01", "CB-DT01")}
        approved = db.session.query(Report).join(Unit, Unit.id == Report.unit_id).filter(
            Unit.code == "X011", Report.form.has(code="YT01")).one()
        assert entry.save(db.session, approved, {"tram_y_te": "1"}) == {}
        for action, username in (("submit", "x011"), ("approve", "h01"), ("approve", "04")):
            transition(db.session, approved, action, db.session.query(Account).filter_by(username=username).one())
            db.session.commit()
        approved = approved.id
        username, one_time = factories.issue("SYT")
        other_sector, other_one_time = factories.issue("SGD")
    client = app.test_client()
    factories.first_login(client, username, one_time)
    listed = client.get("/reports/list/?psize_ReportsView=100").get_data(as_text=True)
    shown = {int(i) for i in re.findall(r"/reports/show/(\d+)", listed)}
    assert shown == {approved}  # the approved one of its sector; no draft, none of the other form
    draft = next(i for i in by_form["YT01"] if i != approved)
    for pk in (by_form["CB-DT01"][0], draft):
        assert client.get(f"/reports/show/{pk}").status_code == 404
    assert client.get(f"/reports/show/{approved}").status_code == 200
    # H2: the department aggregates its sector across the province, and only its sector
    assert client.get("/api/v1/aggregate/?form=YT01&period=2026&unit=04").status_code == 200
    assert client.get("/api/v1/completeness/?form=YT01&period=2026&unit=04").get_json()["summary"][0]["expected"] == 3
    assert client.get("/api/v1/aggregate/?form=CB-DT01&period=2026&unit=04").status_code == 404
    # A department of another sector sees none of it.
    other = app.test_client()
    factories.first_login(other, other_sector, other_one_time)
    listed = other.get("/reports/list/?psize_ReportsView=100").get_data(as_text=True)
    assert not {int(i) for i in re.findall(r"/reports/show/(\d+)", listed)} & set(by_form["YT01"])
    assert other.get(f"/reports/show/{approved}").status_code == 404
    assert other.post(f"/api/v1/report/{approved}/verify", json={"result": "verified"}).status_code == 404
    assert other.get("/api/v1/aggregate/?form=YT01&period=2026&unit=04").status_code == 404


@pytest.mark.parametrize("username", ["x011", "lanhdao-h01"])
def test_the_pdf_of_another_districts_report_is_not_found(app, world, username):
    """W3: the PDF is found the way the report is (the matrix above tries these routes too)."""
    client = _signed_in(app, world, username)
    pk = world["other"][Report]
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert {"/api/v1/report/<int:pk>/pdf", "/reports/pdf/<int:pk>"} <= rules
    assert client.get(f"/api/v1/report/{pk}/pdf").status_code == 404
    assert client.get(f"/reports/pdf/{pk}").status_code == 404


@pytest.mark.parametrize("username", ["x011", "h01", "04", "qtcs-h01", "lanhdao-h01"])
def test_admin_only_screens_refuse_every_other_account(app, world, username):
    """Recording a report received outside the system (W7) is the system administrator's alone:
    no role lists its screen or API, and every other account is refused, even on its own reports."""
    from core.reporting.models import Report

    with app.app_context():
        for spec in roles.ROLES:
            if spec.name != roles.SYSTEM_ADMIN:
                granted = {pv.view_menu.name for pv in app.appbuilder.sm.find_role(spec.name).permissions}
                assert not granted & set(roles.ADMIN_ONLY), spec.name
        own = db.session.query(Report.id).filter_by(unit_id=world["ids"]["X011"]).scalar()
    client = _signed_in(app, world, username)
    before = _state_of_others(app, world)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in roles.ADMIN_ONLY:
            continue
        for pk in (own, world["other"][Report]):
            url = rule.build({arg: pk for arg in rule.arguments})[1]
            for method in sorted(rule.methods & {"GET", "POST"}):
                resp = client.open(url, method=method, data={"_note": "thử", "note": "thử"})
                allowed = resp.status_code in DENIED or (resp.status_code == 302 and not url.startswith("/api/"))
                assert allowed, f"{username} {method} {url} answered {resp.status_code}"
                checked += 1
    assert checked >= 4
    assert _state_of_others(app, world) == before
