"""Verify the audit log, and the signed checkpoints that pin it down from outside the database.

The keyed chain (``audit_chain``) stops someone with database access but without ``AUDIT_KEY``
from rewriting entries. Two attacks remain, and checkpoints answer both:

* rewriting the whole log as *legacy* entries (``key_id`` NULL, plain SHA-256), which needs no key;
* a rewrite by someone who also holds the key (root on the application server).

A checkpoint states "entry ``seq`` had hash ``hash`` at ``at``", HMAC-signed under the audit key.
``baocao audit checkpoint`` (and the scheduled job ``core.audit.checkpoint``) writes one into the
database; ``baocao audit export-checkpoints FILE`` writes them all out as JSON lines, to be kept
elsewhere. ``verify`` checks the database's checkpoints every time, and an exported file's with
``--checkpoints FILE``: a checkpoint whose entry no longer has that hash means a rewrite, however
carefully recomputed; one past the head means deleted entries. The database's checkpoints can be
deleted by the attacker; an exported copy cannot.

Access entries (``core.platform.access_log``) are verified with the chain: each row's MAC, and each
batch against the ``audit.access_sealed`` entry that sealed it (count and digest).

Pending entries (written, not yet chained: ``core.platform.audit_chainer``) are verified by their own
MAC; one edited while pending is reported, and so is a stuck chainer: entries still pending
``stuck_after`` seconds after they were written (``AUDIT_CHAIN_STUCK_SECONDS``).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from datetime import timedelta

from core.platform import audit_chain, clock
from core.platform.models.audit import GENESIS_HASH, AccessEntry, AuditCheckpoint, AuditEntry, AuditHead

#: The action of the chain entry that seals a batch of access entries.
SEALED = "audit.access_sealed"


class Broken(Exception):
    """The first thing wrong: the entry it concerns and why."""

    def __init__(self, seq: int | None, reason: str):
        super().__init__(reason)
        self.seq, self.reason = seq, reason


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    legacy: int = 0
    checkpoints: int = 0
    access_sealed: int = 0
    access_unsealed: int = 0
    pending: int = 0

    def summary(self) -> str:
        parts = [f"{self.checked} entries"]
        if self.legacy:
            parts.append(f"{self.legacy} legacy (plain SHA-256, entries 1–{self.legacy}), "
                         f"{self.checked - self.legacy} keyed")
        parts.append(f"{self.checkpoints} checkpoint(s) match")
        parts.append(f"{self.access_sealed} access entries sealed, {self.access_unsealed} not yet")
        if self.pending:
            parts.append(f"{self.pending} pending (written, not yet chained)")
        return "; ".join(parts)


# --- checkpoints -------------------------------------------------------------------------------


def _statement(seq: int, hash_: str, at: str, kid: str) -> str:
    return audit_chain.canonical({"seq": seq, "hash": hash_, "at": at, "key_id": kid})


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def checkpoint(session: Session) -> dict:
    """Chain what is pending, then sign the chain's head into ``audit_checkpoint``; the caller commits."""
    from core.platform import audit_chainer

    audit_chainer.chain(session.connection())
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    kid, key, _readable = audit_chain.keys()
    at = clock.utcnow().replace(microsecond=0)
    signature = audit_chain.mac(key, audit_chain.CHECKPOINT, _statement(head.seq, head.hash, _iso(at), kid))
    row = {"seq": head.seq, "hash": head.hash, "at": at, "key_id": kid, "signature": signature}
    session.execute(insert(AuditCheckpoint.__table__), [row])
    return exported(row)


def exported(row) -> dict:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return {"seq": get("seq"), "hash": get("hash"), "at": _iso(get("at")), "key_id": get("key_id"),
            "signature": get("signature")}


def export_lines(session: Session) -> Iterable[str]:
    """Every checkpoint as one JSON line, oldest first."""
    for row in session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).scalars():
        yield json.dumps(exported(row), sort_keys=True) + "\n"


def read_checkpoints(lines: Iterable[str], source: str) -> list[dict]:
    """Parse an exported file; a line that is not a checkpoint is a refusal, not a skip."""
    found = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            found.append({"seq": int(item["seq"]), "hash": str(item["hash"]), "at": str(item["at"]),
                          "key_id": str(item["key_id"]), "signature": str(item["signature"]),
                          "source": f"{source} line {number}"})
        except (ValueError, KeyError, TypeError) as exc:
            raise Broken(None, f"{source} line {number} is not a checkpoint") from exc
    return found


def _check_signature(cp: dict, readable: dict[str, bytes]) -> None:
    key = readable.get(cp["key_id"])
    if key is None:
        raise Broken(cp["seq"], f"the checkpoint of {cp['at']} ({cp['source']}) is under unknown key "
                                f"{cp['key_id']}: add that key to AUDIT_OLD_KEYS")
    expected = audit_chain.mac(key, audit_chain.CHECKPOINT, _statement(cp["seq"], cp["hash"], cp["at"], cp["key_id"]))
    if not audit_chain.same(expected, cp["signature"]):
        raise Broken(cp["seq"], f"the checkpoint of {cp['at']} ({cp['source']}) has a bad signature")


# --- the walk ----------------------------------------------------------------------------------


@dataclass
class _Walk:
    readable: dict[str, bytes]
    pinned: dict[int, list[dict]]
    prev: str = GENESIS_HASH
    seq: int = 0
    legacy: int = 0
    keyed: bool = False
    seals: dict[int, tuple[int, int, str]] = field(default_factory=dict)  # batch -> (seq, count, digest)

    def step(self, row: AuditEntry) -> None:
        expected = self.seq + 1
        if row.seq != expected:
            raise Broken(expected, f"entry {expected} is missing")
        if row.prev_hash != self.prev:
            raise Broken(row.seq, f"entry {row.seq} does not link to entry {row.seq - 1}")
        if row.key_id is None:
            if self.keyed:
                raise Broken(row.seq, f"entry {row.seq} has no key after keyed entries (rewritten)")
            key = None
            self.legacy += 1
        else:
            key = self.readable.get(row.key_id)
            if key is None:
                raise Broken(row.seq, f"entry {row.seq} is under unknown key {row.key_id}: "
                                      "add that key to AUDIT_OLD_KEYS")
            self.keyed = True
        if not audit_chain.same(audit_chain.entry_hash(self.prev, audit_chain.hashed_fields(row), key), row.hash):
            raise Broken(row.seq, f"entry {row.seq} was modified")
        self.prev, self.seq = row.hash, row.seq
        for cp in self.pinned.pop(row.seq, ()):
            if cp["hash"] != row.hash:
                raise Broken(row.seq, f"entry {row.seq} does not match the checkpoint of {cp['at']} ({cp['source']})")
        if row.action == SEALED and key is not None:
            details = json.loads(row.changes or "{}")
            self.seals[int(details["batch"])] = (row.seq, int(details["count"]), details["digest"])


def verify(session: Session, checkpoints: list[dict] | None = None, batch: int = 2000,
           stuck_after: float | None = None) -> Verdict:
    """Walk the chain in order; report the first row, checkpoint or access batch that is wrong, then
    the pending entries: one edited, or one waiting longer than ``stuck_after`` seconds (default
    ``AUDIT_CHAIN_STUCK_SECONDS``). ``baocao audit verify`` runs the chainer first.

    ``checkpoints``: an exported file's (``read_checkpoints``); the database's are always checked.
    """
    _kid, _key, readable = audit_chain.keys()
    stored = [dict(exported(cp), source="database") for cp in session.execute(select(AuditCheckpoint)).scalars()]
    every = stored + list(checkpoints or [])
    walk = _Walk(readable, {})
    try:
        for cp in every:
            _check_signature(cp, readable)
            walk.pinned.setdefault(cp["seq"], []).append(cp)
        for cp in walk.pinned.pop(0, ()):
            if cp["hash"] != GENESIS_HASH:
                raise Broken(1, f"entry 1 does not match the checkpoint of {cp['at']} ({cp['source']})")
        rows = session.execute(select(AuditEntry).where(AuditEntry.seq.is_not(None)).order_by(AuditEntry.seq)
                               .execution_options(yield_per=batch))
        for row in rows.scalars():
            walk.step(row)
        if walk.pinned:
            seq = min(walk.pinned)
            cp = walk.pinned[seq][0]
            raise Broken(walk.seq + 1, f"entries after {walk.seq} were deleted (the checkpoint of {cp['at']} "
                                       f"({cp['source']}) names entry {seq})")
        head = session.get(AuditHead, 1)
        if head is None:
            raise Broken(None, "the audit head row is missing")
        if head.seq != walk.seq or head.hash != walk.prev:
            raise Broken(walk.seq + 1, f"entries after {walk.seq} were deleted (head says {head.seq})")
        sealed, unsealed = _verify_access(session, walk, batch)
        pending = _verify_pending(session, readable, stuck_after, batch)
    except Broken as broken:
        return Verdict(False, walk.seq, broken.seq, broken.reason, legacy=walk.legacy)
    return Verdict(True, walk.seq, legacy=walk.legacy, checkpoints=len(every), access_sealed=sealed,
                   access_unsealed=unsealed, pending=pending)


def _verify_pending(session: Session, readable: dict[str, bytes], stuck_after: float | None, batch: int) -> int:
    """Each pending entry's MAC; a chainer is stuck when an entry waits longer than ``stuck_after``."""
    if stuck_after is None:
        from flask import current_app

        stuck_after = float(current_app.config.get("AUDIT_CHAIN_STUCK_SECONDS", 300))
    oldest = clock.utcnow() - timedelta(seconds=stuck_after)
    count = 0
    rows = session.execute(select(AuditEntry).where(AuditEntry.seq.is_(None)).order_by(AuditEntry.id)
                           .execution_options(yield_per=batch))
    for row in rows.scalars():
        if not audit_chain.pending_intact(row, readable):
            raise Broken(None, f"pending entry id {row.id} was modified before it was chained")
        if row.at < oldest:
            raise Broken(None, f"the audit chainer is stuck: entry id {row.id} has waited since "
                               f"{row.at.isoformat(timespec='seconds')} UTC (more than {stuck_after:.0f} s)")
        count += 1
    return count


# --- access entries ----------------------------------------------------------------------------


def access_fields(row) -> dict:
    """What an access row's MAC covers (all but its id and its seal)."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return {"at": get("at").isoformat(timespec="microseconds"), "actor": get("actor"), "actor_id": get("actor_id"),
            "unit_code": get("unit_code"), "ip": get("ip"), "action": get("action"), "method": get("method"),
            "path": get("path"), "status": get("status"), "details": get("details"), "key_id": get("key_id")}


def access_mac(key: bytes, row) -> str:
    return audit_chain.mac(key, audit_chain.ACCESS, audit_chain.canonical(access_fields(row)))


def batch_digest(macs: Iterable[str]) -> str:
    """A seal's digest: SHA-256 over the batch's MACs in id order (so a deleted row changes it)."""
    digest = hashlib.sha256()
    for value in macs:
        digest.update(value.encode())
    return digest.hexdigest()


def _verify_access(session: Session, walk: _Walk, batch: int) -> tuple[int, int]:
    seals = dict(walk.seals)
    groups: dict[int, list[str]] = {}
    unsealed = 0
    rows = session.execute(select(AccessEntry).order_by(AccessEntry.id).execution_options(yield_per=batch))
    for row in rows.scalars():
        key = walk.readable.get(row.key_id)
        if key is None or not audit_chain.same(access_mac(key, row), row.mac):
            at = seals[row.sealed_by][0] if row.sealed_by in seals else None
            raise Broken(at, f"access entry {row.id} was modified")
        if row.sealed_by is None:
            unsealed += 1
        else:
            groups.setdefault(row.sealed_by, []).append(row.mac)
    sealed = 0
    for number, (seq, count, digest) in sorted(seals.items(), key=lambda item: item[1][0]):
        macs = groups.pop(number, [])
        if len(macs) != count or batch_digest(macs) != digest:
            raise Broken(seq, f"the access entries sealed by entry {seq} were changed "
                              f"({len(macs)} found, {count} sealed)")
        sealed += count
    if groups:
        number = min(groups)
        raise Broken(None, f"access entries claim seal {number}, which is not in the chain")
    return sealed, unsealed
