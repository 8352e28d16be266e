"""What the designer's screens share: Vietnamese names of types, codes, refusals, the form being edited."""
from __future__ import annotations

from flask import request
from flask_appbuilder import ModelView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import BooleanField, IntegerField
from wtforms.validators import Length, Optional, Regexp

from core.contracts import PeriodType
from core.platform import labels
from core.platform.extensions import db
from core.forms.models.form import Form, FormField, FormRule, FormSection
from core.forms.models.period import Schedule
from core.forms.models.form import NUMERIC_TYPES

#: FIELD_TYPES with the names the board sees.
FIELD_TYPE_LABELS = {
    "integer": _l("Integer"),
    "decimal": _l("Decimal number"),
    "percent": _l("Percentage"),
    "text": _l("Text"),
    "long_text": _l("Long text"),
    "date": _l("Date"),
    "choice": _l("Choice list"),
    "yes_no": _l("Yes/No"),
    "file": _l("File"),
}

PERIOD_TYPE_LABELS = {
    PeriodType.MONTHLY: _l("Monthly"),
    PeriodType.QUARTERLY: _l("Quarterly"),
    PeriodType.SIX_MONTHLY: _l("Six-monthly"),
    PeriodType.NINE_MONTH: _l("Nine-month"),
    PeriodType.YEARLY: _l("Yearly"),
    PeriodType.PHASE: _l("Phase (several years)"),
    PeriodType.ADHOC: _l("Ad hoc or thematic"),
}

#: Codes appear in rule expressions and in cell keys ("kinh|nam"): letters, digits, underscores.
CODE = Regexp(r"^[A-Za-z_][A-Za-z0-9_]*$",
              message=_l("Use letters without accents, digits and _, starting with a letter."))
#: Form codes are also file names of exported workbooks.
FORM_CODE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                   message=_l("Use letters without accents, digits and . _ -, starting with a letter or digit."))
CODE_LENGTH = Length(max=60)


class Refused(Exception):
    """A change the designer does not save; FAB flashes the (Vietnamese) text."""


def refuse(message: str):
    """Undo what FAB's form put in the session, then refuse with ``message``."""
    db.session.rollback()
    raise Refused(message)


def field_type_label(value) -> str:
    label = FIELD_TYPE_LABELS.get(value or "")
    return str(label) if label is not None else (value or "")


def period_type_label(value) -> str:
    label = PERIOD_TYPE_LABELS.get(value or "")
    return str(label) if label is not None else (value or "")


def field_type_choices():
    return [(code, str(label)) for code, label in FIELD_TYPE_LABELS.items()]


def period_type_choices():
    return [(kind.value, str(label)) for kind, label in PERIOD_TYPE_LABELS.items()]


#: ``board`` or ``plugin:<name>`` as the board reads it.
source_label = labels.plugin_source


#: Booleans as "Có"/"Không", empty as "—": core.platform.labels, the one place for names of values.
yes_no = labels.yes_no
blank = labels.blank


def number(value) -> str:
    """A min/max bound without a useless ``.0``."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def position_field():
    return IntegerField(_l("Order"), validators=[Optional()],
                        description=_l("Position in the list; empty puts it last."))


def flag(label):
    """A tick box that may stay unticked (FAB makes a NOT NULL boolean's box required)."""
    return BooleanField(label)


def next_position(model, parent_column, parent_id) -> int:
    with db.session.no_autoflush:
        last = db.session.scalar(select(func.max(model.position)).where(parent_column == parent_id))
    return 0 if last is None else last + 1


def taken(model, parent_column, parent_id, code: str, own_id) -> bool:
    """Whether another row under the same parent already has ``code`` (without flushing the edited row)."""
    query = select(func.count()).select_from(model).where(parent_column == parent_id, model.code == code)
    if own_id is not None:
        query = query.where(model.id != own_id)
    with db.session.no_autoflush:
        return bool(db.session.scalar(query))


class CheckedView(ModelView):
    """A designer screen whose every save is checked by ``_check``.

    Parts with a code under a parent (a form's sections, fields and rules; a
    category's options) share :meth:`_check_coded`: the parent is chosen, the
    code is unique under it, and a new part goes last.
    """

    #: The relationship naming the parent; its foreign key is ``<parent>_id``.
    parent = "form"

    def _check(self, item) -> None:  # pragma: no cover - each screen says what it checks
        raise NotImplementedError

    def _missing_parent(self) -> str:
        return _("Choose the form.")

    def _duplicate(self, item) -> str:
        """The refusal when ``item``'s code is taken under its parent (each screen names itself)."""
        raise NotImplementedError

    def _check_coded(self, item) -> None:
        model, owner = self.datamodel.obj, getattr(item, self.parent)
        column = getattr(model, f"{self.parent}_id")
        if owner is None:
            refuse(self._missing_parent())
        if taken(model, column, owner.id, item.code, item.id):
            refuse(self._duplicate(item))
        if item.position is None:
            item.position = next_position(model, column, owner.id)

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)


def field_kind(field: FormField) -> str:
    """The kind of value a rule sees for a field: a grid of cells, a number or text."""
    if field.combo_id is not None:
        return "cells"
    return "number" if field.type in NUMERIC_TYPES else "text"


# --- the form a section, field, rule or schedule belongs to -------------------------------


_PARENT_OF = {FormSection: "form", FormField: "form", FormRule: "form", Schedule: "form"}


def edited_form(wtform=None, model=None) -> Form | None:
    """The form whose part is being added or edited in this request.

    On add it is the form chosen in (or filled into, from the form's page) the ``form``
    field, or the ``_flt_0_form`` argument FAB's related list puts on the add link;
    on edit, the form of the row being edited.
    """
    field = getattr(wtform, "_fields", {}).get("form") if wtform is not None else None
    if field is not None and isinstance(field.data, Form):
        return field.data
    pk = (request.view_args or {}).get("pk")
    if model is not None and pk is not None:
        try:
            row = db.session.get(model, int(pk))
        except (TypeError, ValueError):
            row = None
        if row is not None:
            return row.form
    raw = request.args.get("_flt_0_form")
    if raw and raw.isdigit():
        return db.session.get(Form, int(raw))
    return None
