"""The one chainer: gives pending audit entries their place in the chain, in id order, in batches.

Why: when every transaction appended to the chain itself, each took the one ``audit_head`` row in
turn, and at a deadline spike every submission queued on it (issue 17). Now a transaction only
*inserts* its entries, pending (``seq`` NULL, ``mac`` = the HMAC of the content), in its own
transaction: a rolled-back change leaves no entry, a committed one always has its entry, even if the
process dies the next instant. Chaining happens afterwards, here, one chainer at a time:

* on PostgreSQL under ``pg_try_advisory_xact_lock``: a second chainer does not wait, it leaves the
  work to the one running (which loops until nothing is pending);
* on SQLite inline, in the committing transaction itself (:func:`chain` on the session's own
  connection, just before the commit): SQLite serialises writers anyway;
* after each outermost commit that wrote entries; with ``AUDIT_CHAIN_IN_BACKGROUND`` (the default
  of ``baocao serve`` on PostgreSQL) by one thread per process, woken by the commit, so the request
  path never waits for the chainer and one run chains what many requests wrote;
* and from the worker's heartbeat, ``baocao audit verify`` and every checkpoint, so entries left
  pending by a crash between commit and chain are chained by the next run.

Before chaining an entry the chainer checks its ``mac``: an entry edited while pending is left out of
the chain (logged; ``audit verify`` fails on it) rather than laundered into it. ``audit verify``
also reports a chainer that is stuck (pending entries older than ``AUDIT_CHAIN_STUCK_SECONDS``).

Order: entries are chained in id order as they become visible; one transaction's entries keep their
order (their ids ascend). What a deleted pending entry leaves is the same as for an access entry
before its seal: no trace, for the seconds it waits (docs/operations.md).
"""
from __future__ import annotations

import logging
import os
import threading
import time

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection, Engine

from core.platform import audit_chain
from core.platform.models.audit import AuditEntry, AuditHead

log = logging.getLogger(__name__)

#: Entries chained per statement batch.
BATCH = 500
#: The advisory lock's key: "audit" in ASCII, one lock per database.
LOCK_KEY = 0x61756469
_EXTENSION = "baocao.audit_chainer"
_starting = threading.Lock()


def chain(connection: Connection, limit: int | None = None, skipped: set[int] | None = None) -> int | None:
    """Chain the pending entries visible to ``connection``'s transaction; the caller commits.

    Returns how many were chained, or None when another chainer holds the lock (PostgreSQL).
    ``skipped`` collects the ids of entries left out because they were edited while pending.
    """
    entry, head = AuditEntry.__table__, AuditHead.__table__
    if connection.dialect.name == "postgresql":
        if not connection.execute(select(func.pg_try_advisory_xact_lock(LOCK_KEY))).scalar():
            return None
        seq, prev = connection.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1)).one()
    else:  # the write lock first (SQLite: a read that later writes may not upgrade under a writer)
        seq, prev = connection.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq)
                                       .returning(head.c.seq, head.c.hash)).one()
    _kid, _key, readable = audit_chain.keys()
    chained, after = 0, 0
    while limit is None or chained < limit:
        rows = connection.execute(select(entry).where(entry.c.seq.is_(None), entry.c.id > after)
                                  .order_by(entry.c.id).limit(BATCH)).mappings().all()
        if not rows:
            break
        updates = []
        for row in map(dict, rows):
            after = row["id"]
            if not audit_chain.pending_intact(row, readable):
                log.error("audit entry id %s was modified while pending: left out of the chain", row["id"])
                if skipped is not None:
                    skipped.add(row["id"])
                continue
            seq += 1
            fields = audit_chain.hashed_fields(dict(row, seq=seq))
            new = audit_chain.entry_hash(prev, fields, readable[row["key_id"]])
            updates.append({"k_id": row["id"], "v_seq": seq, "v_prev": prev, "v_hash": new})
            prev = new
        if updates:
            connection.execute(update(entry).where(entry.c.id == bindparam("k_id"))
                               .values(seq=bindparam("v_seq"), prev_hash=bindparam("v_prev"),
                                       hash=bindparam("v_hash")), updates)
            chained += len(updates)
        if len(rows) < BATCH:
            break
    if chained:
        connection.execute(update(head).where(head.c.id == 1).values(seq=seq, hash=prev))
    return chained


#: Runs of one :func:`chain_pending` call at most: under endless load the next commit takes over.
RUNS = 20


def chain_pending(engine: Engine) -> int:
    """Chain everything pending, in transactions of its own; how many were chained by this call.

    A commit whose own run found the lock taken leaves its entries to the run holding it; so the
    holder, once it has released the lock, looks again and runs again while anything (but entries
    edited while pending) waits. A commit after that look takes the free lock itself: nothing is left.
    """
    total, skipped = 0, set()
    entry = AuditEntry.__table__
    for _ in range(RUNS):
        with engine.begin() as connection:
            chained = chain(connection, limit=BATCH * 4, skipped=skipped)
        if chained is None:
            return total
        total += chained
        if chained >= BATCH * 4:
            continue
        with engine.connect() as connection:
            waiting = connection.execute(select(entry.c.id).where(entry.c.seq.is_(None), entry.c.id.not_in(skipped))
                                         .limit(1)).first()
        if waiting is None:
            return total
    return total


def chain_quietly(engine: Engine) -> None:
    """:func:`chain_pending` where a failure must not reach a user: pending entries wait for the next run."""
    try:
        chain_pending(engine)
    except Exception:  # noqa: BLE001 (the entries are committed; the heartbeat or the next commit chains them)
        log.exception("audit chainer failed; the pending entries wait for the next run")


# --- after a commit ------------------------------------------------------------------------------


class _Background:
    """One thread per process that chains soon after a commit asked it to; runs coalesce."""

    def __init__(self, app, delay: float):
        self.app, self.delay, self.pid = app, delay, os.getpid()
        self.wake = threading.Event()
        self.thread = threading.Thread(target=self._run, name="audit-chainer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from core.platform.extensions import db

        while True:
            self.wake.wait()
            time.sleep(self.delay)  # let the other requests of this moment commit: one run for all
            self.wake.clear()
            with self.app.app_context():
                chain_quietly(db.engine)


def after_commit(app, engine: Engine) -> None:
    """A transaction that wrote entries committed: chain now, or wake this process's chainer thread."""
    if not app.config.get("AUDIT_CHAIN_IN_BACKGROUND"):
        chain_quietly(engine)
        return
    background = app.extensions.get(_EXTENSION)
    if background is None or background.pid != os.getpid():  # first commit, or a forked worker
        with _starting:
            background = app.extensions.get(_EXTENSION)
            if background is None or background.pid != os.getpid():
                background = _Background(app, float(app.config.get("AUDIT_CHAIN_DELAY", 0.05)))
                app.extensions[_EXTENSION] = background
    background.wake.set()
