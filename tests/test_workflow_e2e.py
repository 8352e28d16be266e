"""The whole CONTRACT workflow through the REST API, one province at a time, as its officers live it.

Each province is set up as ``baocao init`` sets it up (the plugin enabled, its real administrative
units, its forms, the reports of 5 December 2026 assigned); every unit's officer starts from the
one-time password the board issued, changes it through ``POST /api/v1/me/password`` and logs in
again. From then on everything goes through ``/api/v1``, except the in-app notifications, which
have no API: they are read where an officer reads them, on the home page.

* Cao Bằng: three review levels (commune → district → board), recall, return with a reason,
  corrections, reopening, who may act, and two reviewers acting on one report at once.
* Đồng Nai: the signed scan a commune must attach before submitting (Điều 8).
* Quảng Ngãi: the digitally signed PDF a commune must attach before submitting (Điều 9).
"""
from __future__ import annotations

import pytest

from core.platform.extensions import db
from tests.conftest import api_token
from tests.officers import FILLED, SCAN_VI, SIGNATURE_VI, VIETNAMESE, Officer, ok, set_up_province, sign_in, steps, the_report
from tests.pki import EXE, SIGNER, make_pki, pdf_bytes, png_bytes, sign, tampered

# --- Cao Bằng: commune → district → board ---------------------------------------------------------

#: Tỉnh Cao Bằng (the board), Thành phố Cao Bằng and two of its communes, and Huyện Bảo Lâm.
CB_BOARD, CB_CITY, CB_COMMUNE, CB_NEIGHBOUR, CB_OTHER_DISTRICT = "04", "040", "01693", "01705", "042"


@pytest.fixture
def cao_bang(app):
    return set_up_province(app, "cao_bang")


def test_cao_bang_a_commune_report_walks_every_contract_action_through_three_levels(app, cao_bang, admin):
    commune, city, board = cao_bang[CB_COMMUNE], cao_bang[CB_CITY], cao_bang[CB_BOARD]
    neighbour, other_district = cao_bang[CB_NEIGHBOUR], cao_bang[CB_OTHER_DISTRICT]
    pk = the_report(commune, "CB-DT01")
    draft = commune.report(pk)
    assert (draft["unit_code"], draft["period_code"], draft["state"], draft["level"]) == (
        CB_COMMUNE, "2026", "draft", "commune")
    assert draft["allowed_actions"] == ["submit"]

    # Values: text in a number field and a negative count are refused by name, and nothing is kept.
    bad = commune.put(pk, {"households": "một trăm", "near_poor_households": -3, "population": 500})
    assert bad.status_code == 422
    assert {"households", "near_poor_households"} <= set(bad.get_json()["errors"]) and bad.get_json()["message"]
    assert "population" not in bad.get_json()["errors"]
    assert commune.report(pk)["values"]["population"] is None
    saved = ok(commune.put(pk, FILLED))["values"]
    assert {k: saved[k] for k in FILLED} == FILLED

    # Submit, recall before anyone approved, submit again.
    assert ok(commune.act(pk, "submit"))["level"] == "district"
    recalled = ok(commune.act(pk, "recall"))
    assert (recalled["state"], recalled["level"]) == ("draft", "commune")
    assert ok(commune.act(pk, "submit"))["state"] == "submitted"
    assert city.report(pk)["allowed_actions"] == ["approve", "return"]

    # The city returns it: a reason is required, and the commune reads it in the history and its notices.
    refused = city.act(pk, "return")
    assert refused.status_code == 422 and "comment" in refused.get_json()["errors"]
    assert commune.report(pk)["state"] == "submitted"
    reason = "Thiếu số hộ cận nghèo của thôn Nà Mạ"
    assert ok(city.act(pk, "return", reason))["state"] == "returned"
    returned = commune.report(pk)
    assert returned["history"][-1]["action"] == "return" and returned["history"][-1]["comment"] == reason
    assert (returned["history"][-1]["actor"], returned["history"][-1]["unit"]) == (city.username, CB_CITY)
    assert any(n.startswith("Báo cáo bị trả lại") and reason in n for n in commune.notices())
    assert not any(reason in n for n in neighbour.notices())

    ok(commune.put(pk, {"near_poor_households": 7}))
    assert ok(commune.act(pk, "submit"))["level"] == "district"

    # Only the city reviews now: not the commune itself, not the board yet; outside the city, the
    # report does not even exist (scope comes first: 404, see core/reporting/api/reports.py).
    assert commune.act(pk, "approve").status_code == 403
    assert board.act(pk, "approve").status_code == 403
    assert neighbour.act(pk, "approve").status_code == 404
    assert other_district.act(pk, "approve").status_code == 404
    moved = ok(city.act(pk, "approve"))
    assert (moved["state"], moved["level"]) == ("submitted", "province")
    assert any("Xã Vĩnh Quang" in n for n in board.notices())
    assert commune.act(pk, "recall").status_code == 409  # a level has approved (QN-R Đ8.1)
    assert city.act(pk, "approve").status_code == 403  # its turn is over

    approved = ok(board.act(pk, "approve"))
    assert (approved["state"], approved["level"]) == ("approved", "province")
    assert any(n.startswith("Báo cáo đã được duyệt") for n in commune.notices())
    assert commune.put(pk, {"households": 121}).status_code == 409  # approved: read-only
    assert commune.report(pk)["values"]["households"] == 120

    # Corrections go to the board, the final approver; each refusal or request needs a reason.
    assert commune.act(pk, "request_correction").status_code == 422
    ok(commune.act(pk, "request_correction", "Nhập nhầm số hộ nghèo"))
    assert commune.report(pk)["state"] == "correction_requested"
    assert any(n.startswith("Đơn vị đề nghị điều chỉnh") for n in board.notices())
    assert board.report(pk)["allowed_actions"] == ["reopen", "reject_correction"]
    assert board.act(pk, "reject_correction").status_code == 422
    assert ok(board.act(pk, "reject_correction", "Số liệu đã khớp với rà soát cuối năm"))["state"] == "approved"
    ok(commune.act(pk, "request_correction", "Vẫn đề nghị điều chỉnh: có biên bản rà soát lại"))
    assert city.act(pk, "reopen").status_code == 403  # only the final approver
    reopened = ok(board.act(pk, "reopen"))
    assert (reopened["state"], reopened["level"]) == ("draft", "commune")
    assert ok(commune.put(pk, {"poor_households": 18}))["values"]["poor_households"] == 18

    detail = commune.report(pk)
    c, t, b = commune.username, city.username, board.username
    assert steps(detail) == [
        ("submit", "draft", "submitted", c, CB_COMMUNE, None),
        ("recall", "submitted", "draft", c, CB_COMMUNE, None),
        ("submit", "draft", "submitted", c, CB_COMMUNE, None),
        ("return", "submitted", "returned", t, CB_CITY, reason),
        ("submit", "returned", "submitted", c, CB_COMMUNE, None),
        ("approve", "submitted", "submitted", t, CB_CITY, None),
        ("approve", "submitted", "approved", b, CB_BOARD, None),
        ("request_correction", "approved", "correction_requested", c, CB_COMMUNE, "Nhập nhầm số hộ nghèo"),
        ("reject_correction", "correction_requested", "approved", b, CB_BOARD,
         "Số liệu đã khớp với rà soát cuối năm"),
        ("request_correction", "approved", "correction_requested", c, CB_COMMUNE,
         "Vẫn đề nghị điều chỉnh: có biên bản rà soát lại"),
        ("reopen", "correction_requested", "draft", b, CB_BOARD, None),
    ]
    times = [h["at"] for h in detail["history"]]
    assert all(times) and times == sorted(times)

    # Sent again; the city's officer and the system administrator both read it and both approve:
    # the first is done, the second is told the report changed.
    ok(commune.act(pk, "submit"))
    client = app.test_client()
    sysadmin = Officer(app, client, admin["username"],
                       {"Authorization": f"Bearer {api_token(client, admin['username'], admin['password'])}"})
    seen = city.report(pk)["lock_version"]
    assert sysadmin.report(pk)["lock_version"] == seen
    first = city.act(pk, "approve", lock_version=seen)
    second = sysadmin.act(pk, "approve", lock_version=seen)
    assert sorted((first.status_code, second.status_code)) == [200, 409]
    told = (first if first.status_code == 409 else second).get_json()["message"].lower()
    assert "tải lại" in told or "reload" in told  # the English msgid until the catalogue has it
    after = commune.report(pk)
    assert (after["state"], after["level"]) == ("submitted", "province")
    assert [h["action"] for h in after["history"][-2:]] == ["submit", "approve"]
    assert ok(board.act(pk, "approve"))["state"] == "approved"


def test_cao_bang_two_officers_of_the_reviewing_district_approve_at_once_one_is_told_to_reload(app, cao_bang):
    """The city's shared account and its deputy head's own account read the report; both approve."""
    from core.accounts import lifecycle as accounts
    from core.hierarchy import roles
    from core.hierarchy.models import Unit

    commune, city = cao_bang[CB_COMMUNE], cao_bang[CB_CITY]
    with app.app_context():
        unit = db.session.query(Unit).filter_by(code=CB_CITY).one()
        _, one_time = accounts.create_personal(db.session, "ntlan.tpcb", "Nguyễn Thị", "Lan", "lan@caobang.gov.vn",
                                               unit, [roles.REVIEWER])
        db.session.commit()
    deputy = sign_in(app, "ntlan.tpcb", one_time)
    pk = the_report(commune, "CB-DT01")
    ok(commune.put(pk, FILLED))
    ok(commune.act(pk, "submit"))
    seen = city.report(pk)["lock_version"]
    assert deputy.report(pk)["lock_version"] == seen and deputy.report(pk)["allowed_actions"] == ["approve", "return"]
    first = city.act(pk, "approve", lock_version=seen)
    second = deputy.act(pk, "approve", lock_version=seen)
    assert (first.status_code, second.status_code) == (200, 409), second.get_json()
    assert [h["action"] for h in commune.report(pk)["history"]] == ["submit", "approve"]


def test_cao_bang_after_the_district_approves_the_board_is_told_the_report_waits_for_it(cao_bang):
    commune, city, board = cao_bang[CB_COMMUNE], cao_bang[CB_CITY], cao_bang[CB_BOARD]
    pk = the_report(commune, "CB-DT01")
    ok(commune.put(pk, FILLED))
    ok(commune.act(pk, "submit"))
    ok(city.act(pk, "approve"))
    notices = board.notices()
    assert notices and all(n.startswith("Báo cáo chờ duyệt") for n in notices), notices


def test_cao_bang_the_workflow_refuses_in_vietnamese(cao_bang):
    commune, city, board = cao_bang[CB_COMMUNE], cao_bang[CB_CITY], cao_bang[CB_BOARD]
    pk = the_report(commune, "CB-DT01")
    missing = commune.act(pk, "submit")  # required values not entered yet
    ok(commune.put(pk, FILLED))
    ok(commune.act(pk, "submit"))
    seen = city.report(pk)["lock_version"]
    told = {"missing values": missing, "own approval": commune.act(pk, "approve"),
            "no reason": city.act(pk, "return"), "not from draft": commune.act(pk, "submit")}
    ok(city.act(pk, "approve", lock_version=seen))
    told["stale"] = board.act(pk, "approve", lock_version=seen)  # the board read it before the city approved
    english = {what: resp.get_json()["message"] for what, resp in told.items()
               if not VIETNAMESE.intersection(resp.get_json()["message"].lower())}
    assert english == {}


# --- Đồng Nai: a signed scan before submitting ------------------------------------------------------

#: Tỉnh Đồng Nai (the board), Huyện Long Thành and its Xã An Phước.
DN_BOARD, DN_DISTRICT, DN_COMMUNE = "75", "740", "26383"


def test_dong_nai_a_commune_attaches_the_signed_scan_submits_and_its_district_approves(app):
    officers = set_up_province(app, "dong_nai")
    commune, district = officers[DN_COMMUNE], officers[DN_DISTRICT]
    pk = the_report(commune, "DN-DT01")
    ok(commune.put(pk, FILLED))

    refused = commune.act(pk, "submit")
    assert refused.status_code == 409
    assert refused.get_json()["message"] == SCAN_VI and SCAN_VI in refused.get_json()["errors"]["reasons"]
    assert commune.report(pk)["state"] == "draft"

    renamed = commune.upload(pk, EXE, "bien-ban-da-ky.pdf")
    assert renamed.status_code == 422 and renamed.get_json()["errors"]["file"]
    scan = ok(commune.upload(pk, png_bytes(), "biên bản đã ký, đóng dấu.png"), 201)["result"]
    assert (scan["kind"], scan["content_type"]) == ("scan", "image/png")
    assert [a["filename"] for a in commune.report(pk)["attachments"]] == ["biên bản đã ký, đóng dấu.png"]

    sent = ok(commune.act(pk, "submit"))
    assert (sent["state"], sent["level"]) == ("submitted", "district")
    assert any(n.startswith("Báo cáo chờ duyệt") and "Xã An Phước" in n for n in district.notices())
    seen = district.report(pk)
    assert seen["allowed_actions"] == ["approve", "return"] and len(seen["attachments"]) == 1
    assert ok(district.act(pk, "approve"))["state"] == "approved"
    detail = commune.report(pk)
    assert [(h["action"], h["to"], h["unit"]) for h in detail["history"]] == [
        ("submit", "submitted", DN_COMMUNE), ("approve", "approved", DN_DISTRICT)]
    assert any(n.startswith("Báo cáo đã được duyệt") for n in commune.notices())


# --- Quảng Ngãi: a valid digital signature before submitting ------------------------------------------

#: Tỉnh Quảng Ngãi (the provincial office reviews) and its Xã An Phú.
QN_BOARD, QN_COMMUNE = "51", "21034"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def test_quang_ngai_a_commune_attaches_a_signed_pdf_submits_and_the_province_approves(make_app, pki):
    app = make_app(SIGNATURE_TRUST_ROOTS=[pki["root_pem"]])
    officers = set_up_province(app, "quang_ngai_baocao")
    commune, board = officers[QN_COMMUNE], officers[QN_BOARD]
    pk = the_report(commune, "QN-BC01")
    ok(commune.put(pk, {"revenue": 1250.5, "summary": "Thu ngân sách đạt tiến độ; không phát sinh khó khăn."}))

    def refused_for_signature():
        resp = commune.act(pk, "submit")
        assert resp.status_code == 409, resp.get_json()
        assert resp.get_json()["message"] == SIGNATURE_VI
        assert commune.report(pk)["state"] == "draft"

    refused_for_signature()
    assert ok(commune.upload(pk, pdf_bytes(), "bao-cao-chua-ky.pdf"), 201)["result"]["kind"] == "scan"
    refused_for_signature()  # a PDF without a signature is not enough

    signed = sign(pki, pdf_bytes())
    broken = commune.upload(pk, tampered(signed), "bao-cao-da-sua.pdf")
    assert broken.status_code == 422 and broken.get_json()["errors"]["file"] == [broken.get_json()["message"]]
    good = ok(commune.upload(pk, signed, "bao-cao-ky-so.pdf"), 201)["result"]
    assert good["kind"] == "signed_pdf"
    assert (good["signature"]["signer"], good["signature"]["valid"], good["signature"]["trusted"]) == (
        SIGNER, True, True)
    listed = {a["filename"]: a for a in commune.report(pk)["attachments"]}
    assert set(listed) == {"bao-cao-chua-ky.pdf", "bao-cao-ky-so.pdf"}
    assert listed["bao-cao-ky-so.pdf"]["signature"]["signer"] == SIGNER

    sent = ok(commune.act(pk, "submit"))
    assert (sent["state"], sent["level"]) == ("submitted", "province")
    assert board.report(pk)["allowed_actions"] == ["approve", "return"]
    assert ok(board.act(pk, "approve"))["state"] == "approved"
    detail = commune.report(pk)
    assert detail["values"]["revenue"] == 1250.5
    assert [(h["action"], h["from"], h["to"], h["unit"]) for h in detail["history"]] == [
        ("submit", "draft", "submitted", QN_COMMUNE), ("approve", "submitted", "approved", QN_BOARD)]
    assert any(n.startswith("Báo cáo đã được duyệt") for n in commune.notices())
