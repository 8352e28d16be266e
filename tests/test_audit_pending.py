"""Audit entries are written pending and chained afterwards by one chainer (issue 17).

What must hold, whatever the timing: the chain keeps each transaction's order and has no gap; an edit
made while an entry waits is caught (and not laundered into the chain); a chainer that does not run
is reported; a rolled-back change leaves no entry; a crash between the commit and the chainer loses
nothing, the next run chains what waits.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update

from core.platform import audit, audit_chainer, audit_verify, clock
from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from tests import factories
from tests.conftest import PG_URL
from tests.test_report_api import _act, auth, cb  # noqa: F401 (fixtures)

TESTER = audit.Actor(name="tester")


def _committed_but_not_chained(app, action: str, at=None, n: int = 1) -> list[int]:
    """Entries as a process leaves them when it dies between its commit and its chainer run."""
    with app.app_context():
        entries = [audit._entry(TESTER, action, "Test", i, {"i": i}) for i in range(n)]
        if at is not None:
            entries = [dict(e, at=at) for e in entries]
        with db.engine.begin() as connection:
            connection.execute(insert(AuditEntry.__table__), audit.pending_rows(entries))
        return list(db.session.execute(select(AuditEntry.id).where(AuditEntry.action == action)
                                       .order_by(AuditEntry.id)).scalars())


def _pending(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.seq.is_(None))).scalar()


def _seqs(app, action: str) -> list[int | None]:
    with app.app_context():
        return list(db.session.execute(select(AuditEntry.seq).where(AuditEntry.action == action)
                                       .order_by(AuditEntry.id)).scalars())


def test_an_entry_is_pending_in_its_transaction_and_chained_after_the_commit(app):
    with app.app_context():
        audit.record("test.pending", "Test", 1, {"a": 1}, actor=TESTER)
        row = db.session.execute(select(AuditEntry).where(AuditEntry.action == "test.pending")).scalar_one()
        assert row.seq is None and row.hash is None and row.mac  # written at once, keyed, no place yet
        db.session.commit()
        row = db.session.execute(select(AuditEntry).where(AuditEntry.action == "test.pending")).scalar_one()
        last = db.session.execute(select(func.max(AuditEntry.seq))).scalar()
        assert row.seq == last and row.prev_hash and row.hash
        verdict = audit_verify.verify(db.session)
    assert verdict.ok, verdict.reason
    assert verdict.pending == 0


def test_a_crash_between_commit_and_chain_loses_nothing(app, now):
    ids = _committed_but_not_chained(app, "test.crash", n=3)
    assert _seqs(app, "test.crash") == [None, None, None]
    with app.app_context():
        assert audit_verify.verify(db.session).pending == 3  # waiting is not broken, for a while
    now.shift(timedelta(seconds=5))
    with app.app_context():
        assert audit_chainer.chain_pending(db.engine) == 3  # the next run (heartbeat, verify, a commit)
        seqs = _seqs(app, "test.crash")
        assert seqs == sorted(seqs) and seqs[-1] - seqs[0] == 2  # in id order, no gap
        assert len(ids) == 3 and audit_verify.verify(db.session).ok


def test_the_workers_heartbeat_chains_what_a_dead_process_left(app):
    from core.platform import jobs

    _committed_but_not_chained(app, "test.heartbeat", n=2)
    with app.app_context():
        jobs.heartbeat()  # the scheduled core.heartbeat, every minute
    assert None not in _seqs(app, "test.heartbeat")


def test_the_next_commit_chains_what_a_dead_process_left(app):
    _committed_but_not_chained(app, "test.left", n=2)
    with app.app_context():
        audit.record("test.next", "Test", 1, actor=TESTER)
        db.session.commit()
    left, after = _seqs(app, "test.left"), _seqs(app, "test.next")
    assert None not in left and left[-1] < after[0]  # older ids first


def test_an_entry_edited_while_pending_is_reported_and_never_chained(app, cli):
    [entry_id] = _committed_but_not_chained(app, "test.edited")
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(actor="forger"))
        db.session.commit()
        assert audit_chainer.chain_pending(db.engine) == 0
        assert db.session.get(AuditEntry, entry_id).seq is None
        verdict = audit_verify.verify(db.session)
    assert not verdict.ok
    assert verdict.reason == f"pending entry id {entry_id} was modified before it was chained"
    result = cli("audit", "verify")
    assert result.exit_code == 1 and f"pending entry id {entry_id} was modified" in result.output
    # Entries written after it are chained all the same: one bad row does not stop the log.
    with app.app_context():
        audit.record("test.after_edit", "Test", 1, actor=TESTER)
        db.session.commit()
    assert _seqs(app, "test.after_edit")[0] is not None


def test_a_stuck_chainer_is_reported_then_cleared_by_the_next_run(app, cli, now):
    _committed_but_not_chained(app, "test.stuck", at=clock.utcnow() - timedelta(minutes=10))
    with app.app_context():
        verdict = audit_verify.verify(db.session)
    assert not verdict.ok and verdict.reason.startswith("the audit chainer is stuck")
    # `baocao audit verify` runs the chainer first: the entry takes its place and the log is whole.
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert _seqs(app, "test.stuck")[0] is not None


@pytest.mark.skipif(not PG_URL, reason="the advisory lock is PostgreSQL's")
def test_a_chainer_held_elsewhere_leaves_entries_pending_and_verify_says_stuck(app, now):
    with app.app_context():
        with db.engine.connect() as holder:  # a chainer that hangs with the lock
            holder.execute(select(func.pg_advisory_lock(audit_chainer.LOCK_KEY)))
            audit.record("test.held", "Test", 1, actor=TESTER)
            db.session.commit()  # committed; its chainer run finds the lock taken and leaves it
            assert _seqs(app, "test.held") == [None]
            now.shift(timedelta(minutes=10))
            verdict = audit_verify.verify(db.session)
            assert not verdict.ok and "stuck" in verdict.reason
            holder.execute(select(func.pg_advisory_unlock(audit_chainer.LOCK_KEY)))
            holder.commit()
        assert audit_chainer.chain_pending(db.engine) == 1
        assert audit_verify.verify(db.session).ok


# --- a rolled-back change leaves no entry ---------------------------------------------------------


def test_an_event_recorded_before_any_transaction_then_rolled_back_leaves_nothing(app):
    """The bug of the queued entries: recorded when no transaction had begun, rolled back, they came
    back with the next commit of the same session."""
    with app.app_context():
        db.session.remove()
        audit.record("test.rolled_back", "Test", 1, actor=TESTER)
        db.session.rollback()
        audit.record("test.kept", "Test", 2, actor=TESTER)
        db.session.commit()
    assert _seqs(app, "test.rolled_back") == []
    assert len(_seqs(app, "test.kept")) == 1


def test_a_rolled_back_savepoint_takes_its_entries_with_it(app):
    with app.app_context():
        audit.record("test.outer", "Test", 1, actor=TESTER)
        try:
            with db.session.begin_nested():
                audit.record("test.inner", "Test", 2, actor=TESTER)
                raise RuntimeError("the inner step failed")
        except RuntimeError:
            pass
        db.session.commit()
    assert _seqs(app, "test.inner") == [] and len(_seqs(app, "test.outer")) == 1


@factories.ON_ASSIGNMENT_DAY
def test_a_refused_request_leaves_no_audit_row(cb, auth):
    """Submit with values: the save writes its entry, then the workflow refuses (a required field is
    missing) and the request rolls back: no ``report.save`` entry, pending or chained."""
    app, pk = cb["app"], cb["reports"]["X011"]
    auth("x011")
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar()
    resp = _act(auth, "x011", pk, "submit", values={"households": 120})
    assert resp.status_code == 409
    with app.app_context():
        saved = db.session.execute(select(AuditEntry).where(AuditEntry.action == "report.save",
                                                            AuditEntry.object_id == str(pk))).all()
        after = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar()
    assert saved == [] and after == before


# --- order under concurrency (PostgreSQL) ---------------------------------------------------------


@pytest.mark.skipif(not PG_URL, reason="concurrent writers need PostgreSQL")
@pytest.mark.parametrize("background", [False, True], ids=["after-commit", "chainer-thread"])
def test_concurrent_transactions_keep_their_order_and_the_chain_has_no_gap(make_app, background):
    app = make_app(AUDIT_CHAIN_IN_BACKGROUND=background, AUDIT_CHAIN_DELAY=0.01)
    threads, per, errors = 8, 6, []
    start = threading.Barrier(threads)

    def writer(n: int):
        try:
            with app.app_context():
                start.wait()
                for round_ in range(3):
                    for i in range(per):
                        audit.record("test.concurrent", "Writer", n, {"round": round_, "i": i}, actor=TESTER)
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    deadline = time.monotonic() + 10
    while _pending(app) and time.monotonic() < deadline:  # the thread chains soon after the commits
        time.sleep(0.05)
    assert _pending(app) == 0  # no entry left behind by a chainer that found the lock taken
    with app.app_context():
        rows = db.session.execute(select(AuditEntry.seq, AuditEntry.object_id, AuditEntry.changes)
                                  .where(AuditEntry.action == "test.concurrent").order_by(AuditEntry.seq)).all()
        seqs = [r.seq for r in rows]
        assert len(rows) == threads * per * 3
        everything = db.session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars().all()
        assert everything == list(range(1, len(everything) + 1))  # one chain, no gap, no double
        for n in range(threads):
            mine = [r.changes for r in rows if r.object_id == str(n)]
            expected = [audit._entry(TESTER, "x", None, None, {"round": r, "i": i})["changes"]
                        for r in range(3) for i in range(per)]
            assert mine == expected  # each writer's entries in the order it wrote them
        assert seqs == sorted(seqs)
        assert audit_verify.verify(db.session).ok


def test_the_audit_screen_and_api_list_an_entry_once_it_is_chained(app, client, admin):
    from tests.conftest import login

    assert login(client, "admin", admin["password"]).status_code == 302  # its commit chains what waits
    _committed_but_not_chained(app, "test.listed", n=1)

    def listed() -> tuple[bool, bool]:
        page = client.get("/audit/list/?actor=tester").get_data(as_text=True)
        api = client.get("/api/v1/audit/?q=(filters:!((col:actor,opr:eq,value:tester)))").get_json()
        return "test.listed" in page, any(row["action"] == "test.listed" for row in api["result"])

    assert listed() == (False, False)  # pending: no place in the chain to show yet
    with app.app_context():
        audit_chainer.chain_pending(db.engine)
    assert listed() == (True, True)
