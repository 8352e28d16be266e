"""Input rules for the API (docs/security.md): numbers are JSON numbers or plain machine text, an empty
save is refused, and a password longer than 256 characters is refused before anything hashes it.

The Vietnamese forms ("1.234" for one thousand two hundred thirty-four, "1.234,5") are for the screens:
read the Vietnamese way, an integrator's "1.234" was stored as 1234 while "1.5" was refused.
"""
from __future__ import annotations

import pytest

from core.platform.extensions import db
from core.reporting import entry
from tests import factories
from tests.conftest import login
from tests.test_report_api import _get, _put, auth, cb  # noqa: F401 (fixtures)


@pytest.mark.parametrize("sent, stored", [(1234, 1234), ("1234", 1234), (" 1234 ", 1234), (0, 0), ("0", 0)])
def test_an_integer_field_takes_json_numbers_and_plain_machine_text(cb, auth, sent, stored):
    pk = cb["reports"]["X011"]
    resp = _put(auth, "x011", pk, {"households": sent})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["values"]["households"] == stored


@pytest.mark.parametrize("sent", ["1.234", "1.5", "1.234,5", "1,234", "1 234", "1e3", "12,5", "0x10", "--1", "١٢"])
def test_vietnamese_or_other_number_forms_are_refused_on_the_api(cb, auth, sent):
    pk = cb["reports"]["X011"]
    resp = _put(auth, "x011", pk, {"households": sent})
    assert resp.status_code == 422, resp.get_json()
    assert "households" in resp.get_json()["errors"]
    assert _get(auth, "x011", pk).get_json()["result"]["values"]["households"] is None  # nothing stored


def test_the_screens_keep_reading_numbers_the_vietnamese_way(cb):
    app = cb["app"]
    with app.app_context():
        from core.reporting.models import Report

        report = db.session.get(Report, cb["reports"]["X011"])
        assert entry.save(db.session, report, {"households": "1.234"}) == {}  # a clerk's "1.234" is 1234
        assert entry.values_of(db.session, report)[("households", "")] == 1234
        errors = entry.check(db.session, report, {"households": "1.234"}, machine=True).errors
        assert "households" in errors  # the same text from a program is 1.234, not a whole number
        db.session.rollback()


def test_an_empty_values_object_is_a_422_not_a_silent_200(cb, auth):
    resp = _put(auth, "x011", cb["reports"]["X011"], {})
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == {"values": [resp.get_json()["errors"]["values"][0]]}


def test_the_data_exchange_reads_values_as_a_program_writes_them(cb, auth):
    """A DHIS2 value "1.234" is 1.234: refused for a whole-number field, never stored as 1234."""
    from core.exchange.datavalues import DataValue, ValueSet
    from core.exchange.mapping import Mapper
    from core.exchange.values import import_values

    app = cb["app"]
    with app.app_context():
        from core.reporting.models import Report

        report = db.session.get(Report, cb["reports"]["X011"])
        values = ValueSet(values=[DataValue("households", report.period.code, "X011", "1.234", row=1)])
        result = import_values(db.session, values, Mapper(db.session, None), form_code=report.form.code)
        assert result.errors and result.errors[0]["row"] == 1
        db.session.rollback()
        assert entry.values_of(db.session, report) == {}


LONG = "Aa1!" * 65  # 260 characters, every class the policy asks for


@pytest.fixture
def hashes(monkeypatch):
    """Counts every password hash werkzeug computes (check and generate alike)."""
    import werkzeug.security

    counted = []
    real = werkzeug.security._hash_internal

    def counting(*args, **kwargs):
        counted.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", counting)
    return counted


def test_a_password_over_256_characters_is_refused_before_hashing_on_the_api(cb, auth, hashes):
    headers = auth("x011")
    hashes.clear()
    login_api = auth.client.post("/api/v1/security/login", json={"username": "x011", "password": LONG,
                                                                 "provider": "db"})
    change = auth.client.post("/api/v1/me/password", headers=headers,
                              json={"old_password": factories.NEW_PASSWORD, "new_password": LONG})
    for resp, field in ((login_api, "password"), (change, "new_password")):
        assert resp.status_code == 422, resp.get_json()
        assert resp.get_json()["rules"] == ["max_length"] and field in resp.get_json()["errors"]
    assert hashes == []  # refused at the door: not one hash computed


def test_a_password_over_256_characters_is_refused_on_the_screens_and_by_the_policy(cb, hashes):
    app = cb["app"]
    client = app.test_client()
    hashes.clear()
    assert client.post("/login/", data={"username": "x011", "password": LONG}).status_code == 400
    assert hashes == []
    with app.app_context():
        from core.accounts import passwords

        broken = passwords.check(LONG, passwords.policy(), previous=["scrypt:32768:8:1$x$y"])
        assert [v.rule for v in broken] == ["max_length"]
        assert passwords.check("Aa1!" * 64, passwords.policy()) == []  # 256 is allowed
    assert login(client, "x011", cb["one_time"]["x011"]).status_code == 302  # an ordinary one still works
