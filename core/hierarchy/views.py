"""Unit screens (REQUIREMENTS H1, H5): list, tree, officer roster, CSV export and import.

Every query goes through :class:`core.hierarchy.scope.ScopedInterface` or
:func:`core.hierarchy.scope.condition`, so an account sees its own subtree and nothing
else. Adding, editing, deleting, deactivating and importing are for system
administrators (:mod:`core.hierarchy.roles` gives the other roles read permissions only).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from flask import Response, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import SelectField
from wtforms.validators import DataRequired, Optional

from core.platform import audit, clock, labels
from core.hierarchy import unit_csv, units
from core.platform.extensions import db
from core.accounts.models import Account
from core.hierarchy.models import Unit, UnitHolder
from core.hierarchy.scope import ScopedInterface, condition, current_account

#: Unit kinds in the order siblings are shown, with their Vietnamese-facing labels.
KIND_LABELS = {
    "board": _l("Provincial board"),
    "department": _l("Department or agency"),
    "district": _l("District"),
    "commune": _l("Commune, ward or special zone"),
}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def level_names() -> dict[str, str]:
    """``{level code: Vietnamese name}`` from the hierarchy hook, asked once per request."""
    if "baocao_level_names" not in g:
        g.baocao_level_names = {lvl.code: lvl.name for lvl in units.levels()}
    return g.baocao_level_names


def level_label(code: str | None) -> str:
    """The province's own name of a level (the hierarchy hook), else the standard one: never the code."""
    return level_names().get(code or "") or labels.label("level", code)


def kind_label(kind: str | None) -> str:
    label = KIND_LABELS.get(kind or "")
    return str(label) if label is not None else (kind or "")


def kind_choices():
    tiers = units.level_by_kind()
    known = [kind for kind in KIND_LABELS if kind in tiers]
    return [(kind, kind_label(kind)) for kind in known + sorted(set(tiers) - set(known))]


#: Booleans as "Có"/"Không", empty as "—": core.platform.labels, the one place for names of values.
yes_no = labels.yes_no
blank = labels.blank


def sector_label(code) -> str:
    return labels.label("sector", code)


def level_choices():
    return [(lvl.code, lvl.name) for lvl in units.levels()]


def scoped_units():
    """Units the current account may pick (a parent), in tree order."""
    query = select(Unit).where(condition(Unit, current_account())).order_by(Unit.path)
    return db.session.execute(query).scalars().all()


def parent_field():
    return QuerySelectField(
        _l("Parent unit"),
        query_func=scoped_units,
        get_pk_func=lambda unit: unit.id,
        allow_blank=True,
        blank_text=_l("(none: a top-level unit)"),
        validators=[Optional()],
        widget=Select2Widget(),
    )


def kind_field():
    return SelectField(_l("Kind"), choices=kind_choices, validators=[DataRequired()], widget=Select2Widget())


class UnitRefused(Exception):
    """A change to a unit that is not allowed; the message is shown to the user."""


def _current_marker(value):
    return value if value is not None else _("(current)")


class UnitHoldersView(ModelView):
    """The officer roster of each account (A2, A6): who held it, and when. Read-only here."""

    datamodel = ScopedInterface(UnitHolder)
    route_base = "/units/holders"
    base_permissions = ["can_list", "can_show"]
    include_route_methods = {"list", "show"}
    list_title = _l("Officer roster")
    show_title = _l("Officer")
    list_columns = ["unit", "full_name", "title", "department", "phone", "email", "started_at", "ended_at"]
    show_columns = list_columns
    # Phone and e-mail are encrypted at rest (S6, core.platform.crypto): SQL can neither search nor sort them.
    search_columns = ["unit", "full_name", "title", "department", "started_at", "ended_at"]
    order_columns = ["unit", "full_name", "title", "department", "started_at", "ended_at"]
    base_order = ("started_at", "desc")
    formatters_columns = {"ended_at": _current_marker, "title": blank, "department": blank, "phone": blank,
                          "email": blank}
    label_columns = {
        "unit": _l("Unit"),
        "full_name": _l("Full name"),
        "title": _l("Position"),
        "department": _l("Division"),
        "phone": _l("Phone"),
        "email": _l("Email"),
        "started_at": _l("Since"),
        "ended_at": _l("Until"),
    }
    page_size = 50


class UnitsView(ModelView):
    datamodel = ScopedInterface(Unit)
    route_base = "/units"
    exclude_route_methods = {"download"}
    list_template = "hierarchy/units_list.html"
    list_title = _l("Units")
    show_title = _l("Unit")
    add_title = _l("Add a unit")
    edit_title = _l("Edit unit")
    list_columns = ["code", "name", "level", "kind", "sector", "parent", "active"]
    show_columns = ["code", "name", "level", "kind", "sector", "parent", "active", "valid_from", "valid_to"]
    add_columns = ["code", "name", "kind", "sector", "parent", "active", "valid_from", "valid_to"]
    edit_columns = add_columns
    search_columns = ["code", "name", "level", "kind", "sector", "active"]
    order_columns = ["code", "name", "level", "kind", "sector", "active"]
    base_order = ("path", "asc")
    page_size = 50
    related_views = [UnitHoldersView]
    label_columns = {
        "code": _l("Code"),
        "name": _l("Unit name"),
        "level": _l("Level"),
        "kind": _l("Kind"),
        "sector": _l("Sector"),
        "parent": _l("Parent unit"),
        "active": _l("Active"),
        "valid_from": _l("Valid from"),
        "valid_to": _l("Valid to"),
    }
    description_columns = {
        "code": _l("Official code (GSO code for administrative units), unique."),
        "sector": _l("The sector whose data the unit verifies, if any (e.g. health, education)."),
        "active": _l("An inactive unit stays in the records but its account sees nothing."),
    }
    formatters_columns = {"level": level_label, "kind": kind_label, "active": yes_no, "sector": sector_label,
                          "valid_from": blank, "valid_to": blank}
    search_form_extra_fields = {
        "level": SelectField(_l("Level"), choices=level_choices, widget=Select2Widget()),
        "kind": SelectField(_l("Kind"), choices=kind_choices, widget=Select2Widget()),
    }
    add_form_extra_fields = {"kind": kind_field(), "parent": parent_field()}
    edit_form_extra_fields = {"kind": kind_field(), "parent": parent_field()}

    # --- add, edit, delete ---------------------------------------------------

    def _check(self, item: Unit) -> None:
        tiers = units.level_by_kind()
        if item.kind not in tiers:
            raise UnitRefused(_("Kind %(kind)s has no tier in this province's hierarchy.", kind=item.kind))
        item.level = tiers[item.kind]
        if item.valid_from and item.valid_to and item.valid_to < item.valid_from:
            raise UnitRefused(_("Valid to is before valid from."))

    def _refuse(self, exc: Exception) -> None:
        """Undo the form's changes, then let FAB show the reason (it flashes the exception's text)."""
        db.session.rollback()
        if isinstance(exc, units.UnitMoveError):
            raise UnitRefused(_("Not saved: %(reason)s.", reason=exc.reason.translated())) from exc
        raise exc

    def pre_add(self, item: Unit) -> None:
        try:
            self._check(item)
            parent = item.parent
            item.parent = None
            units.move(db.session, item, parent, editor=current_account())
            db.session.add(item)
            db.session.flush()  # the id, for the path
            item.path = f"{parent.path if parent else '/'}{item.id}/"
        except (UnitRefused, units.UnitMoveError) as exc:
            self._refuse(exc)

    def pre_update(self, item: Unit) -> None:
        try:
            self._check(item)
            parent = item.parent
            if item.path != f"{parent.path if parent else '/'}{item.id}/":
                before = item.path
                count = units.move(db.session, item, parent, editor=current_account())
                audit.record("unit.move", "Unit", item.id, {
                    "code": item.code, "parent": parent.code if parent else None,
                    "from": before, "to": item.path, "units": count})
        except (UnitRefused, units.UnitMoveError) as exc:
            self._refuse(exc)

    def pre_delete(self, item: Unit) -> None:
        children = db.session.scalar(select(func.count()).where(Unit.parent_id == item.id))
        accounts = db.session.scalar(select(func.count()).where(Account.unit_id == item.id))
        holders = db.session.scalar(select(func.count()).where(UnitHolder.unit_id == item.id))
        if children or accounts or holders:
            raise UnitRefused(_(
                "Unit %(code)s cannot be deleted: %(children)d unit(s) sit under it, and %(accounts)d "
                "account(s) and %(holders)d roster entry(ies) belong to it. Use the Deactivate action "
                "instead: the unit stays in the records, ends today and its account sees nothing.",
                code=item.code, children=children, accounts=accounts, holders=holders))

    @action("deactivate", _l("Deactivate"),
            _l("Deactivate the selected units? They stay in the records, end today, and their accounts see nothing."),
            "fa-ban")
    def deactivate(self, items):
        items = [item for item in (items if isinstance(items, list) else [items]) if item is not None]
        today = to_user_timezone(clock.utcnow()).date()  # the province's date, not the server's
        changed = 0
        for item in items:
            if item.active:
                item.active = False
                item.valid_to = item.valid_to or today
                changed += 1
        db.session.commit()
        flash(_("%(count)d unit(s) deactivated.", count=changed), "success")
        self.update_redirect()
        return redirect(self.get_redirect())

    # --- CSV -----------------------------------------------------------------

    @expose("/export.csv")
    @has_access
    @permission_name("list")
    def export(self):
        data, count = unit_csv.export_csv(db.session, condition(Unit, current_account()))
        audit.record("units.export", "Unit", None, {"units": count, "format": "csv"})
        db.session.commit()
        return Response(data, mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=units.csv"})

    @expose("/import", methods=["GET", "POST"])
    @has_access
    @permission_name("import")
    def import_csv(self):
        form = UnitImportForm()
        problems = []
        if form.validate_on_submit():
            upload = form.file.data
            data = upload.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                flash(_("The file is larger than %(size)d MB.", size=MAX_UPLOAD_BYTES // (1024 * 1024)), "danger")
            else:
                try:
                    result = unit_csv.import_csv(db.session, data, source=f"csv {upload.filename or ''}".strip())
                    db.session.commit()
                except units.UnitImportError as exc:
                    db.session.rollback()
                    problems = [(line, units.translated(reason)) for line, reason in exc.problems]
                    flash(_("%(count)d bad row(s): nothing was imported. Correct them and upload the file again.",
                            count=unit_csv.bad_rows(exc.problems)), "danger")
                else:
                    flash(_("Units imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
                            created=result.created, updated=result.updated, unchanged=result.unchanged), "success")
                    return redirect(url_for("UnitsView.list"))
        return self.render_template("hierarchy/units_import.html", form=form, problems=problems,
                                    columns=unit_csv.COLUMNS, title=_("Import units from CSV"))


class UnitImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


# --- the tree ----------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without Vietnamese accents, so "ha quang" finds "Hà Quảng" (and "Đ" is "d")."""
    text = unicodedata.normalize("NFD", text or "").replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


@dataclass(eq=False)
class Node:
    id: int
    code: str
    name: str
    level: str
    kind: str
    active: bool
    path: str
    children: list = field(default_factory=list)
    match: bool = False
    open: bool = False


KIND_ORDER = {kind: i for i, kind in enumerate(KIND_LABELS)}


def build_tree(rows, q: str = "") -> tuple[list[Node], int]:
    """Nest ``rows`` (ordered by path) into trees; with ``q``, keep matches and their ancestors.

    Returns the roots and the number of matches. Children of a match are kept
    (collapsed), so a found district still lists its communes.
    """
    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    for row in rows:
        node = Node(row.id, row.code, row.name, row.level, row.kind, row.active, row.path)
        nodes[row.id] = node
        parent = nodes.get(row.parent_id)
        (parent.children if parent is not None else roots).append(node)
    matches = 0
    if q:
        needle = fold(q.strip())
        keep: set[int] = set()
        for node in nodes.values():
            if needle in fold(node.code) or needle in fold(node.name):
                node.match = True
                matches += 1
                ids = [int(part) for part in node.path.strip("/").split("/")]
                keep.update(ids)
                for ancestor_id in ids[:-1]:
                    ancestor = nodes.get(ancestor_id)
                    if ancestor is not None:
                        ancestor.open = True

        def prune(items: list[Node], inside_match: bool) -> list[Node]:
            kept = []
            for node in items:
                if inside_match or node.id in keep:
                    node.children = prune(node.children, inside_match or node.match)
                    kept.append(node)
            return kept

        roots = prune(roots, False)
    else:
        for root in roots:
            root.open = True
    stack = list(roots)
    roots.sort(key=_sibling_order)
    while stack:
        node = stack.pop()
        node.children.sort(key=_sibling_order)
        stack.extend(node.children)
    return roots, matches


def _sibling_order(node: Node):
    return KIND_ORDER.get(node.kind, len(KIND_ORDER)), node.code


class UnitTreeView(BaseView):
    """The whole tree of the caller's scope, from one query, nested and collapsible, with a search box."""

    route_base = "/units/tree"
    default_view = "tree"

    @expose("/")
    @has_access
    def tree(self):
        q = (request.args.get("q") or "").strip()[:100]
        rows = db.session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.kind, Unit.active, Unit.parent_id, Unit.path)
            .where(condition(Unit, current_account()))
            .order_by(Unit.path)
        ).all()
        roots, matches = build_tree(rows, q)
        show_url = url_for("UnitsView.show", pk=0)[:-1]
        return self.render_template("hierarchy/unit_tree.html", roots=roots, q=q, matches=matches, total=len(rows),
                                    levels=level_names(), show_url=show_url, title=_("Unit tree"))
