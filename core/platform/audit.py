"""Write and verify the audit log.

Two ways in:

* every ORM change (create, update, delete through any FAB view, API, CLI or
  job) is recorded by session listeners, with a before/after diff;
* :func:`record` adds an explicit event (login, plugin toggle, CLI action).

Rows are written on the session's own connection, inside the caller's
transaction, as soon as they are known (``record`` at once, ORM changes after
each flush): a rolled-back change, or a rolled-back savepoint, leaves no audit
row, and a committed one always has its row. They are written *pending*: no
place in the chain yet, the HMAC of their content in ``mac``. The one chainer
(``core.platform.audit_chainer``) chains them after the commit, so a
transaction never waits on the chain's head row (at a deadline spike every
transaction used to take that lock in turn). On SQLite the chainer runs inline,
just before the commit.
"""
from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, attributes
from sqlalchemy.orm.properties import ColumnProperty
from sqlalchemy.orm.relationships import RelationshipProperty

from core.platform import audit_chain, audit_chainer, clock
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
#: The transaction wrote entries: chain after its commit.
_WROTE = "baocao_audit_wrote"
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
    _write(session, [_entry(actor, action, object_type, object_id, details)])


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


def pending_rows(entries: list[dict]) -> list[dict]:
    """Entries as pending rows: keyed under AUDIT_KEY, no place in the chain yet."""
    kid, key, _readable = audit_chain.keys()
    rows = []
    for entry in entries:
        row = dict(entry, seq=None, prev_hash=None, hash=None, key_id=kid)
        row["mac"] = audit_chain.pending_mac(audit_chain.hashed_fields(row), key)
        rows.append(row)
    return rows


def _write(session: Session, entries: list[dict]) -> None:
    """Insert entries pending, in the session's transaction (begun here if need be, so a rollback
    takes them away), and mark the transaction for the chainer."""
    if entries:
        session.connection().execute(insert(AuditEntry.__table__), pending_rows(entries))
        session.info[_WROTE] = True


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
            diff[prop.key] = {"added": [_label(o) for o in hist.added], "removed": [_label(o) for o in hist.deleted]}
    return diff


def _label(obj) -> str:
    """How an inspector reads a member added to or removed from a collection: its own text when the model
    has one, else its code, user name or name, else (a row linking two things) the code or name of what it
    links to, else its type and key; never Python's ``<… object at 0x…>``. Runs in ``before_flush`` under
    ``no_autoflush``, where reading an expired attribute is a plain SELECT."""
    kind = type(obj)
    if kind.__str__ is not object.__str__ or kind.__repr__ is not object.__repr__:
        return str(obj)

    def named(thing) -> str | None:
        for attr in ("code", "username", "name"):
            try:
                value = getattr(thing, attr, None)
            except Exception:  # noqa: BLE001 (a deleted row's attribute cannot be read: try the next)
                value = None
            if isinstance(value, str) and value:
                return value
        return None

    linked = (v for v in inspect(obj).dict.values() if hasattr(v, "_sa_instance_state"))
    found = named(obj) or next((name for name in map(named, linked) if name), None)
    if found:
        return found
    key = _identity(obj)
    return f"{kind.__name__} {key}" if key else kind.__name__


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
    entries = []
    for actor, action, obj, details in pending:
        if action == "create":
            details = _columns(obj)
        entries.append(_entry(actor, action, type(obj).__name__, _identity(obj), details))
    _write(session, entries)


def _before_commit(session: Session) -> None:
    """On SQLite, chain inline: after the transaction's last flush, in the transaction itself."""
    session.flush()  # changes still pending write their entries now, not after this hook
    if session.info.get(_WROTE) and not session.in_nested_transaction() \
            and session.connection().dialect.name != "postgresql":
        audit_chainer.chain(session.connection())
        session.info.pop(_WROTE, None)


def _after_commit(session: Session) -> None:
    """On PostgreSQL, the chainer runs after the outermost commit (or is woken to)."""
    if session.info.pop(_WROTE, None) and has_app_context():
        audit_chainer.after_commit(current_app._get_current_object(), session.get_bind())


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


def _after_transaction_end(session: Session, transaction) -> None:
    """A rollback, or a close without commit, of the outermost transaction: nothing of it to chain."""
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def install(session_target) -> None:
    """Attach the listeners once to the session class behind ``db.session``."""
    for name, fn in (("before_flush", _before_flush), ("after_flush", _after_flush),
                     ("before_commit", _before_commit), ("after_commit", _after_commit),
                     ("after_soft_rollback", _after_soft_rollback),
                     ("after_transaction_end", _after_transaction_end)):
        if not event.contains(session_target, name, fn):
            event.listen(session_target, name, fn)
