"""Data exchange (R3, R4, R6, R9): DHIS2 data value sets, ADX and CSV out and in, code mappings,
the outbox to the national system and intake sources — on Cao Bằng's tree (board, districts, communes).

Real HTTP: a local ``http.server`` plays the national system and the provider. Jobs run inline
without ``REDIS_URL``; with it they wait until a burst worker runs them, as ``baocao worker`` would.
"""
from __future__ import annotations

import io
import json
import os
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from core.platform import clock
from core.reporting import entry
from core.exchange.codecs import codec
from core.exchange import intake, mapping, outbox
from core.platform.extensions import db
from core.accounts.models import Account
from core.platform.models.audit import AuditEntry
from core.exchange.models import IntakeSource, OutboxMessage
from core.reporting.models import Report, ReportValue, ValueChange
from core.hierarchy.models import Unit
from tests.test_rollup import _act, _approve, _fill, _form_period, _headers, _report, cb  # noqa: F401
from workflows import transition

DISTRICT = {"X011": "H01", "X012": "H01", "X021": "H02"}
URL = "/api/v1/exchange/datavaluesets"


def _run_jobs(app):
    if os.environ.get("REDIS_URL"):
        from core.platform.worker import AppSimpleWorker, make_worker

        make_worker(app, AppSimpleWorker).work(burst=True)


def _admin_headers(app, admin) -> dict:
    with app.app_context():
        db.session.query(Account).filter_by(username="admin").update({"must_change_password": False})
        db.session.commit()
    return _headers(app, "admin")


def _all_approved():
    for code, district in DISTRICT.items():
        _fill(code)
        _approve(code, district)


def _reopen_and_clear(code: str):
    """The commune asks to correct its approved report, the board reopens it, the commune clears it."""
    account = db.session.query(Account).filter_by(username=code.lower()).one()
    transition(db.session, _report(code), "request_correction", account, comment="Nhập lại từ tệp")
    db.session.commit()
    transition(db.session, _report(code), "reopen", db.session.query(Account).filter_by(username="04").one())
    db.session.commit()
    report = _report(code)
    cleared = {entry.input_name(field, cell): None for field, cell in entry.values_of(db.session, report)}
    assert entry.save(db.session, report, cleared) == {}
    db.session.commit()
    assert entry.values_of(db.session, report) == {}


def _resubmit_and_approve(code: str):
    _act(code, "submit", code.lower())
    _approve(code, DISTRICT[code])


def _export(client, app, fmt="json", system=None):
    form, period = _form_period(app)
    query = f"?form={form}&period={period}&unit=04&format={fmt}" + (f"&system={system}" if system else "")
    resp = client.get(URL + query, headers=_headers(app, "04"))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp


def test_a_dhis2_data_value_set_round_trips_unchanged(cb, client, admin):
    with cb.app_context():
        _all_approved()
    first = _export(client, cb)
    doc = first.get_json()
    form, period = _form_period(cb)
    assert (doc["dataSet"], doc["period"], doc["orgUnit"]) == (form, period, "04")
    assert len(doc["dataValues"]) == 10  # X011: three fields and one cell; X012, X021: three fields
    assert {"dataElement": "households", "period": period, "orgUnit": "X011", "categoryOptionCombo": "default",
            "value": "100"} in doc["dataValues"]
    assert any(v["categoryOptionCombo"] == "01|male" and v["value"] == "400" for v in doc["dataValues"])

    with cb.app_context():
        for code in DISTRICT:
            _reopen_and_clear(code)
    resp = client.post(URL, data=first.get_data(), content_type="application/json",
                       headers=_admin_headers(cb, admin))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"rows": 10, "reports": 3, "changed": 10}
    with cb.app_context():
        for code in DISTRICT:
            _resubmit_and_approve(code)
    assert _export(client, cb).get_data() == first.get_data()


@pytest.mark.parametrize("fmt", ["adx", "csv"])
def test_adx_and_csv_round_trip(cb, client, admin, fmt):
    with cb.app_context():
        _all_approved()
    first = _export(client, cb, fmt)
    text = first.get_data(as_text=True)
    if fmt == "adx":
        assert 'xmlns="urn:ihe:qrph:adx:2015"' in text and 'period="2026-01-01/P1Y"' in text
        assert 'ethnic_group="01"' in text and 'sex="male"' in text
    else:
        assert text.splitlines()[0].startswith("dataelement,period,orgunit,categoryoptioncombo")
    with cb.app_context():
        for code in DISTRICT:
            _reopen_and_clear(code)
    form, _period = _form_period(cb)
    resp = client.post(f"{URL}?format={fmt}&form={form}", data=first.get_data(), headers=_admin_headers(cb, admin),
                       content_type={"adx": "application/adx+xml", "csv": "text/csv"}[fmt])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["changed"] == 10
    with cb.app_context():
        for code in DISTRICT:
            _resubmit_and_approve(code)
    again = _export(client, cb, fmt).get_data()
    assert codec(fmt).loads(again).values == codec(fmt).loads(first.get_data()).values


def test_mapping_tables_translate_unit_field_period_and_cell_codes_both_ways(cb, client, admin):
    with cb.app_context():
        _all_approved()
        cell = entry.cells_of(_report("X011").version.definition,
                              entry.fields_of(_report("X011").version.definition)["population_by_ethnicity"])[0]
        for kind, local, external in (("unit", "X011", "OU_TRUONG_HA"), ("unit", "04", "OU_CAO_BANG"),
                                      ("field", "households", "DE_SO_HO"), ("period", "2026", "2026_CB"),
                                      ("form", "CB-DT01", "DS_DAN_TOC"), ("cell", cell, "COC_KINH_NAM"),
                                      ("cell", "", "HllvX50cXC0")):
            mapping.add(db.session, "national", kind, local or "default", external)
        db.session.commit()
        before = entry.values_of(db.session, _report("X011"))
    doc = _export(client, cb, system="national").get_json()
    assert (doc["dataSet"], doc["period"], doc["orgUnit"]) == ("DS_DAN_TOC", "2026_CB", "OU_CAO_BANG")
    assert {"dataElement": "DE_SO_HO", "period": "2026_CB", "orgUnit": "OU_TRUONG_HA",
            "categoryOptionCombo": "HllvX50cXC0", "value": "100"} in doc["dataValues"]
    assert {"dataElement": "population_by_ethnicity", "period": "2026_CB", "orgUnit": "OU_TRUONG_HA",
            "categoryOptionCombo": "COC_KINH_NAM", "value": "400"} in doc["dataValues"]
    assert any(v["orgUnit"] == "X012" for v in doc["dataValues"])  # no row: the code as it is

    with cb.app_context():
        _reopen_and_clear("X011")
    only_x011 = dict(doc, dataValues=[v for v in doc["dataValues"] if v["orgUnit"] == "OU_TRUONG_HA"])
    resp = client.post(f"{URL}?system=national", json=only_x011, headers=_admin_headers(cb, admin))
    assert resp.status_code == 200, resp.get_json()
    with cb.app_context():
        assert entry.values_of(db.session, _report("X011")) == before


def test_an_import_with_three_bad_rows_lists_them_all_and_writes_nothing(cb, client, admin):
    form, period = _form_period(cb)

    def value(unit, element, text):
        return {"dataElement": element, "period": period, "orgUnit": unit, "categoryOptionCombo": "default",
                "value": text}

    doc = {"dataSet": form, "period": period, "orgUnit": "04", "dataValues": [
        value("X011", "households", "100"),
        value("X999", "households", "5"),          # 2: no such unit
        value("X011", "population", "400"),
        value("X012", "so_ho_khau", "7"),          # 4: no such field
        value("X012", "households", "50"),
        value("X021", "households", "bảy"),        # 6: not a number
        value("X021", "population", "20"),
    ]}
    with cb.app_context():
        changes_before = db.session.query(ValueChange).count()
    resp = client.post(URL, json=doc, headers=_admin_headers(cb, admin))
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "orgUnit"), (4, "dataElement"), (6, "value")]
    assert all(e["message"] for e in errors)
    with cb.app_context():
        assert db.session.query(ReportValue).count() == 0
        assert db.session.query(ValueChange).count() == changes_before


def test_an_import_refuses_reports_that_are_not_drafts_and_is_for_admins_only(cb, client, admin):
    with cb.app_context():
        _fill("X011")  # submitted
    form, period = _form_period(cb)
    doc = {"dataSet": form, "period": period, "dataValues": [
        {"dataElement": "households", "orgUnit": "X011", "value": "99"}]}
    resp = client.post(URL, json=doc, headers=_admin_headers(cb, admin))
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["row"] == 1
    assert client.post(URL, json=doc, headers=_headers(cb, "04")).status_code in (401, 403)
    out_of_scope = client.get(f"{URL}?form={form}&period={period}&unit=X012", headers=_headers(cb, "x011"))
    assert out_of_scope.status_code == 404


# --- HTTP peers -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Peer(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        self.server.received.append((self.headers.get("Content-Type"), self.headers.get("Authorization"),
                                     self.rfile.read(int(self.headers["Content-Length"]))))
        self._answer(b'{"status": "OK"}')

    def do_GET(self):  # noqa: N802
        self._answer(self.server.body)

    def _answer(self, body: bytes):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_peer():
    """``start(port=None, body=b"") -> server``: a local HTTP server; ``server.received`` holds the POSTs."""
    servers = []

    def start(port: int | None = None, body: bytes = b""):
        server = HTTPServer(("127.0.0.1", port or _free_port()), _Peer)
        server.received, server.body = [], body
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _board_report_approved(app):
    """The board's own CB-DT01 of 2026: filled, submitted by the board, approved by the admin."""
    with app.app_context():
        commune = _report("X011")
        board = db.session.query(Unit).filter_by(code="04").one()
        report = Report(form_id=commune.form_id, form_version_id=commune.form_version_id,
                        period_id=commune.period_id, unit_id=board.id, state="draft", level=board.level,
                        deadline=commune.deadline)
        db.session.add(report)
        db.session.commit()
        assert entry.save(db.session, report, {"households": "157", "population": "670",
                                               "poor_households": "41"}) == {}
        db.session.commit()
        transition(db.session, report, "submit", db.session.query(Account).filter_by(username="04").one())
        db.session.commit()
        db.session.query(Account).filter_by(username="admin").update({"must_change_password": False})
        transition(db.session, report, "approve", db.session.query(Account).filter_by(username="admin").one())
        db.session.commit()
        return report.id


def test_the_outbox_keeps_the_boards_report_while_the_national_system_is_down(make_app, http_peer):
    port = _free_port()  # nothing listens there yet: the national system is down
    app = make_app(NATIONAL_ENDPOINT=f"http://127.0.0.1:{port}/api/dataValueSets", NATIONAL_TOKEN="bi-mat")
    with app.app_context():
        from tests import factories

        factories.cao_bang_reports()
        db.session.query(Account).update({"must_change_password": False})
        db.session.commit()
        sm = app.appbuilder.sm
        sm.add_user("admin", "Quản trị", "hệ thống", "admin@example.vn", sm.find_role(sm.auth_role_admin),
                    password="Qu@nTri-2026!")
    report_id = _board_report_approved(app)
    _run_jobs(app)  # down: connection refused

    with app.app_context():
        message = db.session.query(OutboxMessage).one()
        assert (message.status, message.attempts, message.report_id) == ("pending", 1, report_id)
        assert "refused" in message.last_error.lower() or "errno" in message.last_error.lower()
        payload = json.loads(message.payload)
        assert payload["orgUnit"] == "04" and payload["completeDate"]
        assert {v["dataElement"]: v["value"] for v in payload["dataValues"]} == {
            "households": "157", "population": "670", "poor_households": "41"}

    server = http_peer(port)  # the national system is back
    with app.app_context():
        later = (clock.utcnow() + timedelta(hours=2)).isoformat()
        assert outbox.deliver(now=later) == 1
        assert outbox.deliver(now=later) == 0  # delivered once
        message = db.session.query(OutboxMessage).one()
        assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)
        report = db.session.get(Report, report_id)
        assert server.received == [("application/json; charset=utf-8", "Bearer bi-mat",
                                    outbox.national_payload(db.session, report).encode())]
        assert db.session.query(AuditEntry).filter_by(action="exchange.outbox.sent").count() == 1


def test_a_communes_approval_sends_nothing_and_without_an_endpoint_nothing_is_queued(cb, admin):
    with cb.app_context():
        _fill("X011")
        _approve("X011", "H01")
        assert db.session.query(OutboxMessage).count() == 0


def test_intake_pulls_a_configured_source_into_draft_reports(cb, http_peer):
    form, period = _form_period(cb)
    good = {"dataSet": form, "period": period, "dataValues": [
        {"dataElement": "households", "orgUnit": "X011", "value": "100"},
        {"dataElement": "population", "orgUnit": "X011", "value": "400"},
        {"dataElement": "households", "orgUnit": "X012", "value": "50"}]}
    server = http_peer(body=json.dumps(good).encode())
    with cb.app_context():
        source = IntakeSource(name="Cục Thống kê", url=f"http://127.0.0.1:{server.server_port}/dvs.json",
                              format="json", schedule="0 2 * * *", enabled=True)
        db.session.add(source)
        db.session.commit()
        source_id = source.id
        assert intake.run_due("2026-11-21T02:01:00") == []
        assert intake.run_due("2026-11-21T02:00:00") == ["Cục Thống kê"]
    _run_jobs(cb)
    with cb.app_context():
        source = db.session.get(IntakeSource, source_id)
        assert (source.last_status, source.last_error) == ("ok", None)
        assert entry.values_of(db.session, _report("X011")) == {("households", ""): 100, ("population", ""): 400}
        assert entry.values_of(db.session, _report("X012")) == {("households", ""): 50}
        assert {c.actor for c in db.session.query(ValueChange)} == {"intake:Cục Thống kê"}
        assert db.session.query(AuditEntry).filter_by(action="exchange.intake").count() == 1

    server.body = json.dumps(dict(good, dataValues=[{"dataElement": "households", "orgUnit": "X011",
                                                     "value": "-1"}])).encode()
    with cb.app_context():
        assert intake.pull(source_id)["status"] == "rejected"
        source = db.session.get(IntakeSource, source_id)
        assert source.last_status == "rejected" and '"row": 1' in source.last_error
        assert entry.values_of(db.session, _report("X011"))[("households", "")] == 100  # unchanged


def test_the_admin_configures_an_intake_source_on_screen_and_a_csv_file_can_be_uploaded(cb, client, admin):
    from tests.conftest import login

    screen = cb.test_client()
    assert login(screen, "admin", admin["password"]).status_code == 302
    source = {"name": "Sở Lao động", "url": "http://127.0.0.1:9/ho-ngheo.csv", "format": "csv", "system": "",
              "form_code": "CB-DT01", "schedule": "mỗi đêm", "enabled": "y"}
    refused = screen.post("/exchange/intake/add", data=source)
    assert refused.status_code == 200
    with cb.app_context():
        assert db.session.query(IntakeSource).count() == 0
    assert screen.post("/exchange/intake/add", data=dict(source, schedule="0 2 * * *",
                                                         url="file:///etc/passwd")).status_code == 200
    assert screen.post("/exchange/intake/add", data=dict(source, schedule="0 2 * * *")).status_code == 302
    with cb.app_context():
        assert db.session.query(IntakeSource).one().format == "csv"
    assert _a_commune_is_refused(cb, "/exchange/intake/list/")

    form, period = _form_period(cb)
    csv_file = f"dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n" \
               f"households,{period},X011,,,100\npopulation,{period},X011,,,400\n".encode()


    resp = client.post(f"{URL}?form={form}", data={"file": (io.BytesIO(csv_file), "ho.csv")},
                       content_type="multipart/form-data", headers=_admin_headers(cb, admin))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"rows": 2, "reports": 1, "changed": 2}


def _a_commune_is_refused(app, url) -> bool:
    """A commune's account does not reach an admin screen."""
    from tests import factories

    with app.app_context():
        db.session.query(Account).filter_by(username="x011").update({"must_change_password": True})
        _, password = factories.issue("X011")
    client = app.test_client()
    factories.first_login(client, "x011", password)
    return client.get(url).status_code in (302, 403, 404)


@pytest.mark.parametrize("code, adx_period", [
    ("2026", "2026-01-01/P1Y"), ("202603", "2026-03-01/P1M"), ("2026Q3", "2026-07-01/P3M"),
    ("2026S2", "2026-07-01/P6M"), ("2026N9", "2026-01-01/P9M"), ("2021-2025", "2021-01-01/P5Y"),
    ("DX_2026_01", "DX_2026_01"),
])
def test_adx_periods_are_iso_start_and_duration_both_ways(code, adx_period):
    from core.exchange.adx import period_from_adx, period_to_adx

    assert period_to_adx(code) == adx_period
    assert period_from_adx(adx_period) == code


def test_adx_input_is_parsed_without_entity_expansion():
    from core.exchange.datavalues import FormatError
    from core.exchange.adx import loads

    bomb = b'<?xml version="1.0"?><!DOCTYPE adx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' \
           b'<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="X011" period="2026-01-01/P1Y" dataSet="D">' \
           b'<dataValue dataElement="notes" value="&b;"/></group></adx>'
    with pytest.raises(FormatError):
        loads(bomb)
