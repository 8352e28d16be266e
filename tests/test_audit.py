"""The audit log records who did what, and its hash chain exposes any edit or deletion in SQL."""
import json

from sqlalchemy import text

from core.platform import audit
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from tests.conftest import api_token, login


def _entries(app, **filters):
    with app.app_context():
        query = db.session.query(AuditEntry).filter_by(**filters).order_by(AuditEntry.seq)
        return [(e.action, e.object_type, e.actor, json.loads(e.changes or "null")) for e in query]


def test_adding_a_unit_through_the_screen_is_recorded_with_its_values(app, client, admin):
    from tests import factories

    with app.app_context():
        ids = factories.province()
    login(client, "admin", admin["password"])
    resp = client.post("/units/add", data={"code": "X013", "name": "Xã Mới Lập", "kind": "commune",
                                           "parent": ids["H01"], "active": "y"})
    assert resp.status_code == 302
    created = _entries(app, action="create", object_type="Unit")
    assert created[-1][2] == "admin"
    assert created[-1][3]["name"] == "Xã Mới Lập" and created[-1][3]["code"] == "X013"


def test_an_update_records_before_and_after_and_hides_passwords(app, admin):
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.find_user(username="admin")
        user.first_name = "Nguyễn"
        user.password = "changed-hash"
        db.session.commit()
    action, _, _, diff = _entries(app, action="update", object_type="Account")[-1]
    assert diff["first_name"] == ["Quản trị", "Nguyễn"]
    assert diff["password"][1] == audit.REDACTED


def test_a_collection_change_names_its_members_not_python_objects(app, admin):
    """A disaggregation gaining a category reads "members: added dan_toc", not ``<ComboCategory object at 0x…>``."""
    from core.forms.models.form import Category, CategoryCombo, ComboCategory

    with app.app_context():
        ethnic, sex = Category(code="dan_toc", name="Dân tộc"), Category(code="gioi_tinh", name="Giới tính")
        combo = CategoryCombo(code="dt_gt", name="Dân tộc × giới tính")
        db.session.add_all([ethnic, sex, combo])
        db.session.commit()
        combo.members.append(ComboCategory(category=ethnic, position=0))
        combo.members.append(ComboCategory(category=sex, position=1))
        db.session.commit()
    diffs = [diff for action, kind, _, diff in _entries(app, object_type="CategoryCombo") if action == "update"]
    assert diffs and sorted(diffs[-1]["members"]["added"]) == ["dan_toc", "gioi_tinh"]
    assert "object at 0x" not in json.dumps(diffs)


def test_login_success_and_failure_are_recorded_with_ip(app, client, admin):
    login(client, "admin", "wrong-password")
    login(client, "nobody", "whatever")
    login(client, "admin", admin["password"])
    with app.app_context():
        rows = db.session.query(AuditEntry).filter(AuditEntry.action.like("login%")).order_by(AuditEntry.seq).all()
        assert [(r.action, r.actor, r.ip) for r in rows] == [
            ("login_failed", "admin", "127.0.0.1"),
            ("login_failed", "nobody", "127.0.0.1"),
            ("login", "admin", "127.0.0.1"),
        ]


def test_a_rolled_back_change_leaves_no_audit_row(app, admin):
    with app.app_context():
        before = db.session.query(AuditEntry).count()
        user = app.appbuilder.sm.find_user(username="admin")
        user.last_name = "tạm"
        db.session.flush()
        db.session.rollback()
        assert db.session.query(AuditEntry).count() == before
        assert audit.verify(db.session).ok


def test_verify_passes_on_an_untouched_chain(cli, admin):
    result = cli("audit", "verify")
    assert result.exit_code == 0
    assert "intact" in result.output


def _tamper(app, sql):
    with app.app_context():
        db.session.execute(text(sql))
        db.session.commit()


def _middle_entry(app, cli) -> int:
    """Make two entries through the CLI; return the seq of the first, which has a successor."""
    cli("plugins", "enable", "example")
    cli("plugins", "disable", "example")
    with app.app_context():
        return db.session.query(AuditEntry).filter_by(action="plugin.enable").one().seq


def test_verify_names_the_first_edited_row(app, cli, admin):
    target = _middle_entry(app, cli)
    _tamper(app, f"UPDATE audit_entry SET actor = 'someone-else' WHERE seq = {target}")
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: audit chain broken at entry {target}: entry {target} was modified"


def test_verify_catches_a_deleted_row_in_the_middle(app, cli, admin):
    target = _middle_entry(app, cli)
    _tamper(app, f"DELETE FROM audit_entry WHERE seq = {target}")
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"entry {target} is missing" in result.output


def test_verify_catches_a_deleted_last_row(app, cli, admin):
    cli("plugins", "enable", "example")
    with app.app_context():
        last = db.session.query(db.func.max(AuditEntry.seq)).scalar()
    _tamper(app, f"DELETE FROM audit_entry WHERE seq = {last}")
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "deleted" in result.output


def test_verify_catches_a_rehashed_edit(app, cli, admin):
    """Recomputing the edited row's own hash, even with the key, is not enough: the next row's link breaks."""
    from core.platform import audit_chain

    seq = _middle_entry(app, cli)
    with app.app_context():
        row = db.session.query(AuditEntry).filter_by(seq=seq).one()
        fields = audit._hashed_fields(row) | {"actor": "forger"}
        forged = audit.entry_hash(row.prev_hash, fields, audit_chain.keys()[2][row.key_id])
        seq = row.seq
    _tamper(app, f"UPDATE audit_entry SET actor = 'forger', hash = '{forged}' WHERE seq = {seq}")
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"entry {seq + 1} does not link" in result.output


def test_audit_api_is_for_admins_and_lists_newest_first(app, client, admin):
    assert client.get("/api/v1/audit/").status_code == 401
    token = api_token(client, "admin", admin["password"])
    resp = client.get("/api/v1/audit/", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    body = resp.get_json()
    seqs = [row["seq"] for row in body["result"]]
    assert seqs == sorted(seqs, reverse=True)
    assert body["result"][0]["action"] == "login"
    assert client.delete(f"/api/v1/audit/{body['ids'][0]}", headers={"Authorization": f"Bearer {token}"}).status_code in (404, 405)


def test_audit_screen_is_read_only(app, client, admin):
    login(client, "admin", admin["password"])
    page = client.get("/audit/list/")
    assert page.status_code == 200
    assert client.get("/audit/add").status_code == 404
    assert client.get("/audit/delete/1").status_code == 404
