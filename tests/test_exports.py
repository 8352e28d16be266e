"""Exports (R1): a form's approved values for a subtree as XLSX, CSV, DOCX and PDF, laid out like an
official form, with the roll-up's total; large ones as jobs whose file appears only when complete.

Cao Bằng's set-up and its helpers are test_rollup's: X011 and X012 (district H01) approved,
X021 (H02) still waiting at its district.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from core.platform.extensions import db
from core.accounts.models import Account
from core.analytics.models.export import ExportJob
from core.hierarchy.models import Unit
from tests.test_rollup import VALUES, _approve, _fill, _form_period, _headers, cb  # noqa: F401 (cb: fixture)


@pytest.fixture
def approved(cb):
    with cb.app_context():
        for code in ("X011", "X012", "X021"):
            _fill(code)
        _approve("X011", "H01")
        _approve("X012", "H01")
    return cb


def _get(client, app, username="04", unit="04", fmt="xlsx", **extra):
    form, period = _form_period(app)
    query = "&".join(f"{k}={v}" for k, v in {"form": form, "period": period, "unit": unit, "format": fmt,
                                               **extra}.items())
    return client.get(f"/api/v1/export/?{query}", headers=_headers(app, username))


def _aggregate(client, app, unit="04") -> dict:
    form, period = _form_period(app)
    return client.get(f"/api/v1/aggregate/?form={form}&period={period}&unit={unit}",
                      headers=_headers(app, "04")).get_json()["values"]


def _total(app) -> str:
    return _translated(app, "Grand total")  # "Tổng cộng"


def _header_col(rows, label: str) -> int:
    header = next(r for r in rows if r and r[0] == "STT")
    return next(i for i, text in enumerate(header) if text and text.startswith(label))


def test_the_xlsx_has_the_letterhead_each_approved_unit_and_the_total_of_the_aggregate(approved, client):
    from openpyxl import load_workbook

    resp = _get(client, approved)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    form, period = _form_period(approved)
    assert resp.headers["Content-Disposition"].endswith(f"{form}_{period}_04.xlsx")
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = [list(r) for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True)]
    text = " ".join(str(v) for r in rows for v in r if v is not None)
    for words in ("BAN DÂN TỘC TỈNH CAO BẰNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                  "Kỳ báo cáo", "Cao Bằng, ngày", _total(approved), "NGƯỜI LẬP BIỂU", "Xã Trường Hà", "Xã Lũng Nặm"):
        assert words in text, words
    assert "Xã Cô Ba" not in text  # not approved yet
    by_unit = {r[1]: r for r in rows if r and r[1] in ("X011", "X012")}
    households = _header_col(rows, "Tổng số hộ")
    assert (by_unit["X011"][households], by_unit["X012"][households]) == (100, 50)  # numbers, not text
    total = next(r for r in rows if _total(approved) in r)
    assert total[households] == _aggregate(client, approved)["households"] == 150


def test_the_csv_has_a_bom_and_the_same_numbers(approved, client):
    resp = _get(client, approved, fmt="csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    households = _header_col(rows, "Tổng số hộ")
    population = _header_col(rows, "Tổng số nhân khẩu")
    assert rows[0][:3] == ["STT", "Mã đơn vị", "Đơn vị"]
    assert [(r[1], r[2], r[households]) for r in rows[1:3]] == [("X011", "Xã Trường Hà", "100"),
                                                                ("X012", "Xã Lũng Nặm", "50")]
    values = _aggregate(client, approved)
    assert rows[-1][2] == _total(approved)
    assert (rows[-1][households], rows[-1][population]) == (str(values["households"]), str(values["population"]))


def _word_template() -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph("Đơn vị: {{ unit.name }} – Số: {{ number }}")
    table = doc.add_table(rows=4, cols=3)
    for r, texts in enumerate([["{%tr for r in rows %}", "", ""],
                               ["{{ r.code }}", "{{ r.name }}", "{{ r.fields.households }}"],
                               ["{%tr endfor %}", "", ""],
                               ["", "{{ totals.name }}", "{{ totals.fields.households }}"]]):
        for c, text in enumerate(texts):
            table.cell(r, c).text = text
    doc.add_paragraph("{{ dateline }}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _docx_text(data: bytes) -> tuple[str, list[list[str]]]:
    from docx import Document

    doc = Document(io.BytesIO(data))
    rows = [[cell.text for cell in row.cells] for table in doc.tables for row in table.rows]
    return "\n".join(p.text for p in doc.paragraphs), rows


def test_the_docx_is_rendered_from_the_template_the_board_uploaded(approved, client, admin):
    from tests.conftest import login

    form, _period = _form_period(approved)
    login(client, admin["username"], admin["password"])
    resp = client.post("/exports/templates", data={"form": form, "name": "Mẫu Đồng Nai",
                                                   "file": (io.BytesIO(_word_template()), "mau.docx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    with approved.app_context():
        from core.analytics.models.export import ExportTemplate

        row = db.session.query(ExportTemplate).one()
        assert (Path(approved.instance_path) / "export_templates" / f"{row.sha256}.docx").exists()
    client.post("/logout/")

    resp = _get(client, approved, fmt="docx")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    text, rows = _docx_text(resp.data)
    assert "Đơn vị: Ban Dân tộc tỉnh Cao Bằng" in text and "Cao Bằng, ngày" in text
    assert rows == [["X011", "Xã Trường Hà", "100"], ["X012", "Xã Lũng Nặm", "50"], ["", _total(approved), "150"]]


def test_a_broken_word_template_is_refused(approved, client, admin):
    from tests.conftest import login

    login(client, admin["username"], admin["password"])
    resp = client.post("/exports/templates", data={"file": (io.BytesIO(b"not a word file"), "x.docx")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "không phải tài liệu Word" in resp.get_data(as_text=True) or "docx" in resp.get_data(as_text=True)
    with approved.app_context():
        from core.analytics.models.export import ExportTemplate

        assert db.session.query(ExportTemplate).count() == 0


def test_without_an_uploaded_template_the_default_docx_has_every_column(approved, client):
    resp = _get(client, approved, fmt="docx")
    assert resp.status_code == 200
    text, rows = _docx_text(resp.data)
    assert "BAN DÂN TỘC TỈNH CAO BẰNG" in " ".join(c for r in rows for c in r)
    header = next(r for r in rows if r[0] == "STT")
    assert any(h.startswith("Tổng số hộ") for h in header)
    assert ["1", "Xã Trường Hà"] == rows[rows.index(header) + 1][:2]
    assert rows[rows.index(header) + 3][1] == _total(approved)


class _DongNaiLetterhead:
    """Đồng Nai's export_template answer, alone (its other hooks would replace Cao Bằng's hierarchy)."""

    from core import hookimpl

    @hookimpl
    def export_template(self, form):
        from plugins import dong_nai

        return dong_nai.export_template(form)


def test_a_province_plugin_ships_its_word_template_and_a_board_upload_for_the_form_wins(approved, client):
    approved.extensions["baocao.plugins"].pm.register(_DongNaiLetterhead(), name="dn-letterhead")
    text, rows = _docx_text(_get(client, approved, fmt="docx").data)
    head = " ".join(c for r in rows for c in r)
    assert "UBND TỈNH ĐỒNG NAI" in head and "BAN DÂN TỘC TỈNH CAO BẰNG" in head
    with approved.app_context():
        from core.analytics.exports import templates
        from core.forms.models.form import Form

        form = db.session.query(Form).filter_by(code=_form_period(approved)[0]).one()
        templates.store(db.session, form, _word_template(), "mau_rieng.docx", "admin")
        db.session.commit()
    text, rows = _docx_text(_get(client, approved, fmt="docx").data)
    assert "UBND TỈNH ĐỒNG NAI" not in text + " ".join(c for r in rows for c in r)


def test_the_pdf_names_the_units_with_diacritics_and_the_total(approved, client):
    from pypdf import PdfReader

    resp = _get(client, approved, fmt="pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(resp.data)).pages)
    for words in ("Xã Trường Hà", "Xã Lũng Nặm", _total(approved), "Kỳ báo cáo", "Thủ trưởng đơn vị".upper()):
        assert words in text, words
    assert f"{_total(approved)} 150 650 400 40" in text  # the roll-up's totals; empty columns left out


def test_an_out_of_scope_unit_is_not_found_and_a_bad_format_is_named(approved, client):
    assert _get(client, approved, username="x011", unit="X012").status_code == 404
    assert _get(client, approved, username="x011", unit="04").status_code == 404
    bad = _get(client, approved, fmt="odt")
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"format"}
    both = _get(client, approved, fmt="odt", form="NOPE")
    assert both.status_code == 422 and {"format", "form"} <= set(both.get_json()["errors"])
    assert _get(client, approved, username="x011", unit="X011", fmt="csv").status_code == 200


def _translated(app, msgid: str, **params) -> str:
    """What the Vietnamese user reads (the catalogue gets new messages at merge time)."""
    from flask_babel import gettext

    with app.test_request_context():
        return gettext(msgid, **params)


def _queue(client, app, username="04", unit="04", fmt="xlsx"):
    form, period = _form_period(app)
    return client.post(f"/api/v1/export/jobs?form={form}&period={period}&unit={unit}&format={fmt}",
                       headers=_headers(app, username))


def _run_queued(app):
    import os

    if os.environ.get("REDIS_URL"):
        from core.platform.worker import AppSimpleWorker, make_worker

        make_worker(app, AppSimpleWorker).work(burst=True)


def _export_files(app) -> list[Path]:
    root = Path(app.instance_path) / "exports"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_job_reports_progress_and_its_file_appears_only_when_done(approved, client, monkeypatch):
    from core.analytics.exports import jobs

    approved.config["EXPORT_CHUNK_ROWS"] = 1
    seen = []
    real = jobs._progress

    def spying(job_id):
        report = real(job_id)

        def wrapped(done, total):
            report(done, total)
            job = db.session.get(ExportJob, job_id)
            seen.append((job.status, job.progress, job.rows_done, job.rows_total, [p.name for p in _export_files(approved)
                                                                           if not p.name.startswith(".")]))
        return wrapped

    monkeypatch.setattr(jobs, "_progress", spying)
    resp = _queue(client, approved)
    assert resp.status_code == 202, resp.get_json()
    job_id = resp.get_json()["id"]
    _run_queued(approved)
    headers = _headers(approved, "04")
    body = client.get(f"/api/v1/export/jobs/{job_id}", headers=headers).get_json()
    assert (body["status"], body["progress"], body["rows_done"], body["rows_total"]) == ("done", 100, 2, 2)
    assert seen == [("running", 50, 1, 2, []), ("running", 99, 2, 2, [])]  # no file while it was running
    form, period = _form_period(approved)
    assert [p.name for p in _export_files(approved)] == [f"{form}_{period}_04.xlsx"]
    download = client.get(body["download_url"], headers=headers)
    assert download.status_code == 200 and download.data.startswith(b"PK")
    # Another account does not see it, even one whose scope covers the unit.
    assert client.get(f"/api/v1/export/jobs/{job_id}", headers=_headers(approved, "x011")).status_code == 404


def test_a_job_that_fails_midway_publishes_nothing_and_says_why(approved, client, monkeypatch):
    from core.analytics.exports import document

    approved.config["EXPORT_CHUNK_ROWS"] = 1
    real = document.chunks

    def failing(rows, size, progress):
        for i, chunk in enumerate(real(rows, size, progress)):
            if i == 1:
                raise OSError("disk full")
            yield chunk

    monkeypatch.setattr(document, "chunks", failing)
    resp = _queue(client, approved, fmt="csv")
    assert resp.status_code == 202
    _run_queued(approved)
    body = client.get(f"/api/v1/export/jobs/{resp.get_json()['id']}", headers=_headers(approved, "04")).get_json()
    assert body["status"] == "failed" and "download_url" not in body
    assert body["error"] == _translated(approved, "The export could not be completed (%(error)s). It is tried again "
                                        "automatically; if it keeps failing, tell the system administrator.",
                                        error="OSError")
    assert _export_files(approved) == []  # neither the file nor a partial one
    assert client.get(f"/api/v1/export/jobs/{body['id']}/file", headers=_headers(approved, "04")).status_code == 404


def test_the_export_screen_queues_a_job_and_lists_mine_with_a_download_link(approved, client):
    from tests import factories

    with approved.app_context():
        account = db.session.query(Account).filter_by(username="h01").one()
        from core.accounts import lifecycle as accounts

        password = accounts.reset(db.session, account)
        db.session.commit()
    factories.first_login(client, "h01", password)
    page = client.get("/exports/").get_data(as_text=True)
    assert _translated(approved, "Export reports") in page and 'value="H01"' in page
    form, period = _form_period(approved)
    resp = client.post("/exports/queue", data={"form": form, "period": period, "unit": "", "format": "csv"})
    assert resp.status_code == 302
    _run_queued(approved)
    page = client.get("/exports/").get_data(as_text=True)
    assert "Hoàn tất" in page and "/exports/file/" in page and "Huyện Hà Quảng" in page
    with approved.app_context():
        job = db.session.query(ExportJob).one()
        assert (job.unit_id, job.status) == (db.session.query(Unit.id).filter_by(code="H01").scalar(), "done")
    data = client.get(f"/exports/file/{job.id}").data
    assert "Xã Trường Hà" in data.decode("utf-8-sig") and "Xã Cô Ba" not in data.decode("utf-8-sig")
    assert client.post("/exports/queue", data={"form": form, "period": period, "unit": "H02",
                                               "format": "csv"}).status_code == 302
    with approved.app_context():
        assert db.session.query(ExportJob).count() == 1  # H02 is outside h01's scope: nothing queued
    assert 'id="template-form"' not in client.get("/exports/").get_data(as_text=True)  # uploads: admin only


def test_the_openapi_spec_documents_the_export_endpoints(client, admin):
    from tests.conftest import api_token

    token = api_token(client, "admin", admin["password"])
    spec = client.get("/api/v1/_openapi", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert "paths" in spec, spec
    paths = spec["paths"]
    assert {"/api/v1/export/", "/api/v1/export/jobs", "/api/v1/export/jobs/{pk}",
            "/api/v1/export/jobs/{pk}/file"} <= set(paths)
    params = {p["name"] for p in paths["/api/v1/export/"]["get"]["parameters"]}
    assert params == {"form", "period", "unit", "format", "verified", "tree"}  # verified=1: H3; tree: issue 19
