"""The signed-in account as a light, read-only snapshot, for the endpoints a deadline hammers.

Every request needs its account: the guard checks that it is open, not stale and not obliged to change
its password (:mod:`core.accounts.login_guard`), FAB's ``protect`` reads its roles, the scope reads its
unit. Loaded as the ORM :class:`~core.accounts.models.Account` with its roles, groups and unit, that is
three joined eager loads and the ORM's identity bookkeeping: about a quarter of the server's CPU for one
autosave (bench/autosave.py, issue 15) and a sixth of a submission (bench/deadline_spike.py, issue 17).

For the endpoints in :data:`HOT`, :meth:`core.accounts.views.security.SecurityManager.get_user_by_id`
answers with a :class:`LightAccount` instead: one Core query (the account, its unit, and its roles,
direct or through groups), plain frozen values, and the attributes those checks read, with the same
meaning. Nothing is kept across requests, so a lock, a sign-out, a password or role change applies on
the very next request, as with the ORM account. The hot endpoints never write to the account; anything
they cannot answer on the light path (an error to explain, say) goes through the ordinary code, which
reads the same attributes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import has_request_context, request
from flask_appbuilder.security.sqla.models import Role, assoc_group_role, assoc_user_group, assoc_user_role
from sqlalchemy import bindparam, select, true, union_all

from core.accounts.models import Account
from core.platform import hot_sql
from core.hierarchy.models import Unit

#: Endpoints served with a :class:`LightAccount`: the autosave (the entry screen's and the API's), saving
#: values and the transitions (the one-request submit at a deadline). Plugins' ``workflow_guards`` receive
#: it as ``actor`` there (core/hookspecs.py says what it carries).
HOT = frozenset({"ReportApi.patch_values", "ReportApi.put_values", "ReportApi.transition"})


#: The autosave: on PostgreSQL the account's read also locks the unit's own editable report it names, so
#: the save needs one round trip less (:func:`claim_of`).
AUTOSAVE = "ReportApi.patch_values"


def wanted() -> bool:
    """Whether this request's account should be light (a hot endpoint)."""
    return has_request_context() and request.endpoint in HOT


@dataclass(frozen=True)
class LightRole:
    id: int
    name: str


@dataclass(frozen=True)
class LightUnit:
    id: int
    code: str
    name: str
    path: str
    level: str
    kind: str | None
    sector: str | None
    active: bool


@dataclass(frozen=True)
class LightAccount:
    """What the guard, ``protect``, the scope and the audit actor read of an account; read-only."""

    id: int
    username: str
    first_name: str
    last_name: str
    active: bool
    unit_id: int | None
    unit_account: bool
    must_change_password: bool
    password_changed_at: datetime | None
    locked_until: datetime | None
    closed_at: datetime | None
    session_epoch: int
    unit: LightUnit | None
    #: Direct roles and those of the account's groups (FAB adds ``groups``' roles: they are folded here).
    roles: list = field(default_factory=list)
    groups: tuple = ()

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def locked(self) -> bool:
        from core.platform import clock

        return self.locked_until is not None and self.locked_until > clock.utcnow()

    def get_id(self) -> str:
        return str(self.id)


_ACCOUNT = Account.__table__
_UNIT = Unit.__table__
_ROLE = Role.__table__
_COLUMNS = (_ACCOUNT.c.id, _ACCOUNT.c.username, _ACCOUNT.c.first_name, _ACCOUNT.c.last_name, _ACCOUNT.c.active,
            _ACCOUNT.c.unit_id, _ACCOUNT.c.unit_account, _ACCOUNT.c.must_change_password,
            _ACCOUNT.c.password_changed_at, _ACCOUNT.c.locked_until, _ACCOUNT.c.closed_at, _ACCOUNT.c.session_epoch)
_UNIT_COLUMNS = (_UNIT.c.id, _UNIT.c.code, _UNIT.c.name, _UNIT.c.path, _UNIT.c.level, _UNIT.c.kind, _UNIT.c.sector,
                 _UNIT.c.active)


def _query():
    pk = bindparam("b_account")
    role_ids = union_all(
        select(assoc_user_role.c.role_id.label("role_id")).where(assoc_user_role.c.user_id == pk),
        select(assoc_group_role.c.role_id).join(assoc_user_group,
                                                assoc_user_group.c.group_id == assoc_group_role.c.group_id)
        .where(assoc_user_group.c.user_id == pk),
    ).subquery()
    joined = (_ACCOUNT.outerjoin(_UNIT, _UNIT.c.id == _ACCOUNT.c.unit_id)
              .outerjoin(role_ids, true()).outerjoin(_ROLE, _ROLE.c.id == role_ids.c.role_id))
    return select(*_COLUMNS, *_UNIT_COLUMNS, _ROLE.c.id, _ROLE.c.name).select_from(joined).where(_ACCOUNT.c.id == pk)


#: Built once: on the hot path even building a statement shows in the profile.
_QUERY = _query()
_WITH_CLAIM = None
#: ``build(unit id expression)`` → the claim's ``SELECT … FOR UPDATE``, given by the reporting package
#: (:func:`core.reporting.entry.own_editable_report`, through :func:`claim_with`): reporting builds on
#: accounts, not the reverse.
_CLAIM = None


def claim_with(build) -> None:
    """Let the autosave's claim ride with the account's read (see :func:`_with_claim`)."""
    global _CLAIM, _WITH_CLAIM
    _CLAIM, _WITH_CLAIM = build, None


def _with_claim():
    """:data:`_QUERY` and, in the same statement, ``SELECT … FOR UPDATE`` of report ``b_report`` if it is
    the account's unit's and editable: its state, form and form version (``NULL`` otherwise). The lock is
    the one :func:`core.reporting.entry.autosave_own` takes first; taken before the guard and FAB's
    ``protect`` have judged the account, it changes nothing and ends with the request if they refuse."""
    global _WITH_CLAIM
    if _WITH_CLAIM is None:
        unit_id = select(_ACCOUNT.c.unit_id).where(_ACCOUNT.c.id == bindparam("b_account")).scalar_subquery()
        claim = _CLAIM(unit_id).cte("claim")
        query = _query()
        _WITH_CLAIM = query.add_columns(*claim.c).select_from(query.get_final_froms()[0].outerjoin(claim, true()))
    return _WITH_CLAIM


def claim_of(report_id: int):
    """What the account's read found of report ``report_id`` on :data:`AUTOSAVE`: ``(state, form_id,
    form_version_id)`` of the locked report, ``None`` when it is not the unit's or not editable, or
    :data:`UNKNOWN` when the read did not look (another endpoint, another database, another report)."""
    from flask import g

    found = g.get("baocao_claim")
    return found[1] if found is not None and found[0] == report_id else UNKNOWN


#: :func:`claim_of` when nothing was looked up.
UNKNOWN = object()


def _claiming(session) -> int | None:
    """The report the autosave names, when its claim can ride with the account's read (PostgreSQL)."""
    if _CLAIM is None or request.endpoint != AUTOSAVE or session.get_bind().dialect.name != "postgresql":
        return None
    report_id = (request.view_args or {}).get("pk")
    return report_id if isinstance(report_id, int) and 0 < report_id < 2**31 else None


def load(session, pk: int) -> LightAccount | None:
    """The account ``pk`` in one query, or None: a Core statement on the session's DBAPI connection
    (:mod:`core.platform.hot_sql`: no ORM, no execution context)."""
    from flask import g

    report_id = _claiming(session)
    if report_id is None:
        rows = hot_sql.rows(session, _QUERY, {"b_account": int(pk)})
    else:
        rows = hot_sql.rows(session, _with_claim(), {"b_account": int(pk), "b_report": report_id})
        claimed = rows[0][-3:] if rows and rows[0][-3] is not None else None
        g.baocao_claim = (report_id, tuple(claimed) if claimed else None)
        rows = [row[:-3] for row in rows]
    if not rows:
        return None
    first, width = rows[0], len(_COLUMNS)
    unit = LightUnit(*first[width:width + len(_UNIT_COLUMNS)]) if first[width] is not None else None
    roles, seen = [], set()
    for row in rows:
        role_id, name = row[-2], row[-1]
        if role_id is not None and role_id not in seen:
            seen.add(role_id)
            roles.append(LightRole(role_id, name))
    return LightAccount(*first[:width], unit=unit, roles=roles)
