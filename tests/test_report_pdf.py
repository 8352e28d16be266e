"""W3, second half: a report as a PDF, in Vietnamese, signed with its unit's certificate when one is configured."""
from __future__ import annotations

import io
import logging

import pytest

from core.reporting import attachments
from core.platform.extensions import db
from core.reporting.models import Report
from tests import factories
from tests.conftest import api_token

PASSPHRASE = "Mật-khẩu-chứng-thư-2026"
VALUES = {"households": 1234, "population": 5000, "poor_households": 20, "notes": "Đã rà soát đủ các thôn bản",
          "population_by_ethnicity": {"07|female": 2500, "07|male": 2500}}


@pytest.fixture(scope="module")
def unit_p12(tmp_path_factory):
    """A test CA and a PKCS#12 of the commune Xã Trường Hà, under a passphrase."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    from tests.pki import make_pki

    folder = tmp_path_factory.mktemp("pki")
    pki = make_pki(folder, signer="Xã Trường Hà")
    key = serialization.load_der_private_key(pki["key"], password=None)
    cert, ca = x509.load_der_x509_certificate(pki["cert"]), x509.load_der_x509_certificate(pki["ca"])
    (folder / "X011.p12").write_bytes(pkcs12.serialize_key_and_certificates(
        b"x011", key, cert, [ca], serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    return {"p12": str(folder / "X011.p12"), "root_pem": pki["root_pem"]}


def _cb(app) -> tuple[dict, dict]:
    """Cao Bằng, unit accounts, CB-DT01 for every commune, and X011's values saved."""
    from core.reporting import entry

    with app.app_context():
        one_time, ids = factories.cao_bang_reports()
        assert entry.save(db.session, db.session.get(Report, ids["X011"]), VALUES) == {}
        db.session.commit()
    return one_time, ids


def _bearer(client, username: str, one_time: str) -> dict:
    first = {"Authorization": f"Bearer {api_token(client, username, one_time)}"}
    resp = client.post("/api/v1/me/password", headers=first,
                       json={"old_password": one_time, "new_password": factories.NEW_PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    return {"Authorization": f"Bearer {api_token(client, username, factories.NEW_PASSWORD)}"}


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())  # a line wrapped in a table cell reads as one


def _signed_app(make_app, unit_p12, passphrase=PASSPHRASE, path=None):
    return make_app(UNIT_CERTIFICATES={"X011": {"path": path or unit_p12["p12"], "passphrase": passphrase}},
                    SIGNATURE_TRUST_ROOTS=[unit_p12["root_pem"]])


def test_the_pdf_shows_the_report_in_vietnamese_and_is_unsigned_without_a_certificate(app, client):
    one_time, ids = _cb(app)
    headers = _bearer(client, "x011", one_time["x011"])
    sent = client.post(f"/api/v1/report/{ids['X011']}/transition", headers=headers,
                       json={"action": "submit", "comment": "Gửi báo cáo năm, đã rà soát"})
    assert sent.status_code == 200, sent.get_json()
    resp = client.get(f"/api/v1/report/{ids['X011']}/pdf", headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF-")
    with app.app_context():
        period = db.session.get(Report, ids["X011"]).period.code
    assert f'filename={"CB-DT01"}_{period}_X011.pdf' in resp.headers["Content-Disposition"]
    text = _text(resp.data)
    for shown in ("Xã Trường Hà", "BIỂU DT01: HỘ, NHÂN KHẨU, HỘ NGHÈO THEO DÂN TỘC", "Tổng số hộ", "1.234",
                  "Đã rà soát đủ các thôn bản", "Nhân khẩu chia theo dân tộc và giới tính", "Nùng", "2.500",
                  "Cao Bằng, ", "Gửi báo cáo năm, đã rà soát"):
        assert shown in text, shown
    assert "Xơ Đăng" not in text  # a grid row without any value is left out
    assert not attachments.has_signature_marker(resp.data)


def test_with_the_units_certificate_the_pdf_is_signed_by_the_unit_and_intact(make_app, unit_p12):
    app = _signed_app(make_app, unit_p12)
    client = app.test_client()
    one_time, ids = _cb(app)
    resp = client.get(f"/api/v1/report/{ids['X011']}/pdf", headers=_bearer(client, "x011", one_time["x011"]))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    with app.app_context():
        checks = attachments.verify_pdf(resp.data)
    assert len(checks) == 1
    assert checks[0].signer == "Xã Trường Hà"
    assert checks[0].intact and checks[0].valid and checks[0].trusted and checks[0].covers_whole_document
    assert checks[0].problem is None
    assert "Xã Trường Hà" in _text(resp.data)


def test_a_relative_certificate_path_is_read_from_the_instance_folder(make_app, unit_p12, tmp_path):
    import shutil

    folder = tmp_path / "instance" / "certificates"
    folder.mkdir(parents=True)
    shutil.copy(unit_p12["p12"], folder / "X011.p12")
    app = _signed_app(make_app, unit_p12, path="certificates/X011.p12")
    client = app.test_client()
    one_time, ids = _cb(app)
    resp = client.get(f"/api/v1/report/{ids['X011']}/pdf", headers=_bearer(client, "x011", one_time["x011"]))
    assert resp.status_code == 200
    with app.app_context():
        assert attachments.verify_pdf(resp.data)[0].signer == "Xã Trường Hà"


def test_a_wrong_passphrase_or_a_missing_file_is_a_clear_error_that_never_shows_the_passphrase(
        make_app, unit_p12, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "sai-mat-khau-bi-mat"
    app = _signed_app(make_app, unit_p12, passphrase=wrong)
    client = app.test_client()
    one_time, ids = _cb(app)
    headers = _bearer(client, "x011", one_time["x011"])
    resp = client.get(f"/api/v1/report/{ids['X011']}/pdf", headers=headers)
    assert resp.status_code == 422
    body = resp.get_json()
    assert "X011" in body["message"] and body["errors"]["certificate"] == [body["message"]]
    assert wrong not in caplog.text and wrong not in resp.get_data(as_text=True)

    missing = _signed_app(make_app, unit_p12, path="/nowhere/X011.p12").test_client()
    resp = missing.get(f"/api/v1/report/{ids['X011']}/pdf", headers=headers)
    assert resp.status_code == 422 and "X011" in resp.get_json()["message"]
    assert PASSPHRASE not in caplog.text

    # On screen: back to the entry page with the reason, not an error page.
    factories.first_login(client, "x012", one_time["x012"])
    assert client.get(f"/reports/pdf/{ids['X012']}").status_code == 200  # X012 has no certificate: unsigned
    screen = app.test_client()
    screen.post("/login/", data={"username": "x011", "password": factories.NEW_PASSWORD})
    resp = screen.get(f"/reports/pdf/{ids['X011']}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/reports/{ids['X011']}/entry")
    page = screen.get(resp.headers["Location"]).get_data(as_text=True)
    assert "X011" in page and "alert-danger" in page and wrong not in page


def test_the_entry_page_links_to_the_same_pdf(app, client):
    one_time, ids = _cb(app)
    factories.first_login(client, "h01", one_time["h01"])  # the district reads its commune's report
    page = client.get(f"/reports/{ids['X011']}/entry").get_data(as_text=True)
    assert f'href="/reports/pdf/{ids["X011"]}"' in page
    resp = client.get(f"/reports/pdf/{ids['X011']}")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "_X011.pdf" in resp.headers["Content-Disposition"]
    assert "1.234" in _text(resp.data)


def test_a_report_out_of_scope_is_not_found(app, client):
    one_time, ids = _cb(app)
    headers = _bearer(client, "x011", one_time["x011"])
    assert client.get(f"/api/v1/report/{ids['X021']}/pdf", headers=headers).status_code == 404
    assert client.get("/api/v1/report/999999/pdf", headers=headers).status_code == 404
    screen = app.test_client()
    factories.first_login(screen, "x012", one_time["x012"])
    assert screen.get(f"/reports/pdf/{ids['X011']}").status_code == 404


def test_the_dateline_names_the_configured_place_and_pads_days_and_early_months(make_app):
    from datetime import date

    from core.reporting import report_pdf

    app = make_app(REPORT_PLACE="Thành phố Cao Bằng")
    _one_time, ids = _cb(app)
    with app.test_request_context():
        report = db.session.get(Report, ids["X011"])
        line = report_pdf.place_and_date(report, date(2027, 1, 5))
        later = report_pdf.place_and_date(report, date(2026, 11, 21))
    assert line.startswith("Thành phố Cao Bằng, ") and " 05 " in line and " 01 " in line and line.endswith("2027")
    assert " 21 " in later and " 11 " in later
