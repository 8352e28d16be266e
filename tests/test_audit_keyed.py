"""The audit chain is keyed and pinned by signed checkpoints (issue "security, round two", item 5).

The attacker in these tests has the database (any SQL) but not ``instance/config.py``: they edit a
row and recompute the chain and the head the way the old plain SHA-256 chain allowed. The last tests
give them the key too: only a checkpoint exported before the rewrite catches that.
"""
import base64
import hashlib
import json

from sqlalchemy import select, text, update

from core.platform import audit, audit_chain, audit_verify
from core.platform.crypto import key_id
from core.platform.extensions import db
from core.platform.models.audit import GENESIS_HASH, AuditCheckpoint, AuditEntry, AuditHead


def _key(byte: int) -> str:
    return base64.urlsafe_b64encode(bytes([byte]) * 32).decode()


def _events(app, n: int, prefix: str = "test.event") -> list[int]:
    """``n`` entries, one transaction each; their seqs."""
    with app.app_context():
        for i in range(n):
            audit.record(prefix, "Test", i, {"i": i}, actor=audit.Actor(name="tester"))
            db.session.commit()
        return list(db.session.execute(select(AuditEntry.seq).where(AuditEntry.action == prefix)
                                       .order_by(AuditEntry.seq)).scalars())


def _rechain(app, *, edit_seq=None, start=1, legacy_upto=0, key: bytes | None = None, keep_key_ids=False):
    """Rewrite the chain from entry ``start`` on as an attacker would: ``key`` None = plain SHA-256."""
    with app.app_context():
        rows = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
        prev = GENESIS_HASH
        table = AuditEntry.__table__
        for row in rows:
            if row.seq < start:
                prev = row.hash
                continue
            actor = "forger" if row.seq == edit_seq else row.actor
            legacy = row.seq <= legacy_upto or (key is None and not keep_key_ids)
            kid = None if legacy else (row.key_id if key is None else key_id(key))
            fields = audit_chain.hashed_fields({**{c.name: getattr(row, c.name) for c in table.c},
                                                "actor": actor, "key_id": kid})
            new = audit_chain.entry_hash(prev, fields, None if legacy else key)
            db.session.execute(update(table).where(table.c.id == row.id)
                               .values(actor=actor, key_id=kid, prev_hash=prev, hash=new))
            prev = new
        db.session.execute(update(AuditHead.__table__).values(seq=len(rows), hash=prev))
        db.session.commit()
        return len(rows)


def test_entries_are_keyed_and_name_their_key(app):
    _events(app, 2)
    with app.app_context():
        kid = audit_chain.keys()[0]
        rows = db.session.query(AuditEntry).all()
        assert rows and {r.key_id for r in rows} == {kid}
        # the stored hash is not the plain SHA-256 anyone could recompute
        row = rows[-1]
        plain = hashlib.sha256((row.prev_hash + audit_chain.canonical(audit_chain.hashed_fields(row))).encode())
        assert row.hash != plain.hexdigest()


def test_an_edited_row_with_the_plain_chain_recomputed_fails_at_that_row(app, cli):
    target = _events(app, 4)[1]
    _rechain(app, edit_seq=target, start=target, keep_key_ids=True)  # the old attack: SHA-256 from there on
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: audit chain broken at entry {target}: entry {target} was modified"


def test_rewriting_the_tail_as_unkeyed_entries_is_refused(app, cli):
    """The same rewrite with key_id set to NULL, so that it looks like an entry from before the key."""
    target = _events(app, 4)[2]
    _rechain(app, edit_seq=target, start=target)
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: audit chain broken at entry {target}: "
                                     f"entry {target} has no key after keyed entries (rewritten)")


def test_legacy_entries_before_the_key_still_verify_and_are_reported(app, cli):
    """A database from before the key: its plain entries verify, up to the first keyed one."""
    seqs = _events(app, 5)
    with app.app_context():
        _kid, key, _ = audit_chain.keys()
    _rechain(app, legacy_upto=seqs[2], key=key)
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"{seqs[2]} legacy (plain SHA-256, entries 1–{seqs[2]}), 2 keyed" in result.output


def test_a_rotated_key_keeps_old_entries_verifiable(make_app, cli, tmp_path):
    old, new = _key(1), _key(2)
    first = make_app(AUDIT_KEY=old)
    _events(first, 2, "before.rotation")
    second = make_app(AUDIT_KEY=new, AUDIT_OLD_KEYS=[old])
    _events(second, 2, "after.rotation")
    with second.app_context():
        def kids(action):
            return [r.key_id for r in db.session.query(AuditEntry).filter_by(action=action)]

        assert kids("before.rotation") == [key_id(base64.urlsafe_b64decode(old))] * 2
        assert kids("after.rotation") == [key_id(base64.urlsafe_b64decode(new))] * 2
    config = tmp_path / "cli-instance" / "config.py"
    config.write_text(f"AUDIT_KEY = {new!r}\nAUDIT_OLD_KEYS = [{old!r}]\n", encoding="utf-8")
    assert cli("audit", "verify").exit_code == 0
    # forgetting the old key is named, not mistaken for tampering
    config.write_text(f"AUDIT_KEY = {new!r}\n", encoding="utf-8")
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "is under unknown key" in result.output and "AUDIT_OLD_KEYS" in result.output


# --- checkpoints -------------------------------------------------------------------------------


def test_a_full_plain_rewrite_passes_the_chain_but_not_the_checkpoints(app, cli, tmp_path):
    """Every entry rewritten as legacy needs no key; the signed checkpoints, in or out of the db, catch it."""
    _events(app, 3)
    assert cli("audit", "checkpoint").exit_code == 0
    exported = tmp_path / "checkpoints.jsonl"
    result = cli("audit", "export-checkpoints", str(exported))
    assert result.exit_code == 0 and "1 checkpoint(s)" in result.output
    target = _events(app, 2)[0]
    _rechain(app, edit_seq=target)  # every entry rewritten as legacy, one forged
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "does not match the checkpoint of" in result.output and "(database)" in result.output
    # the attacker deletes the database's checkpoints: the chain alone now "passes" ...
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_checkpoint"))
        db.session.commit()
    assert cli("audit", "verify").exit_code == 0
    # ... but not against the exported copy
    result = cli("audit", "verify", "--checkpoints", str(exported))
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "does not match the checkpoint of" in result.output and "checkpoints.jsonl line 1" in result.output


def test_a_key_holders_rewrite_is_caught_by_an_exported_checkpoint(app, cli, tmp_path):
    _events(app, 3)
    cli("audit", "checkpoint")
    exported = tmp_path / "cp.jsonl"
    cli("audit", "export-checkpoints", str(exported))
    seq = json.loads(exported.read_text().splitlines()[0])["seq"]
    with app.app_context():
        _kid, key, _ = audit_chain.keys()
    _rechain(app, edit_seq=seq, key=key)
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_checkpoint"))
        db.session.commit()
    assert cli("audit", "verify").exit_code == 0  # a perfect keyed rewrite
    result = cli("audit", "verify", "--checkpoints", str(exported))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: audit chain broken at entry {seq}: entry {seq} does not match")


def test_a_deleted_tail_with_the_head_rewound_is_caught_by_a_checkpoint(app, cli, tmp_path):
    _events(app, 4)
    cli("audit", "checkpoint")
    with app.app_context():
        last = db.session.query(db.func.max(AuditEntry.seq)).scalar()
        previous = db.session.query(AuditEntry.hash).filter_by(seq=last - 1).scalar()
        db.session.execute(text(f"DELETE FROM audit_entry WHERE seq = {last}"))
        db.session.execute(update(AuditHead.__table__).values(seq=last - 1, hash=previous))
        db.session.commit()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"entries after {last - 1} were deleted (the checkpoint of" in result.output


def test_a_forged_or_edited_checkpoint_file_is_refused(app, cli, tmp_path):
    _events(app, 2)
    cli("audit", "checkpoint")
    exported = tmp_path / "cp.jsonl"
    cli("audit", "export-checkpoints", str(exported))
    item = json.loads(exported.read_text())
    item["seq"] -= 1
    exported.write_text(json.dumps(item) + "\n")
    result = cli("audit", "verify", "--checkpoints", str(exported))
    assert result.exit_code == 1 and "has a bad signature" in result.output
    exported.write_text("not json\n")
    result = cli("audit", "verify", "--checkpoints", str(exported))
    assert result.exit_code == 1 and result.output.strip() == f"Error: {exported} line 1 is not a checkpoint"


def test_checkpoints_verify_after_a_key_rotation(make_app, cli, tmp_path):
    old, new = _key(3), _key(4)
    first = make_app(AUDIT_KEY=old)
    _events(first, 2)
    with first.app_context():
        audit_verify.checkpoint(db.session)
        db.session.commit()
    config = tmp_path / "cli-instance" / "config.py"
    config.write_text(f"AUDIT_KEY = {new!r}\nAUDIT_OLD_KEYS = [{old!r}]\n", encoding="utf-8")
    assert cli("audit", "checkpoint").exit_code == 0
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "2 checkpoint(s) match" in result.output
    with first.app_context():
        assert db.session.query(AuditCheckpoint).count() == 2


def test_the_checkpoint_job_is_scheduled(app):
    from core.platform.jobs import scheduled

    with app.app_context():
        jobs = {job.name: job for job in scheduled(app)}
    assert jobs["core.audit.checkpoint"].func == "core.platform.access_log:checkpoint_job"
    assert jobs["core.audit.seal"].cron == "* * * * *"


def test_init_writes_an_audit_key(tmp_path, monkeypatch):
    from core.platform.instance import ensure_instance

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    ensure_instance(tmp_path)
    config = (tmp_path / "config.py").read_text()
    assert "AUDIT_KEY = '" in config
    namespace: dict = {}
    exec(config, namespace)
    assert len(base64.urlsafe_b64decode(namespace["AUDIT_KEY"])) == 32
    assert namespace["AUDIT_KEY"] != namespace["FIELD_KEY"]
