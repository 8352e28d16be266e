"""S6: officers' phone numbers and e-mail addresses are encrypted at rest, transparently to the code,
and the key can be rotated without losing a value."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from core.accounts import lifecycle as accounts
from core.platform import crypto
from core.platform.extensions import db
from core.hierarchy.models import Unit, UnitHolder
from tests import factories

OLD_KEY, NEW_KEY = crypto.generate_key(), crypto.generate_key()
EMAIL, PHONE = "lan@huyen-haquang.vn", "0912 345 678"


def _hand_over(app):
    with app.app_context():
        factories.province()
        h01 = db.session.query(Unit).filter_by(code="H01").one()
        account = accounts.issue(db.session, "H01")[0]
        accounts.handover(db.session, account, "Nông Thị Lan", phone=PHONE, email=EMAIL)
        db.session.commit()
        return h01.id


def _stored(app) -> list[tuple]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(text("SELECT phone, email FROM unit_holder ORDER BY id"))]


def test_contact_details_are_stored_encrypted_and_read_back_plain(make_app):
    app = make_app(FIELD_KEY=OLD_KEY)
    unit_id = _hand_over(app)
    (phone, email), = _stored(app)
    assert email.startswith(f"ef1:{crypto.key_id(crypto.decode_key(OLD_KEY))}:") and phone.startswith("ef1:")
    assert EMAIL not in email and "0912" not in phone
    with app.app_context():
        holder = db.session.query(UnitHolder).filter_by(unit_id=unit_id).one()
        assert (holder.phone, holder.email) == (PHONE, EMAIL)
        # NULL stays NULL: the mailer's "has an e-mail" join still works in SQL.
        assert db.session.query(UnitHolder).filter(UnitHolder.email.is_not(None)).count() == 1


def test_two_writes_of_one_value_differ(make_app):
    app = make_app()
    with app.app_context():
        assert crypto.encrypt(EMAIL) != crypto.encrypt(EMAIL)
        assert crypto.decrypt(crypto.encrypt("Nông Thị Lan")) == "Nông Thị Lan"


def test_rotation_old_key_still_reads_and_rotate_fields_rewrites_everything(make_app, cli):
    _hand_over(make_app(FIELD_KEY=OLD_KEY))
    rotated = make_app(FIELD_KEY=NEW_KEY, FIELD_OLD_KEYS=[OLD_KEY])
    with rotated.app_context():
        assert db.session.query(UnitHolder.email).scalar() == EMAIL  # read under the old key

    from pathlib import Path
    import os

    Path(os.environ["BAOCAO_INSTANCE"], "config.py").write_text(
        f"FIELD_KEY = {NEW_KEY!r}\nFIELD_OLD_KEYS = [{OLD_KEY!r}]\n", encoding="utf-8")
    result = cli("keys", "rotate-fields")
    assert result.exit_code == 0, result.output
    assert "2 value(s) re-encrypted" in result.output
    assert "already under the current key" in cli("keys", "rotate-fields").output

    new_only = make_app(FIELD_KEY=NEW_KEY)
    new_id = crypto.key_id(crypto.decode_key(NEW_KEY))
    assert all(v.startswith(f"ef1:{new_id}:") for v in _stored(new_only)[0])
    with new_only.app_context():
        assert db.session.query(UnitHolder.phone).scalar() == PHONE


def test_a_value_under_a_forgotten_key_is_an_error_naming_the_setting(make_app):
    _hand_over(make_app(FIELD_KEY=OLD_KEY))
    app = make_app(FIELD_KEY=NEW_KEY)
    with app.app_context(), pytest.raises(ValueError, match="FIELD_OLD_KEYS"):
        db.session.query(UnitHolder.email).scalar()


def test_the_migration_encrypts_existing_rows_in_place(make_app):
    from flask_migrate import downgrade, upgrade

    app = make_app()
    _hand_over(app)
    with app.app_context():
        directory = app.extensions["migrate"].directory
        db.session.remove()
        downgrade(directory=directory, revision="0006")
        assert db.session.execute(text("SELECT phone, email FROM unit_holder")).one() == (PHONE, EMAIL)
        db.session.remove()
        upgrade(directory=directory, revision="head")  # through 0011; never leave a shared database behind
        db.session.remove()
    (phone, email), = _stored(app)
    assert phone.startswith("ef1:") and email.startswith("ef1:")
    with app.app_context():
        assert db.session.query(UnitHolder.email).scalar() == EMAIL
