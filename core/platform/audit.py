"""Write and verify the audit log.

Two ways in:

* every ORM change (create, update, delete through any FAB view, API, CLI or
  job) is recorded by session listeners, with a before/after diff;
* :func:`record` adds an explicit event (login, plugin toggle, CLI action).

Rows are written on the session's own connection, inside the caller's
transaction: a rolled-back change leaves no audit row, and a committed one
always has its row. Entries wait in the session until it commits and are
chained just before the commit, all at once: the chain's head row is locked
only for the commit itself, not for the rest of a request (at a deadline
spike every transaction takes that lock in turn).
"""
from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from typing import Any

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, insert, inspect, update
from sqlalchemy.orm import Session, attributes
from sqlalchemy.orm.properties import ColumnProperty
from sqlalchemy.orm.relationships import RelationshipProperty

from core.platform import audit_chain, clock
from core.platform.audit_verify import Verdict, verify  # noqa: F401  (callers use audit.verify)
from core.platform.identity import current_account
from core.platform.models.audit import AccessEntry, AuditCheckpoint, AuditEntry, AuditHead

#: Columns whose changes are bookkeeping, not actions (login counters, timestamps).
QUIET_COLUMNS = frozenset(
    {"last_login", "login_count", "fail_login_count", "changed_on", "created_on", "changed_at"}
)
#: Columns whose values never reach the log: only the fact that they changed. Officers' phone and
#: e-mail are encrypted at rest in their own table (S6); the log must not keep them in clear.
SECRET_COLUMNS = frozenset({"password", "secret", "token", "api_key", "key", "phone", "email"})
REDACTED = "***"
_SKIP_TABLES = frozenset(t.__tablename__ for t in (AuditEntry, AuditHead, AuditCheckpoint, AccessEntry))
_PENDING = "baocao_audit_pending"
_QUEUED = "baocao_audit_queued"
_SUPPRESS = "baocao_audit_suppress"


@dataclass(frozen=True)
class Actor:
    name: str
    id: int | None = None
    unit_code: str | None = None
    ip: str | None = None


def current_actor() -> Actor:
    """Who is acting: the logged-in user, the CLI's OS user, or the system (jobs)."""
    ip = request.remote_addr if has_request_context() else None
    if has_app_context() and g.get("audit_actor"):
        return Actor(name=g.audit_actor, ip=ip)
    if has_request_context():
        user = current_account()
        if user is not None:
            unit = getattr(user, "unit", None)
            return Actor(
                name=user.username,
                id=user.id,
                unit_code=getattr(unit, "code", None),
                ip=ip,
            )
        return Actor(name="anonymous", ip=ip)
    return Actor(name="system")


def act_as_cli(command: str) -> None:
    """Mark the current app context as a CLI command run by the OS user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = "unknown"
    g.audit_actor = f"cli:{user}"
    g.audit_command = command


def record(
    action: str,
    object_type: str | None = None,
    object_id: Any = None,
    details: dict | None = None,
    session: Session | None = None,
    actor: Actor | None = None,
) -> None:
    """Append one explicit event to the log, in the session's current transaction."""
    from core.platform.extensions import db

    session = session or db.session
    actor = actor or current_actor()
    session.info.setdefault(_QUEUED, []).append(_entry(actor, action, object_type, object_id, details))


class suppressed:
    """Context manager for bulk jobs: no row-by-row entries, the caller records a summary."""

    def __init__(self, session: Session):
        self.session = session

    def __enter__(self):
        self.session.info[_SUPPRESS] = self.session.info.get(_SUPPRESS, 0) + 1
        return self

    def __exit__(self, *exc):
        self.session.info[_SUPPRESS] -= 1
        return False


# --- the chain -------------------------------------------------------------


#: The hashing lives in ``audit_chain``; these names stay here for callers and tests.
canonical = audit_chain.canonical
entry_hash = audit_chain.entry_hash
_hashed_fields = audit_chain.hashed_fields


def _entry(actor: Actor, action, object_type, object_id, details) -> dict:
    return {
        "at": clock.utcnow(),
        "actor": actor.name,
        "actor_id": actor.id,
        "unit_code": actor.unit_code,
        "ip": actor.ip,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "changes": None if details is None else json.dumps(details, ensure_ascii=False, default=str, sort_keys=True),
    }


def _append(connection, entries: list[dict]) -> None:
    """Chain and insert entries, keyed under AUDIT_KEY. Bumping the head first takes the write lock.

    Everything but the head row (the key, the entries' content) is ready before the lock, so the
    chain's only shared state stays one ``UPDATE … RETURNING`` (issue 17 may remove even that).
    """
    if not entries:
        return
    kid, key, _readable = audit_chain.keys()
    head = AuditHead.__table__
    last_seq, prev = connection.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq + len(entries))
                                        .returning(head.c.seq, head.c.hash)).one()
    rows = []
    for offset, entry in enumerate(entries):
        entry = dict(entry, seq=last_seq - len(entries) + 1 + offset, prev_hash=prev, key_id=kid)
        entry["hash"] = prev = audit_chain.entry_hash(prev, audit_chain.hashed_fields(entry), key)
        rows.append(entry)
    connection.execute(insert(AuditEntry.__table__), rows)
    connection.execute(update(head).where(head.c.id == 1).values(hash=prev))


# --- ORM listeners ---------------------------------------------------------


def _auditable(obj) -> bool:
    """Models opt out with ``__audit__ = False`` when a service records a clearer event."""
    table = getattr(obj, "__tablename__", None)
    return table is not None and table not in _SKIP_TABLES and getattr(obj, "__audit__", True)


def _value(key: str, value):
    if value is None:
        return None
    if key in SECRET_COLUMNS:
        return REDACTED
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _columns(obj) -> dict:
    state = inspect(obj)
    return {
        attr.key: _value(attr.key, state.attrs[attr.key].loaded_value)
        for attr in state.mapper.column_attrs
        if attr.key not in QUIET_COLUMNS
        and state.attrs[attr.key].loaded_value is not attributes.NO_VALUE
    }


def _diff(obj) -> dict:
    """``{field: [before, after]}`` for changed columns; added/removed for collections."""
    state = inspect(obj)
    diff: dict = {}
    for prop in state.mapper.iterate_properties:
        if prop.key in QUIET_COLUMNS:
            continue
        hist = state.attrs[prop.key].load_history()
        if not hist.has_changes():
            continue
        if isinstance(prop, ColumnProperty):
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if before != after:
                diff[prop.key] = [_value(prop.key, before), _value(prop.key, after)]
        elif isinstance(prop, RelationshipProperty) and prop.uselist:
            diff[prop.key] = {"added": [str(o) for o in hist.added], "removed": [str(o) for o in hist.deleted]}
    return diff


def _identity(obj) -> str | None:
    """The primary key as text; read from the instance since new objects have no identity key yet."""
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return None if all(part is None for part in key) else ",".join(str(part) for part in key)


def _before_flush(session: Session, flush_context, instances) -> None:
    if session.info.get(_SUPPRESS):
        return
    with session.no_autoflush:
        actor = current_actor()
        pending = session.info.setdefault(_PENDING, [])
        for obj in session.dirty:
            if _auditable(obj) and session.is_modified(obj, include_collections=True):
                diff = _diff(obj)
                if diff:
                    pending.append((actor, "update", obj, diff))
        for obj in session.deleted:
            if _auditable(obj):
                pending.append((actor, "delete", obj, _columns(obj)))
        for obj in session.new:
            if _auditable(obj):
                pending.append((actor, "create", obj, None))


def _after_flush(session: Session, flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    queued = session.info.setdefault(_QUEUED, [])
    for actor, action, obj, details in pending:
        if action == "create":
            details = _columns(obj)
        queued.append(_entry(actor, action, type(obj).__name__, _identity(obj), details))


def _before_commit(session: Session) -> None:
    """Chain what the transaction queued, after its last flush, just before it commits."""
    session.flush()  # changes still pending queue their entries now, not after this hook
    queued = session.info.pop(_QUEUED, None)
    if queued:
        _append(session.connection(), queued)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)
    if not previous_transaction.nested:  # a savepoint's rollback keeps the outer transaction's entries
        session.info.pop(_QUEUED, None)


def install(session_target) -> None:
    """Attach the listeners once to the session class behind ``db.session``."""
    for name, fn in (("before_flush", _before_flush), ("after_flush", _after_flush),
                     ("before_commit", _before_commit), ("after_soft_rollback", _after_soft_rollback)):
        if not event.contains(session_target, name, fn):
            event.listen(session_target, name, fn)
