"""Data scope (REQUIREMENTS H5, A12): an account sees its own unit's subtree, nothing else.

Every screen and API over scoped data uses :class:`ScopedInterface` instead
of FAB's ``SQLAInterface``. It adds the scope condition inside FAB's own
query building, so list, show, edit, delete, actions and counts are all
filtered in SQL. An object out of scope is simply not found: FAB answers
404, and its data never leaves the database.
"""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import and_, false, or_, select, true

from core.accounts.models import Account
from core.hierarchy.models import Unit
from core.hierarchy.roles import SYSTEM_ADMIN
from core.platform.identity import current_account  # noqa: F401 (screens ask the scope who is signed in)


def is_system_admin(account: Account | None) -> bool:
    return account is not None and any(r.name == SYSTEM_ADMIN for r in account.roles)


def scope_path(account: Account | None) -> str | None:
    """The path prefix the account may see: "" for everything, None for nothing."""
    if account is None:
        return None
    if is_system_admin(account):
        return ""
    return account.unit.path if account.unit is not None and account.unit.active else None


def unit_ids_in_scope(account: Account | None):
    """A subquery of the unit ids the account may see (for tables that reference ``unit``)."""
    path = scope_path(account)
    query = select(Unit.id)
    if path is None:
        return query.where(false())
    return query.where(Unit.path.startswith(path, autoescape=True)) if path else query


def condition(model, account: Account | None):
    """The WHERE clause limiting ``model`` to the account's scope.

    Models opt in by naming their unit column in ``__scope__`` (``"path"``
    for :class:`Unit` itself, a foreign key such as ``"unit_id"`` otherwise).
    Models naming their form column in ``__sector__`` are also visible to a
    sector department for forms of its sector, in every unit (H3), and only in the
    states ``__sector_states__`` names (a report: its final data, approved).
    Accounts without a unit (system admins) only show to system admins.
    """
    column = getattr(model, "__scope__", None)
    if column is None:
        raise TypeError(f"{model.__name__} has no __scope__: say which column ties it to a unit")
    path = scope_path(account)
    if path == "":
        return true()
    if path is None:
        return false()
    if column == "path":
        return model.path.startswith(path, autoescape=True)
    clause = getattr(model, column).in_(unit_ids_in_scope(account))
    sector = sector_of(account)
    if sector and getattr(model, "__sector__", None):
        # H3: a sector department also sees its sector's forms' final rows across every unit.
        from core.forms.models.form import Form

        sector_rows = getattr(model, model.__sector__).in_(select(Form.id).where(Form.sector == sector))
        states = getattr(model, "__sector_states__", None)
        if states:
            sector_rows = and_(sector_rows, model.state.in_(states))
        clause = or_(clause, sector_rows)
    return clause


def sector_of(account: Account | None) -> str | None:
    """The sector of the account's unit when it is an active department with one (H3), else None."""
    unit = account.unit if account is not None else None
    return unit.sector if unit is not None and unit.kind == "department" and unit.active else None


def sector_sees(account: Account | None, form) -> bool:
    """H2/H3: a sector department reads its sector's form across every unit (totals included)."""
    sector = sector_of(account)
    return bool(sector) and form is not None and getattr(form, "sector", None) == sector


def in_scope(account: Account | None, unit: Unit | None) -> bool:
    path = scope_path(account)
    return path == "" or (path is not None and unit is not None and unit.path.startswith(path))


class ScopedInterface(SQLAInterface):
    """FAB's SQLA interface with the current account's scope added to every query it builds."""

    def apply_filters(self, query, filters):
        return super().apply_filters(query, filters).filter(condition(self.obj, current_account()))

    def _get_base_query(self, query, filters=None, order_column="", order_direction=""):
        query = query.filter(condition(self.obj, current_account()))
        return super()._get_base_query(query, filters, order_column, order_direction)
