"""Hà Nội's Quy chế (ethnic, belief and religion data system, 2026), article by article, as its users live it.

The city is set up as ``baocao init --province ha_noi`` sets it up: Thành phố Hà Nội (the Sở Dân tộc và
Tôn giáo's tier) over its 126 xã, phường, the forms HN-DT01 and HN-TG01, the reports of 5/12/2026
assigned. Each officer starts from the one-time password the Sở issued and works through ``/api/v1``;
the administrator's articles go through the screens where no API exists.

Articles that ask nothing of the software: Điều 1 khoản 1 and Điều 3 (scope, definitions), Điều 15
(Công an Thành phố; its contact is on the help page), Điều 16 (Sở Tài chính: budget), Điều 21–22
(amendments). Skipped, with the reason on each: Điều 8 khoản 2 and Điều 13 khoản 7 (Decree 85
security level), Điều 4 khoản 3 and Điều 13 khoản 1 (continuous operation), Điều 5 khoản 2 and Điều 9 khoản 2 (not sharing
passwords), Điều 11 and Điều 13 khoản 8 in transit (TLS), Điều 13 khoản 9, Điều 14 khoản 4, Điều 17
khoản 7 (training), Điều 8 khoản 3 (upgrades keep data).
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest

from core.platform import clock
from tests import factories
from tests.conftest import ADMIN_PASSWORD, api_token, login
from tests.officers import (
    SCAN_VI, VIETNAMESE, Officer, Officers, ok, set_up_province, sign_in, steps, the_report,
    shown_one_time,
)
from tests.pki import EXE, png_bytes

#: Thành phố Hà Nội (the Sở's tier) and three of its 126 xã, phường.
CITY, BA_VI, HOAN_KIEM, BAT_TRANG = "01", "09700", "00070", "00583"
COMMUNES = 126

#: What a commune officer types into HN-DT01 and HN-TG01.
DT01 = {"households": 2140, "minority_households": 310, "population": 8650, "poor_households": 42,
        "near_poor_households": 57}
TG01 = {"worship_places": 6, "worship_by_religion": {"01": 4, "02": 2}, "belief_places": 9, "ranked_relics": 5,
        "followers": 1830, "followers_by_religion": {"01": 1200, "02": 630}, "minority_followers": 120,
        "clergy": 14, "registered_activities": 3, "unregistered_groups": 0, "complaints": 1,
        "free_migrant_households": 0, "assessment": "Tình hình tôn giáo, tín ngưỡng ổn định; lễ hội đền Thượng "
        "diễn ra đúng kế hoạch đã đăng ký.", "no_state_secret": "yes"}


@pytest.fixture
def hn(app):
    return set_up_province(app, "ha_noi")


def web(app, username: str, password: str = factories.NEW_PASSWORD):
    """A browser session of an officer who already changed the one-time password."""
    client = app.test_client()
    resp = login(client, username, password)
    assert resp.status_code == 302 and "/login/" not in resp.headers["Location"], resp.headers.get("Location")
    return client


def denied(resp) -> bool:
    """A screen refused: FAB sends the browser to the login form or answers 403/404."""
    return resp.status_code in (403, 404) or (resp.status_code == 302 and "/login/" in resp.headers["Location"])


def account_id(app, username: str) -> int:
    from core.platform.extensions import db
    from core.accounts.models import Account

    with app.app_context():
        return db.session.query(Account).filter_by(username=username).one().id


def sent(officer: Officer, form: str, values: dict, period: str | None = None) -> int:
    """The officer fills the report of ``form`` (of ``period``, else the first), attaches the signed scan, submits."""
    mine = [r for r in officer.reports() if r["form_code"] == form and (period is None or r["period_code"] == period)]
    pk = sorted(mine, key=lambda r: r["period_code"])[0]["id"]
    ok(officer.put(pk, values))
    ok(officer.upload(pk, png_bytes(), "bieu-da-ky-dong-dau.png"), 201)
    assert ok(officer.act(pk, "submit"))["state"] == "submitted"
    return pk


# --- Điều 2, Điều 17, Điều 3 khoản 3: the city over its xã, phường (H1, H2, H5) ---------------------------


def test_dieu_2_dieu_17_the_city_tier_stands_over_its_126_communes_and_wards_and_takes_departments(
        app, hn, cli, tmp_path):
    """Điều 2, Điều 17 (H1): Thành phố Hà Nội over its xã, phường, no district; the sở, ban, ngành join the city
    tier."""
    city = hn[CITY]
    listed = ok(city.client.get("/api/v1/completeness/?form=HN-DT01&period=2026", headers=city.headers))
    assert len(listed["units"]) == COMMUNES
    assert {u["level"] for u in listed["units"]} == {"commune"}
    assert all(u["unit_name"].startswith(("Xã ", "Phường ")) for u in listed["units"])
    assert {"Xã Ba Vì", "Phường Hoàn Kiếm", "Xã Bát Tràng"} <= {u["unit_name"] for u in listed["units"]}

    # The Sở adds a city department: it sits on the city tier, not on the communes' one.
    units = tmp_path / "so-nganh.csv"
    units.write_text("code,name,kind,parent_code\nSNNMT,Sở Nông nghiệp và Môi trường Hà Nội,department,01\n",
                     encoding="utf-8")
    assert cli("units", "import", "--file", str(units)).exit_code == 0
    department = hn["SNNMT"]
    me = ok(department.client.get("/api/v1/unit/", headers=department.headers))
    assert [(u["code"], u["level"]) for u in me["result"]] == [("SNNMT", "province")]
    assert department.reports() == []  # the forms fall due from the xã, phường


def test_dieu_9_khoan_1_each_commune_works_within_its_own_data(hn):
    """Điều 9 khoản 1, Điều 9 khoản 9 (H5): a xã sees, prints and sums only its own reports; the Sở sees all."""
    ba_vi, hoan_kiem = hn[BA_VI], hn[HOAN_KIEM]
    pk = the_report(hoan_kiem, "HN-DT01")
    assert {r["unit_code"] for r in ba_vi.reports()} == {BA_VI}
    assert ba_vi.get(pk).status_code == 404
    assert ba_vi.client.get(f"/api/v1/report/{pk}/pdf", headers=ba_vi.headers).status_code == 404
    assert ba_vi.put(pk, {"households": 1}).status_code == 404
    assert ba_vi.client.get("/api/v1/aggregate/?form=HN-DT01&period=2026&unit=01",
                            headers=ba_vi.headers).status_code == 404
    assert hn[CITY].report(pk)["unit_code"] == HOAN_KIEM


def test_dieu_3_khoan_3_the_city_totals_the_approved_data_of_its_communes(hn):
    """Điều 3 khoản 3 (H2): the Sở reads the city's totals of what it approved, commune by commune."""
    city, ba_vi, bat_trang = hn[CITY], hn[BA_VI], hn[BAT_TRANG]
    first = sent(ba_vi, "HN-DT01", DT01, "2026")
    second = sent(bat_trang, "HN-DT01", {**DT01, "households": 1500, "minority_households": 12}, "2026")
    ok(city.act(first, "approve"))
    query = "/api/v1/aggregate/?form=HN-DT01&period=2026"
    assert ok(city.client.get(query, headers=city.headers))["values"]["households"] == 2140  # approved only
    ok(city.act(second, "approve"))
    totals = ok(city.client.get(query, headers=city.headers))
    assert (totals["unit"], totals["reports"]) == (CITY, 2)
    assert totals["values"]["households"] == 3640 and totals["values"]["minority_households"] == 322
    drill = ok(city.client.get(query + "&field=households&by=child", headers=city.headers))
    assert {c["unit_code"]: c["value"] for c in drill["contributions"] if c["value"]} == {BA_VI: 2140, BAT_TRANG: 1500}


def test_dieu_4_khoan_6_statistics_are_for_those_given_the_task(app, hn):
    """Điều 4 khoản 6 (A12): the dashboard and the usage report are for the Sở, not for a xã's reporting account."""
    hn[BA_VI], hn[CITY]
    assert denied(web(app, BA_VI.lower()).get("/dashboard/"))
    assert web(app, CITY.lower()).get("/dashboard/").status_code == 200


# --- Điều 5, Điều 7 khoản 5, Điều 9 khoản 10: no one edits sent data without permission (W9, S8) ------------


def test_dieu_5_khoan_1_dieu_7_khoan_5_sent_data_changes_only_through_the_so_s_permission(hn):
    """Điều 5 khoản 1, Điều 7 khoản 5, Điều 9 khoản 10 (W9): sent and approved data is read-only; a change
    needs the Sở's permission (request_correction → reopen), and a report is never deleted."""
    ba_vi, city = hn[BA_VI], hn[CITY]
    pk = sent(ba_vi, "HN-DT01", DT01, "2026")
    assert ba_vi.put(pk, {"poor_households": 1}).status_code == 409
    assert city.put(pk, {"poor_households": 1}).status_code in (403, 409)  # the Sở does not rewrite it either
    ok(city.act(pk, "approve"))
    assert ba_vi.put(pk, {"poor_households": 1}).status_code == 409
    assert ba_vi.client.delete(f"/api/v1/report/{pk}", headers=ba_vi.headers).status_code in (404, 405)
    assert ba_vi.report(pk)["values"]["poor_households"] == 42

    assert ba_vi.act(pk, "request_correction").status_code == 422  # the request needs a reason
    ok(ba_vi.act(pk, "request_correction", "Rà soát lại hộ nghèo thôn Yên Cư"))
    assert ba_vi.put(pk, {"poor_households": 40}).status_code == 409  # not until the Sở allows it
    assert ba_vi.act(pk, "reopen").status_code == 403
    assert ok(city.act(pk, "reopen"))["state"] == "draft"
    assert ok(ba_vi.put(pk, {"poor_households": 40}))["values"]["poor_households"] == 40
    assert [s[0] for s in steps(ba_vi.report(pk))] == ["submit", "approve", "request_correction", "reopen"]


def test_dieu_5_khoan_4_dieu_10_khoan_4_data_in_the_prescribed_format_and_consistent(hn):
    """Điều 5 khoản 4, Điều 4 khoản 5, Điều 10 khoản 4 (F9): wrong types and inconsistent figures are refused
    in Vietnamese, field by field, and nothing is kept."""
    ba_vi = hn[BA_VI]
    pk = the_report(ba_vi, "HN-TG01")
    bad = ba_vi.put(pk, {"followers": "một nghìn", "clergy": -2})
    assert bad.status_code == 422 and {"followers", "clergy"} <= set(bad.get_json()["errors"])
    inconsistent = ba_vi.put(pk, {**TG01, "minority_followers": 2000})
    assert inconsistent.status_code == 422
    assert any("không được lớn hơn tổng số tín đồ" in m for m in inconsistent.get_json()["errors"]["_rules"])
    assert ba_vi.report(pk)["values"]["followers"] is None
    # A split by religion that does not add up may be saved half done, but is not sent.
    ok(ba_vi.put(pk, {**TG01, "followers_by_religion": {"01": 1200, "02": 600}}))
    ok(ba_vi.upload(pk, png_bytes(), "bieu-tg01-da-ky.png"), 201)
    split = ba_vi.act(pk, "submit")
    assert split.status_code in (409, 422) and "Tổng tín đồ chia theo tôn giáo" in str(split.get_json())
    assert ba_vi.report(pk)["state"] == "draft"
    saved = ok(ba_vi.put(pk, TG01))["values"]
    assert saved["followers"] == 1830 and saved["followers_by_religion"]["02"] == 630
    assert ok(ba_vi.act(pk, "submit"))["state"] == "submitted"


def test_dieu_1_khoan_2_dieu_7_khoan_8_state_secrets_stay_out_of_the_system(app, hn):
    """Điều 1 khoản 2, Điều 7 khoản 8 (S12): the xã confirms the report holds no state secret, or it cannot send it."""
    ba_vi = hn[BA_VI]
    pk = the_report(ba_vi, "HN-TG01")
    screen = web(app, ba_vi.username).get(f"/reports/{pk}/entry").get_data(as_text=True)
    assert "không thuộc danh mục bí mật nhà nước" in screen
    refused = ba_vi.put(pk, {**TG01, "no_state_secret": "no"})
    assert refused.status_code == 422
    assert any("bí mật nhà nước" in m for m in refused.get_json()["errors"]["_rules"])
    ok(ba_vi.put(pk, {k: v for k, v in TG01.items() if k != "no_state_secret"}))
    ok(ba_vi.upload(pk, png_bytes(), "bieu-tg01-da-ky.png"), 201)
    unconfirmed = ba_vi.act(pk, "submit")
    assert unconfirmed.status_code in (409, 422) and ba_vi.report(pk)["state"] == "draft"
    ok(ba_vi.put(pk, {"no_state_secret": "yes"}))
    assert ok(ba_vi.act(pk, "submit"))["state"] == "submitted"


@pytest.mark.skip(reason="sharing a password or saving it in a browser is the user's conduct; only the audit trail "
                         "of each account (tested under Điều 13 khoản 2) is the system's part")
def test_dieu_5_khoan_2_dieu_9_khoan_2_dieu_13_khoan_3_accounts_are_not_shared():
    """Điều 5 khoản 2, Điều 9 khoản 2, Điều 13 khoản 3 (S8): không chia sẻ mật khẩu, không dùng chung tài khoản."""


# --- Điều 6: sharing with other systems (R4, R5) ----------------------------------------------------------


def test_dieu_6_approved_data_is_shared_as_it_is_and_consumers_cannot_change_it(hn, api_admin):
    """Điều 6 khoản 1–3 (R4, R5): the approved values go out unchanged as DHIS2 data; only the administrator may
    import, and never over an approved report."""
    ba_vi, city = hn[BA_VI], hn[CITY]
    pk = sent(ba_vi, "HN-DT01", DT01, "2026")
    ok(city.act(pk, "approve"))
    url = "/api/v1/exchange/datavaluesets?form=HN-DT01&period=2026&unit=01"
    doc = ok(city.client.get(url, headers=city.headers))
    got = {v["dataElement"]: v["value"] for v in doc["dataValues"] if v["orgUnit"] == BA_VI}
    assert got["households"] == "2140" and got["poor_households"] == "42"
    body = ok(api_admin.client.get(url, headers=api_admin.headers))
    changed = {**body, "dataValues": [{**v, "value": "1"} for v in body["dataValues"]]}
    assert city.client.post(url, json=changed, headers=city.headers).status_code == 403
    assert ba_vi.client.post(url, json=changed, headers=ba_vi.headers).status_code == 403
    assert api_admin.client.post(url, json=changed, headers=api_admin.headers).status_code == 422  # approved: refused
    assert ba_vi.report(pk)["values"]["households"] == 2140


# --- Điều 7, Điều 9, Điều 10 khoản 2, Điều 19, Điều 20: accounts (A1–A15) ---------------------------------


def test_dieu_9_khoan_2_dieu_10_khoan_2_first_login_forces_a_strong_password_changed_every_6_months(
        app, hn, monkeypatch):
    """Điều 9 khoản 2, Điều 10 khoản 2 (A3, A4): the default password only opens the change; at least 10 characters
    with upper, lower, digit and special; a new change after 6 months."""
    with app.app_context():
        username, one_time = factories.issue(BAT_TRANG)
    client = app.test_client()
    first = {"Authorization": f"Bearer {api_token(client, username, one_time)}"}
    assert client.get("/api/v1/report/", headers=first).status_code == 403

    def change(new):
        return client.post("/api/v1/me/password", headers=first, json={"old_password": one_time, "new_password": new})

    short = change("Ab1!xyzuv")  # 9 characters
    assert short.status_code == 422 and "min_length" in short.get_json()["rules"]
    assert VIETNAMESE.intersection(short.get_json()["message"].lower())
    plain = change("Batrang2026xa")  # no special character
    assert plain.status_code == 422 and plain.get_json()["rules"] == ["special"]
    assert change(one_time).status_code == 422  # the default password cannot stay
    assert change("Bát-Tràng-2026").status_code == 200
    officer = Officer(app, client, username,
                      {"Authorization": f"Bearer {api_token(client, username, 'Bát-Tràng-2026')}"})
    me = ok(client.get("/api/v1/me/", headers=officer.headers))["result"]
    expires = datetime.fromisoformat(me["password_expires_at"])
    assert timedelta(days=179) < expires - clock.utcnow() <= timedelta(days=180)
    assert officer.reports()

    later = clock.utcnow() + timedelta(days=181)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    expired = client.get("/api/v1/report/", headers=officer.headers)
    assert expired.status_code == 403 and expired.get_json()["errors"]["password"] == "must_change"


def test_dieu_9_khoan_2_an_idle_session_is_logged_out(app, hn):
    """Điều 9 khoản 2 (A14): đăng xuất khi không sử dụng — a session left idle for 30 minutes is ended."""
    hn[BA_VI]
    browser = web(app, BA_VI.lower())
    assert browser.get("/").status_code == 200
    with browser.session_transaction() as session:
        session["_seen"] -= 29 * 60  # 29 minutes without a request: still in
    assert browser.get("/").status_code == 200
    with browser.session_transaction() as session:
        session["_seen"] -= 31 * 60
    gone = browser.get("/")
    assert gone.status_code == 302 and "/login/" in gone.headers["Location"]


def test_dieu_9_khoan_3_dieu_13_khoan_5_least_privilege(app, hn):
    """Điều 9 khoản 3, Điều 13 khoản 5 (A12): a xã's account reports; only the Sở's tier reviews; neither runs
    the system."""
    ba_vi, city = hn[BA_VI], hn[CITY]
    assert ok(ba_vi.client.get("/api/v1/me/", headers=ba_vi.headers))["result"]["roles"] == ["Reporter"]
    assert "Reviewer" in ok(city.client.get("/api/v1/me/", headers=city.headers))["result"]["roles"]
    pk = sent(ba_vi, "HN-DT01", DT01, "2026")
    assert ba_vi.act(pk, "approve").status_code == 403
    for officer in (ba_vi, city):
        assert officer.client.get("/api/v1/audit/", headers=officer.headers).status_code == 403
        browser = web(app, officer.username)
        assert denied(browser.get("/accounts/list/")) and denied(browser.get("/plugins/"))


def test_dieu_9_khoan_4_dieu_19_khoan_6_the_administrator_locks_an_attacking_account_and_it_is_traced(
        app, hn, web_admin, api_admin):
    """Điều 9 khoản 4 (A10), Điều 13 khoản 2, Điều 19 khoản 6 (S5): the admin locks the account at once, with a reason;
    the lock is in the audit log, which only the administrator reads."""
    ba_vi = hn[BA_VI]
    reason = "Phát hiện truy cập bất thường từ địa chỉ lạ, theo báo cáo của đơn vị vận hành"
    resp = web_admin.post(f"/accounts/lock/{account_id(app, ba_vi.username)}", data={"reason": reason})
    assert resp.status_code == 302
    assert ba_vi.client.get("/api/v1/report/", headers=ba_vi.headers).status_code in (401, 403)
    assert login(app.test_client(), ba_vi.username, factories.NEW_PASSWORD).headers["Location"].startswith("/login/")
    log = ok(api_admin.client.get("/api/v1/audit/?q=(page_size:100)", headers=api_admin.headers))["result"]
    locks = [e for e in log if e["action"] == "account.lock"]
    assert locks and locks[0]["actor"] == "admin" and reason in str(locks[0]["changes"])


def test_dieu_9_khoan_5_dieu_10_khoan_2_handover_to_a_new_officer_who_sets_a_new_password(app, hn, web_admin):
    """Điều 9 khoản 5, Điều 10 khoản 2 (A2, A6, A15): the account passes to a named officer (roster: name, title,
    department, phone, e-mail); the previous password stops; the new holder must change the one-time one."""
    ba_vi = hn[BA_VI]
    pk = account_id(app, ba_vi.username)
    holder = {"full_name": "Đinh Thị Hương", "title": "Công chức Văn hóa - Xã hội",
              "department": "Ủy ban nhân dân xã Ba Vì", "phone": "0243 386 1234", "email": "huongdt@hanoi.gov.vn"}
    page = web_admin.post(f"/accounts/handover/{pk}", data=holder).get_data(as_text=True)
    one_time = shown_one_time(page)
    assert login(app.test_client(), ba_vi.username, factories.NEW_PASSWORD).headers["Location"].startswith("/login/")
    client = app.test_client()
    first = {"Authorization": f"Bearer {api_token(client, ba_vi.username, one_time)}"}
    assert client.get("/api/v1/report/", headers=first).status_code == 403  # the one-time password opens nothing

    def change(new):
        return client.post("/api/v1/me/password", headers=first, json={"old_password": one_time, "new_password": new})

    assert change(factories.NEW_PASSWORD).get_json()["rules"] == ["history"]  # not the predecessor's password
    ok(change("Hương-Ba-Vì-2026"))
    successor = {"Authorization": f"Bearer {api_token(client, ba_vi.username, 'Hương-Ba-Vì-2026')}"}
    assert ok(client.get("/api/v1/report/", headers=successor))["result"]
    shown = web_admin.get(f"/accounts/show/{pk}").get_data(as_text=True)
    assert all(holder[k] in shown for k in ("full_name", "title", "department"))


def test_dieu_10_khoan_2_an_account_that_worked_is_closed_never_deleted(app, hn, web_admin):
    """Điều 10 khoản 2, Điều 7 khoản 2 (A1, A7): one account per unit; an account with activity cannot be deleted,
    only closed; a closed account cannot log in."""
    ba_vi = hn[BA_VI]
    sent(ba_vi, "HN-DT01", DT01, "2026")
    pk = account_id(app, ba_vi.username)
    refused = web_admin.post(f"/accounts/delete/{pk}", follow_redirects=True).get_data(as_text=True)
    assert f"Tài khoản {ba_vi.username} đã có dữ liệu hoặc nhật ký hoạt động nên không được xóa" in refused
    assert web_admin.post(f"/accounts/close/{pk}", data={"reason": "Công chức chuyển công tác"}).status_code == 302
    assert login(app.test_client(), ba_vi.username, factories.NEW_PASSWORD).headers["Location"].startswith("/login/")
    assert f'data-account="{ba_vi.username}"' in web_admin.get("/accounts/list/?status=closed").get_data(as_text=True)
    with app.app_context():
        again, _ = factories.issue(BA_VI)
    assert again == ba_vi.username  # the unit's one account, reopened by issuing it again


def test_dieu_7_khoan_1_dieu_20_a_unit_administrator_manages_only_its_own_unit(app, hn):
    """Điều 7 khoản 1, Điều 20 khoản 1–2 (A13): the quản trị cơ sở of a xã sees and manages its own accounts only."""
    from core.accounts import lifecycle as accounts
    from core.hierarchy import roles
    from core.platform.extensions import db
    from core.hierarchy.models import Unit

    ba_vi, hoan_kiem = hn[BA_VI], hn[HOAN_KIEM]
    with app.app_context():
        unit = db.session.query(Unit).filter_by(code=BA_VI).one()
        _, one_time = accounts.create_personal(db.session, "qtcs.bavi", "Nguyễn Văn", "Minh", "minhnv@hanoi.gov.vn",
                                               unit, [roles.UNIT_ADMIN])
        db.session.commit()
    sign_in(app, "qtcs.bavi", one_time)
    browser = web(app, "qtcs.bavi")
    listed = browser.get("/accounts/list/").get_data(as_text=True)
    assert f'data-account="{ba_vi.username}"' in listed and f'data-account="{hoan_kiem.username}"' not in listed
    other = account_id(app, hoan_kiem.username)
    assert browser.post(f"/accounts/lock/{other}", data={"reason": "thử"}).status_code == 404
    assert hoan_kiem.reports()  # untouched


def test_dieu_19_khoan_2_administrator_accounts_are_personal_never_a_units_shared_account(app, hn, web_admin):
    """Điều 19 khoản 2 (A11): an administrator's role is never put on a unit's shared account."""
    ba_vi = hn[BA_VI]
    pk = account_id(app, ba_vi.username)
    web_admin.post(f"/accounts/edit/{pk}", data={"first_name": "UBND xã Ba Vì", "last_name": "",
                                                 "email": "bavi@hanoi.gov.vn", "roles": ["Reporter", "Admin"]})
    assert ok(ba_vi.client.get("/api/v1/me/", headers=ba_vi.headers))["result"]["roles"] == ["Reporter"]


@pytest.mark.calendar
@pytest.mark.at("2026-02-13T15:00+07:00")
def test_dieu_9_khoan_6_khoan_7_account_requests_are_approved_and_done_within_one_working_day(app, hn, web_admin,
                                                                                              now):
    """Điều 9 khoản 6–7 (A8, A9): khởi tạo, thu hồi, sửa đổi tài khoản theo đề nghị được phê duyệt, trong 01 ngày
    làm việc; khẩn cấp thì khóa ngay.

    Xã Ba Vì asks on Friday 13/2/2026, the last working day before Tết Bính Ngọ, to hand its account to a new
    officer: due Monday 23/2, after the break, not on the Saturday. The Sở's leader approves it; the operator
    hands the account over on the 23rd, on time. A request left open past its day shows as overdue; a security
    threat locks an account at once, logged as an emergency."""
    from core.accounts import lifecycle
    from core.hierarchy.models import Unit
    from tests.pki import pdf_bytes

    with app.app_context():
        from core.platform.extensions import db

        city = db.session.query(Unit).filter_by(code=CITY).one()
        _, leader_once = lifecycle.create_personal(db.session, "lanhdao.so", "Phó Giám đốc", "Sở Dân tộc và Tôn giáo",
                                                   "lanhdao.so@hanoi.gov.vn", city, ["Viewer"])
        db.session.commit()
    ba_vi = web(app, hn[BA_VI].username)
    letter = {"unit": BA_VI, "kind": "handover", "full_name": "Đinh Văn Khánh", "title": "Công chức Văn hóa - Xã hội",
              "department": "UBND xã Ba Vì", "phone": "024 3386 1234", "email": "khanh.bavi@hanoi.gov.vn",
              "reason": "Công chức cũ nghỉ hưu theo Quyết định 15/QĐ-UBND",
              "letter": (io.BytesIO(pdf_bytes(b"De nghi ban giao tai khoan")), "de-nghi-ban-giao.pdf")}
    filed = ba_vi.post("/account-requests/new", data=letter, content_type="multipart/form-data")
    assert filed.status_code == 302, filed.get_data(as_text=True)[-1500:]
    show = filed.headers["Location"]
    page = ba_vi.get(show).get_data(as_text=True)
    assert 'id="account-request-due">23/02/2026' in page and "Chờ phê duyệt" in page
    leader = app.test_client()
    factories.first_login(leader, "lanhdao.so", leader_once)
    assert "Đinh Văn Khánh" in leader.get(show).get_data(as_text=True)
    leader.post(f"{show}/decide", data={"decision": "approve", "note": "Đồng ý bàn giao"})
    now.move_to(datetime(2026, 2, 20, 2, 0))  # mùng 4 Tết: still within its day
    admin = app.test_client()
    assert login(admin, "admin", ADMIN_PASSWORD).status_code == 302
    listed = admin.get("/account-requests/").get_data(as_text=True)
    assert 'data-clock="open"' in listed and 'data-clock="overdue"' not in listed
    now.move_to(datetime(2026, 2, 23, 1, 30))  # Monday 08:30, the first working day after Tết
    admin = app.test_client()
    assert login(admin, "admin", ADMIN_PASSWORD).status_code == 302
    done = admin.post(f"{show}/carry-out")
    assert done.status_code == 200 and "Đinh Văn Khánh" in done.get_data(as_text=True)
    shown_one_time(done.get_data(as_text=True))
    page = admin.get(show).get_data(as_text=True)
    assert "Thực hiện đúng hạn" in page and "Đồng ý bàn giao" in page
    assert login(app.test_client(), hn[BA_VI].username, factories.NEW_PASSWORD).headers["Location"].startswith(
        "/login")  # the former officer's password is gone
    # A request received on Monday and still open on Wednesday is overdue, highlighted.
    hoan_kiem = web(app, hn[HOAN_KIEM].username)
    revoke = {"unit": HOAN_KIEM, "kind": "revoke", "reason": "Phường sáp nhập theo Nghị quyết của UBTVQH",
              "letter": (io.BytesIO(png_bytes()), "de-nghi-thu-hoi.png")}
    late = hoan_kiem.post("/account-requests/new", data=revoke, content_type="multipart/form-data").headers["Location"]
    now.move_to(datetime(2026, 2, 25, 2, 0))
    admin = app.test_client()
    assert login(admin, "admin", ADMIN_PASSWORD).status_code == 302
    late_id = late.rstrip("/").rsplit("/", 1)[1]
    assert f'id="account-request-{late_id}" class="danger" data-clock="overdue"' in admin.get(
        "/account-requests/").get_data(as_text=True)
    # A security threat: Bát Tràng's account is locked at once and the lock logged as an emergency.
    bat_trang = hn[BAT_TRANG]
    locked = admin.post("/account-requests/emergency-lock", data={
        "unit": BAT_TRANG, "reason": "Phát hiện đăng nhập trái phép từ địa chỉ lạ"})
    assert "Khẩn cấp" in admin.get(locked.headers["Location"]).get_data(as_text=True)
    assert bat_trang.client.get("/api/v1/report/", headers=bat_trang.headers).status_code == 401
    with app.app_context():
        from core.platform.extensions import db
        from core.platform.models.audit import AuditEntry

        actions = [e.action for e in db.session.query(AuditEntry).filter(
            AuditEntry.action.like("account_request.%")).order_by(AuditEntry.id)]
        assert actions == ["account_request.file", "account_request.approve", "account_request.done",
                           "account_request.file", "account_request.emergency_lock"]


# --- Điều 10: forms, periods, submission, review (F1, F4, W1, W2) -----------------------------------------


def test_dieu_10_khoan_1_khoan_6_the_so_maintains_the_forms_the_units_fill(app, hn, web_admin):
    """Điều 10 khoản 1, 6 (F1): the forms are on the system with their indicators; the Sở designs them, a xã cannot."""
    ba_vi = hn[BA_VI]
    forms = {f["code"]: f for f in ok(ba_vi.client.get("/api/v1/form/", headers=ba_vi.headers))["result"]}
    assert {"HN-DT01", "HN-TG01"} <= set(forms)
    assert forms["HN-TG01"]["name"].startswith("Biểu TG01: Tình hình tôn giáo, tín ngưỡng")
    assert web_admin.get("/forms/list/").status_code == 200
    assert denied(web(app, ba_vi.username).get("/forms/list/"))


def test_dieu_10_khoan_3_reports_of_december_fall_due_on_14_december(hn):
    """Điều 10 khoản 3 (F4): on 5/12 a xã has its annual reports (01/01–31/12), due 14/12, and no second-half or
    quý IV report, which the regulation does not ask for."""
    ba_vi = hn[BA_VI]
    due = {(r["form_code"], r["period_code"]): r["deadline"] for r in ba_vi.reports()}
    assert due == {("HN-DT01", "2026"): "2026-12-14", ("HN-TG01", "2026"): "2026-12-14"}
    periods = {p["code"]: p for p in ok(ba_vi.client.get("/api/v1/period/", headers=ba_vi.headers))["result"]}
    assert (periods["2026"]["start"], periods["2026"]["end"]) == ("2026-01-01", "2026-12-31")


def test_dieu_10_khoan_3_quy_1_six_months_and_quy_3_carry_their_cut_off_dates(app, cli):
    """Điều 10 khoản 3 (F4): quý I due 14/3 (01/01–14/03); 6 tháng due 14/6 (01/01–14/06); quý III due 14/9
    (15/06–14/09)."""
    with app.app_context():
        factories.real_province("ha_noi", on=date(2026, 3, 5))
    for day in ("2026-06-05", "2026-09-05"):
        assert cli("reports", "assign", "--date", day).exit_code == 0
    ba_vi = Officers(app)[BA_VI]
    due = {(r["form_code"], r["period_code"]): r["deadline"] for r in ba_vi.reports()}
    assert due == {("HN-TG01", "2026Q1"): "2026-03-14", ("HN-DT01", "2026S1"): "2026-06-14",
                   ("HN-TG01", "2026S1"): "2026-06-14", ("HN-TG01", "2026Q3"): "2026-09-14"}  # no quý II
    periods = {p["code"]: (p["start"], p["end"])
               for p in ok(ba_vi.client.get("/api/v1/period/", headers=ba_vi.headers))["result"]}
    assert periods["2026Q1"] == ("2026-01-01", "2026-03-14")
    assert periods["2026S1"] == ("2026-01-01", "2026-06-14")
    assert periods["2026Q3"] == ("2026-06-15", "2026-09-14")


@pytest.mark.calendar
@pytest.mark.at("2026-12-10T10:00:00+07:00")
def test_dieu_10_khoan_3_a_late_commune_is_shown_to_the_so(hn, now):
    """Điều 10 khoản 3 (F4): a report sent after 14/12 is accepted but marked late for the Sở; the others on time."""
    sent(hn[BAT_TRANG], "HN-DT01", DT01, "2026")  # on 10/12
    now.move_to("2026-12-15T09:00:00+07:00")  # Ba Vì and the Sở sign in on 15/12
    city, ba_vi = hn[CITY], hn[BA_VI]
    pk = sent(ba_vi, "HN-DT01", DT01, "2026")
    assert ba_vi.report(pk)["late"] is True
    found = ok(city.client.get("/api/v1/completeness/?form=HN-DT01&period=2026", headers=city.headers))
    by_unit = {u["unit_code"]: u for u in found["units"]}
    assert (by_unit[BA_VI]["on_time"], by_unit[BAT_TRANG]["on_time"]) == (False, True)
    assert by_unit[HOAN_KIEM]["submitted_at"] is None


def test_dieu_10_khoan_4_the_signed_stamped_scan_goes_with_the_report(hn):
    """Điều 10 khoản 4 (W1): fill the form, attach the signed and stamped scan, press submit — not without the scan."""
    ba_vi, city = hn[BA_VI], hn[CITY]
    pk = the_report(ba_vi, "HN-TG01")
    ok(ba_vi.put(pk, TG01))
    refused = ba_vi.act(pk, "submit")
    assert refused.status_code == 409 and refused.get_json()["message"] == SCAN_VI
    assert ba_vi.report(pk)["state"] == "draft"
    assert ba_vi.upload(pk, EXE, "phieu-da-ky.pdf").status_code == 422
    ok(ba_vi.upload(pk, png_bytes(), "phiếu TG01 đã ký, đóng dấu.png"), 201)
    done = ok(ba_vi.act(pk, "submit"))
    assert (done["state"], done["level"]) == ("submitted", "province")
    seen = city.report(pk)
    assert [a["filename"] for a in seen["attachments"]] == ["phiếu TG01 đã ký, đóng dấu.png"]
    assert seen["allowed_actions"] == ["approve", "return"]
    printed = city.client.get(f"/api/v1/report/{pk}/pdf", headers=city.headers)
    assert printed.status_code == 200 and printed.data.startswith(b"%PDF")


def test_dieu_10_khoan_5_the_so_approves_or_returns_and_the_unit_corrects_in_time(hn):
    """Điều 10 khoản 5 (W2): the Sở checks on the system, returns with the error found, the xã corrects and resends,
    the Sở approves; the xã is told each time."""
    ba_vi, city, hoan_kiem = hn[BA_VI], hn[CITY], hn[HOAN_KIEM]
    pk = sent(ba_vi, "HN-TG01", TG01)
    assert city.act(pk, "return").status_code == 422  # the error must be named
    reason = "Số chức sắc chưa khớp danh sách Ban Trị sự gửi Sở"
    assert ok(city.act(pk, "return", reason))["state"] == "returned"
    assert any(reason in n for n in ba_vi.notices()) and not any(reason in n for n in hoan_kiem.notices())
    ok(ba_vi.put(pk, {"clergy": 16}))
    assert ok(ba_vi.act(pk, "submit"))["state"] == "submitted"
    assert ok(city.act(pk, "approve"))["state"] == "approved"
    assert any(n.startswith("Báo cáo đã được duyệt") for n in ba_vi.notices())
    history = steps(ba_vi.report(pk))
    assert [(s[0], s[2], s[4]) for s in history] == [
        ("submit", "submitted", BA_VI), ("return", "returned", CITY), ("submit", "submitted", BA_VI),
        ("approve", "approved", CITY)]
    assert history[1][5] == reason and ba_vi.report(pk)["values"]["clergy"] == 16


@pytest.mark.calendar
def test_dieu_7_khoan_10_dieu_8_khoan_9_usage_is_reported_per_unit(app, hn, web_admin):
    """Điều 7 khoản 10, Điều 8 khoản 9 (R10): the Sở reads, per xã, logins and reports sent, and saves it as CSV."""
    ba_vi = hn[BA_VI]
    sent(ba_vi, "HN-DT01", DT01, "2026")
    resp = web_admin.get(f"/usage/export.csv?unit=01&start=2026-01-01&end={clock.today().isoformat()}")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    mine = [r for r in rows if "Xã Ba Vì" in r]
    assert mine and any(cell == "1" for cell in mine[0])
    assert denied(web(app, ba_vi.username).get("/usage/"))


# --- Điều 8, Điều 11–13: operations and safety (S2–S6, S9) ----------------------------------------------------


def test_dieu_8_khoan_5_dieu_13_khoan_4_maintenance_is_announced_48_hours_ahead(make_app, admin, monkeypatch):
    """Điều 8 khoản 5, Điều 13 khoản 4 (S3): planned maintenance is refused under 48 hours' notice and shown to the
    units from 48 hours before it starts; an emergency is shown at once."""
    app = make_app(PLUGIN_REFRESH_SECONDS=0)
    hn = set_up_province(app, "ha_noi")
    ba_vi = hn[BA_VI]
    browser = app.test_client()
    assert login(browser, "admin", admin["password"]).status_code == 302
    now = clock.utcnow().replace(second=0, microsecond=0)
    local = now + clock.LOCAL_OFFSET

    def announce(hours, emergency=False):
        start = local + timedelta(hours=hours)
        return browser.post("/maintenance/add", data={
            "starts_at": f"{start:%Y-%m-%d %H:%M:%S}", "ends_at": f"{start + timedelta(hours=2):%Y-%m-%d %H:%M:%S}",
            "emergency": "y" if emergency else "", "message": "Nâng cấp phiên bản Hệ thống"}, follow_redirects=True)

    def window():
        return ba_vi.client.get("/api/v1/report/", headers=ba_vi.headers).headers.get("X-Baocao-Maintenance")

    late = announce(40).get_data(as_text=True)
    assert "ít nhất 48 giờ" in late, re.findall(r'alert[^>]*>(.*?)<', late, re.S)
    assert window() is None
    accepted = announce(50).get_data(as_text=True)
    assert "ít nhất 48 giờ" not in accepted, re.findall(r'alert[^>]*>(.*?)<', accepted, re.S)
    assert window() is None  # 50 hours ahead: not yet shown
    monkeypatch.setattr(clock, "utcnow", lambda: now + timedelta(hours=3))
    assert window()  # 47 hours ahead: every answer carries it
    monkeypatch.setattr(clock, "utcnow", lambda: now)
    announce(1, emergency=True)
    assert window()


def test_dieu_8_khoan_6_khoan_7_backups_are_made_and_proved_by_restoring_them(app, hn, cli, tmp_path, monkeypatch):
    """Điều 8 khoản 6–7, Điều 13 khoản 1, Điều 12 khoản 4 (S2, S11): a backup is written encrypted and verified by
    restoring it into a scratch database."""
    from core.reporting import attachments

    sent(hn[BA_VI], "HN-DT01", DT01, "2026")
    monkeypatch.setenv("BACKUP_KEY", attachments.generate_key())
    made = cli("backup", "create", "--output", str(tmp_path / "backups"))
    assert made.exit_code == 0, made.output
    path = made.output.strip().splitlines()[-1]
    assert "Phường Hoàn Kiếm".encode() not in open(path, "rb").read()
    checked = cli("backup", "verify", path)
    assert checked.exit_code == 0, checked.output


def test_dieu_11_dieu_13_khoan_8_attachments_are_encrypted_at_rest(app, hn):
    """Điều 11, Điều 13 khoản 8 (S6): the signed scan a xã attaches is stored encrypted, yet reads back whole."""
    from core.reporting.attachments import storage_root

    ba_vi = hn[BA_VI]
    pk = the_report(ba_vi, "HN-DT01")
    scan = png_bytes()
    stored = ok(ba_vi.upload(pk, scan, "bien-ban.png"), 201)["result"]
    with app.app_context():
        files = [p for p in storage_root().rglob("*") if p.is_file()]
    assert files and all(scan not in p.read_bytes() and b"PNG" not in p.read_bytes()[:16] for p in files)
    back = ba_vi.client.get(f"/api/v1/report/{pk}/attachments/{stored['id']}", headers=ba_vi.headers)
    assert back.status_code == 200 and back.data == scan


@pytest.mark.skip(reason="encryption in transit is TLS on the web server in front of the app (docs/deploy.md), "
                         "outside the process the tests drive")
def test_dieu_11_dieu_13_khoan_8_data_is_encrypted_in_transit():
    """Điều 11, Điều 13 khoản 8 (S6): mã hóa dữ liệu khi truyền đưa trên môi trường mạng."""


def test_dieu_12_khoan_2_khoan_5_incidents_are_recorded_and_classified_by_impact(app, hn, web_admin):
    """Điều 12 khoản 2, 5 (S4): each technical incident and its handling is recorded and classified; a xã cannot see
    the register."""
    incident = {"occurred_at": "2026-12-04 21:10:00", "detected_at": "2026-12-04 21:25:00",
                "title": "Gián đoạn truy cập Hệ thống do lỗi chứng thư số máy chủ", "impact": "high",
                "category": "hạ tầng", "description": "Người dùng các xã, phường không truy cập được Hệ thống.",
                "actions_taken": "Gia hạn chứng thư số, khởi động lại dịch vụ; báo cáo Sở.", "resolution": "",
                "resolved_at": "", "reported_by": "", "status": "open"}
    assert web_admin.post("/incidents/add", data=incident).status_code == 302
    listed = web_admin.get("/incidents/list/").get_data(as_text=True)
    assert incident["title"] in listed
    exported = web_admin.get("/incidents/export.csv").get_data(as_text=True)
    assert incident["title"] in exported and "hạ tầng" in exported
    hn[BA_VI]
    assert denied(web(app, BA_VI.lower()).get("/incidents/list/"))


def test_dieu_12_khoan_1_khoan_3_dieu_14_the_help_page_says_whom_to_tell(app):
    """Điều 12 khoản 1, 3, Điều 13 khoản 6, Điều 14, Điều 10 khoản 2 (S9): who takes incident reports, and the
    system's address."""
    with app.app_context():
        from core.platform import plugin_admin
        from core.platform.extensions import db

        plugin_admin.set_enabled(db.session, "ha_noi", True)
        db.session.commit()
    page = app.test_client().get("/help/").get_data(as_text=True)
    for who in ("Sở Dân tộc và Tôn giáo thành phố Hà Nội", "Công an thành phố Hà Nội",
                "Sở Khoa học và Công nghệ thành phố Hà Nội", "https://dulieudantoctongiao.hanoi.gov.vn"):
        assert who in page


@pytest.mark.skip(reason="the security level file under Decree 85/2016 and Circular 12/2022 is an assessment by the "
                         "Sở with Công an Thành phố, not a software function")
def test_dieu_8_khoan_2_dieu_13_khoan_7_security_level_under_decree_85():
    """Điều 8 khoản 2, Điều 13 khoản 7 (S7): hồ sơ cấp độ an toàn thông tin theo Nghị định 85/2016/NĐ-CP."""


@pytest.mark.skip(reason="continuous, highly available operation depends on the operator's infrastructure and "
                         "monitoring; /health is tested in tests/test_health.py")
def test_dieu_4_khoan_3_dieu_13_khoan_1_the_system_runs_continuously():
    """Điều 4 khoản 3, Điều 11, Điều 13 khoản 1–2 (S1): bảo đảm Hệ thống hoạt động ổn định, liên tục."""


@pytest.mark.skip(reason="keeping data through upgrades is the migrations' job, tested in tests/test_migrations.py, "
                         "not a Hà Nội behaviour")
def test_dieu_8_khoan_3_upgrades_keep_the_data():
    """Điều 8 khoản 3 (S11): nâng cấp không làm ảnh hưởng tính toàn vẹn, khả năng truy cập, giá trị pháp lý của
    dữ liệu."""


@pytest.mark.skip(reason="training and guidance of users are organised by the Sở and the operator, outside the system")
def test_dieu_13_khoan_9_dieu_14_khoan_4_users_are_trained():
    """Điều 13 khoản 9, Điều 14 khoản 4, Điều 7 khoản 7, Điều 17 khoản 7: tuyên truyền, hướng dẫn, tập huấn."""


# --- baocao init ------------------------------------------------------------------------------------------------


def test_dieu_2_dieu_10_khoan_2_baocao_init_loads_ha_noi_with_its_forms_and_demo_accounts(cli, make_app):
    """Điều 2, Điều 10 khoản 2 (H1, A1): ``baocao init --province ha_noi --demo`` loads the city, its xã, phường
    and forms."""
    result = cli("init", "--province", "ha_noi", "--demo")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert any(line.startswith("units of Thành phố Hà Nội (2025): 127 created") for line in lines), lines
    assert {"form HN-DT01 created", "form HN-TG01 created"} <= set(lines)
    assert "agencies of Thành phố Hà Nội: 6 created, 0 updated" in lines
    accounts = [line.split("\t") for line in lines if "\t" in line]
    assert accounts[-1][0] == "admin" and len(accounts) == 3  # the city, its first commune, the admin
    app = make_app()
    with app.app_context():
        from core.platform.extensions import db
        from core.hierarchy.models import Unit

        kinds = dict(db.session.query(Unit.kind, db.func.count()).group_by(Unit.kind).all())
        assert kinds == {"board": 1, "department": 6, "commune": COMMUNES}  # sở, ngành from agency_units
    assert cli("init", "--province", "ha_noi").output.strip().splitlines()[-1] == "already initialised: nothing changed"
