"""Data entry (REQUIREMENTS F9): read, check and save the values of a report.

The entry screen and the REST API (``PUT /api/v1/report/<id>/values``) both
come here, so a value is read and judged the same way wherever it is typed.
The screen's browser check posts the form to the server, which runs this
very code: one validation, not two copies that drift apart.

Values are keyed ``(field code, cell)``: ``cell`` is ``""`` for an ordinary
field and a combo's cell key (``"kinh|nam"``) for a disaggregated one. Typed
values are ``int``/``float`` for numbers (``yes_no`` is 1 or 0), ``str`` for
text, choices (the option code) and dates (ISO ``YYYY-MM-DD``), and ``None``
for an empty (cleared) value.

Nothing here commits: the caller owns the transaction.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import format_decimal
from sqlalchemy import and_, bindparam, delete, or_, select, text, update
from sqlalchemy.orm.attributes import set_committed_value

from core.accounts import light
from core.platform import audit, bulk, clock, hot_sql, labels
from core.platform.clock import today
from core.reporting.cells import BadValue, convert, parse_number, plain  # noqa: F401 (entry.parse_number, entry.plain: callers read one value here)
from core.forms.definitions import fields_of
from core.reporting.models import Report, ReportValue, ValueChange
from core.forms.models.form import NUMERIC_TYPES, FormVersion

log = logging.getLogger(__name__)

#: States in which a report's values may change (CONTRACT: 409 in the others).
EDITABLE_STATES = ("draft", "returned")
#: The names people read live in core.platform.labels; these names stay for callers.
STATE_LABELS = labels.STATES
ACTION_LABELS = labels.ACTIONS
#: Form posts name a cell ``<field>__<cell key>``; error keys name it ``<field>[<cell key>]``.
CELL_SEP = "__"
RULES_KEY = "_rules"
_IGNORED_KEYS = frozenset({"csrf_token"})

Key = tuple[str, str]


class EntryRefused(Exception):
    """The report cannot take values now; the message is for the user."""


def action_label(action: str) -> str:
    return labels.label("action", action)


def state_label(state: str | None, level: str | None = None) -> str:
    """"Nháp", "Đã duyệt"; a submitted report held at a level: "Chờ tỉnh duyệt"."""
    return labels.state(state, level) if state else ""


def is_editable(report: Report) -> bool:
    return report.state in EDITABLE_STATES


def may_enter(account, report: Report) -> bool:
    """Only the reporting unit's own accounts type its values (W9); others in scope read them."""
    return account is not None and account.unit_id is not None and account.unit_id == report.unit_id


# --- the shape of a definition --------------------------------------------------------------


def cells_of(defn: dict, fld: dict) -> list[str]:
    """The cell keys of a field, in the combo's order; ``[""]`` for a field without cells."""
    if not fld.get("combo"):
        return [""]
    return [c["key"] for c in defn["combos"][fld["combo"]]["cells"]]


def error_key(code: str, cell: str) -> str:
    return f"{code}[{cell}]" if cell else code


def input_name(code: str, cell: str) -> str:
    return f"{code}{CELL_SEP}{cell}" if cell else code


def _split_key(key: str, fields: dict) -> tuple[str, str] | None:
    """``"pop__kinh|nam"`` -> ``("pop", "kinh|nam")``; finds the field even if its code holds ``__``."""
    if key in fields:
        return key, ""
    start = key.find(CELL_SEP)
    while start > 0:
        if key[:start] in fields:
            return key[:start], key[start + len(CELL_SEP):]
        start = key.find(CELL_SEP, start + 1)
    return None


# --- parse and validate ---------------------------------------------------------------------------


def _entries(raw: dict, fields: dict):
    """``(raw key, field code, cell, value)`` for each value of a form post or a JSON object."""
    for key, value in raw.items():
        if key in _IGNORED_KEYS or key.startswith("_"):
            continue
        split = _split_key(key, fields)
        if split is None:
            yield key, None, "", value
        elif split[1] == "" and isinstance(value, dict):
            for cell, cell_value in value.items():
                yield key, split[0], str(cell), cell_value
        else:
            yield key, split[0], split[1], value


def parse(defn: dict, raw: dict, machine: bool = False) -> tuple[dict[Key, object], dict[str, list[str]]]:
    """Typed values and read errors of ``raw``.

    ``raw`` is a form post (``{"<field>": "1.234", "<field>__kinh|nam": "5"}``)
    or a JSON object whose values may also be numbers, booleans, null, or for
    a disaggregated field an object ``{cell key: value}``. Only the values
    given are returned (a partial save leaves the others alone); an empty one
    is ``None``, which clears it. Errors are keyed by field code, or
    ``"field[cell]"`` for a cell, with messages in the user's language.

    Numbers are read by :func:`parse_number` (Vietnamese ``1.234,5`` and
    ``1234.5`` alike; a lone dot before three digits, ``1.234``, groups
    thousands); integers refuse decimals, percentages must lie in 0..100,
    dates are DD/MM/YYYY or ISO, a choice must be one of its codes, yes/no
    takes yes/no/có/không/1/0/true/false.

    ``machine`` (the REST API, the data exchange): numbers are JSON numbers or plain machine text
    (``1234.5``), never the Vietnamese forms (:func:`core.reporting.cells.parse_machine_number`).
    """
    fields = fields_of(defn)
    values: dict[Key, object] = {}
    errors: dict[str, list[str]] = {}
    cell_sets: dict[str, set[str]] = {}
    for key, code, cell, value in _entries(raw, fields):
        if code is None:
            errors.setdefault(key, []).append(_("There is no such field in this form."))
            continue
        fld = fields[code]
        where = error_key(code, cell)
        if fld.get("combo"):
            known = cell_sets.setdefault(code, set(cells_of(defn, fld)))
            if not cell:
                errors.setdefault(where, []).append(_("Enter this field's values cell by cell, in its table."))
                continue
            if cell not in known:
                errors.setdefault(where, []).append(_("There is no such cell in this field's table."))
                continue
        elif cell:
            errors.setdefault(where, []).append(_("This field has no table of cells."))
            continue
        try:
            values[(code, cell)] = convert(fld, value, machine)
        except BadValue as exc:
            errors.setdefault(where, []).append(str(exc))
    return values, errors


def _show_number(number) -> str:
    """A bound in a message, written the Vietnamese way when the locale is Vietnamese."""
    try:
        return format_decimal(number)
    except RuntimeError:  # outside an app context
        return str(plain(Decimal(repr(number))))


def rule_values(defn: dict, values: dict[Key, object], partial: bool) -> dict[str, object]:
    """``{field code: value}`` as :func:`core.forms.expressions.evaluate` wants it.

    A disaggregated field is the list of its cells in combo order; wholly
    empty, it is None (the rule is skipped). In a draft (``partial``) a table
    with any empty cell is None too: a rule is checked once what it reads is
    complete, so officers can save a table half filled. ``yes_no`` is
    ``"yes"``/``"no"``: rules compare it with text.
    """
    out: dict[str, object] = {}
    for code, fld in fields_of(defn).items():
        if fld.get("combo"):
            cells = [values.get((code, cell)) for cell in cells_of(defn, fld)]
            empty = all(v is None for v in cells) or (partial and any(v is None for v in cells))
            out[code] = None if empty else cells
        elif fld["type"] == "yes_no":
            v = values.get((code, ""))
            out[code] = None if v is None else ("yes" if v else "no")
        else:
            out[code] = values.get((code, ""))
    return out


def rule_message(rule: dict) -> str:
    """What an officer reads when a rule fails: the form's own sentence, never the rule's code
    (``minority_within_households: ...`` means nothing to a commune); the code stays in the audit log."""
    return str(rule.get("message") or "").strip() or _("The values of this form do not agree with each other.")


def failed_rules(defn: dict, values: dict[Key, object], partial: bool) -> list[dict]:
    """The rules of the form that are false over ``values`` (a rule that cannot be judged is skipped)."""
    if not defn.get("rules"):
        return []
    return _failed(defn, rule_values(defn, values, partial))


def _failed(defn: dict, inputs: dict[str, object]) -> list[dict]:
    from core.forms import expressions

    failed = []
    for rule in defn["rules"]:
        try:
            result = expressions.evaluate(rule["expression"], inputs)
        except expressions.ExpressionError as exc:
            log.warning("rule %s of form %s cannot be evaluated: %s", rule["code"], defn.get("code"), exc)
            continue
        if result is not None and not result:
            failed.append(rule)
    return failed


def bound_errors(fld: dict, value) -> list[str]:
    """What is wrong with one typed value on its own: below the field's minimum or above its maximum."""
    if value is None or fld["type"] not in NUMERIC_TYPES:
        return []
    problems = []
    if fld.get("min") is not None and value < fld["min"]:
        problems.append(_("Enter at least %(min)s.", min=_show_number(fld["min"])))
    if fld.get("max") is not None and value > fld["max"]:
        problems.append(_("Enter at most %(max)s.", max=_show_number(fld["max"])))
    return problems


def validate(defn: dict, values: dict[Key, object], partial: bool) -> dict[str, list[str]]:
    """Errors of a whole set of typed values (stored ones merged with the new).

    Required fields are checked unless ``partial`` (a draft may be half done);
    a required disaggregated field needs every cell (0 where there is
    nothing). Bounds apply to every number given. Each rule that is false
    adds its message under ``"_rules"``.
    """
    return judge(defn, values, (partial,))[partial]


def judge(defn: dict, values: dict[Key, object], modes=(True, False)) -> dict[bool, dict[str, list[str]]]:
    """:func:`validate` for each of ``modes`` (``partial`` True: as a draft; False: as a submission) in
    one pass: bounds once for both, each rule once unless what it reads differs between the two (a
    table with empty cells). A submit with values (save, then submit) judges them once with it."""
    out: dict[bool, dict[str, list[str]]] = {mode: {} for mode in modes}
    whole = [mode for mode in modes if not mode]
    for code, fld in fields_of(defn).items():
        cells = cells_of(defn, fld)
        if whole and fld.get("required") and fld["type"] != "file":
            missing = [cell for cell in cells if values.get((code, cell)) is None]
            if missing:
                message = (_("Fill in every cell of this table (enter 0 where there is nothing).")
                           if fld.get("combo") else _("This field is required."))
                out[False].setdefault(code, []).append(message)
        if fld["type"] not in NUMERIC_TYPES or (fld.get("min") is None and fld.get("max") is None):
            continue
        for cell in cells:
            problems = bound_errors(fld, values.get((code, cell)))
            if problems:
                for errors in out.values():
                    errors.setdefault(error_key(code, cell), []).extend(problems)
    if defn.get("rules"):
        failed: dict[bool, list[dict]] = {}
        inputs = {mode: rule_values(defn, values, mode) for mode in modes}
        for mode in modes:
            same = next((m for m in failed if inputs[m] == inputs[mode]), None)
            failed[mode] = failed[same] if same is not None else _failed(defn, inputs[mode])
            if failed[mode]:
                out[mode][RULES_KEY] = [rule_message(rule) for rule in failed[mode]]
    return out


# --- stored values -------------------------------------------------------------------------------


def _typed(fld: dict | None, number, text):
    if fld is not None and (fld["type"] in NUMERIC_TYPES or fld["type"] == "yes_no"):
        return None if number is None else plain(number)
    if text is not None:
        return text
    return None if number is None else plain(number)


def values_of(session, report: Report) -> dict[Key, object]:
    """The report's stored values, typed, in one query."""
    fields = fields_of(report.version.definition)
    rows = session.execute(select(ReportValue.field_code, ReportValue.cell, ReportValue.number, ReportValue.text)
                           .where(ReportValue.report_id == report.id))
    return {(code, cell): _typed(fields.get(code), number, text) for code, cell, number, text in rows}


def display(fld: dict, value) -> str:
    """A typed value as an input shows it: decimals with the Vietnamese decimal comma and no grouping
    (so that :func:`parse_number` reads it back the same), dates as ISO for ``<input type=date>``."""
    if value is None:
        return ""
    if fld["type"] in NUMERIC_TYPES:
        if isinstance(value, float):
            text = format(Decimal(repr(value)).normalize(), "f")
            return text.replace(".", ",")
        return str(value)
    if fld["type"] == "yes_no":
        return "yes" if value else "no"
    return str(value)


# --- save ---------------------------------------------------------------------------------------


@dataclass
class Check:
    """What a save would do: the errors, or the changed cells ``{key: (old, new)}``."""

    errors: dict[str, list[str]]
    values: dict[Key, object] = field(default_factory=dict)
    changes: dict[Key, tuple] = field(default_factory=dict)


def check(session, report: Report, raw: dict, partial: bool = True, machine: bool = False) -> Check:
    """Read ``raw``, merge it into the stored values and judge the result; writes nothing.

    The screen's live check (``/reports/<id>/validate``) and :func:`save` both
    use this, so they always agree. ``machine``: ``raw`` comes from a program (see :func:`parse`).
    """
    return _check(session, report, raw, partial, machine)[0]


def _check(session, report: Report, raw: dict, partial: bool, machine: bool,
           submit: bool = False) -> tuple[Check, dict[str, list[str]]]:
    """:func:`check`; with ``submit`` also the errors of the merged values as a submission (else {})."""
    defn = report.version.definition
    new, errors = parse(defn, raw, machine)
    stored = values_of(session, report)
    merged = {**stored, **new}
    modes = (partial, False) if submit and partial else (partial,)
    judged = judge(defn, merged, modes)
    for key, messages in judged[partial].items():
        have = errors.setdefault(key, [])
        have.extend(m for m in messages if m not in have)
    changes = {key: (stored.get(key), value) for key, value in new.items() if not _same(stored.get(key), value)}
    return Check(errors, merged, changes), (judged[False] if submit else {})


def _same(old, new) -> bool:
    if old is None or new is None:
        return old is new
    return old == new and isinstance(old, str) == isinstance(new, str)


def _row(report_id: int, fld: dict, key: Key, value) -> dict:
    numeric = fld["type"] in NUMERIC_TYPES or fld["type"] == "yes_no"
    return {"report_id": report_id, "field_code": key[0], "cell": key[1],
            "number": Decimal(repr(value)) if numeric else None, "text": None if numeric else value}


def _old_new(fld: dict, old, new) -> dict:
    numeric = fld["type"] in NUMERIC_TYPES or fld["type"] == "yes_no"

    def split(value):
        if value is None:
            return None, None
        return (Decimal(repr(value)), None) if numeric else (None, value)

    (old_number, old_text), (new_number, new_text) = split(old), split(new)
    return {"old_number": old_number, "old_text": old_text, "new_number": new_number, "new_text": new_text}


def refuse_unless_editable(report: Report) -> None:
    if not is_editable(report):
        raise EntryRefused(_("This report is %(state)s: only a draft or a returned report can be changed.",
                             state=state_label(report.state)))



def _lock_editable(session, report: Report) -> None:
    """Take the report's row lock and read its state again under it; refuse unless editable.

    Two saves of one report (two tabs, a double click, an autosave racing "Lưu") take turns: the
    second reads the first's values, so it neither inserts a cell twice nor misreports the changes.
    (PostgreSQL; SQLite serialises writers anyway.)"""
    state = session.execute(select(Report.state).where(Report.id == report.id).with_for_update()).scalar_one()
    set_committed_value(report, "state", state)
    refuse_unless_editable(report)


_VALUES = ReportValue.__table__
_CELL = (_VALUES.c.report_id == bindparam("k_report"), _VALUES.c.field_code == bindparam("k_field"),
         _VALUES.c.cell == bindparam("k_cell"))
_DELETE_CELL = delete(_VALUES).where(*_CELL)
_UPDATE_CELL = update(_VALUES).where(*_CELL).values(number=bindparam("v_number"), text=bindparam("v_text"))


def _write(session, report: Report, changes: dict[Key, tuple], touch: bool = True) -> None:
    """Write changed cells ``{key: (old, new)}``: inserts, updates, deletes for cleared values, one
    value-change row per cell (W9) and (``touch``) the report's ``updated_at``. No audit entry: the
    caller decides."""
    _write_cells(session, report.id, report.state, fields_of(report.version.definition), changes)
    # A bulk UPDATE, not an attribute change: the ORM audit listener would log a second entry.
    if touch:
        session.execute(update(Report).where(Report.id == report.id).values(updated_at=clock.utcnow())
                        .execution_options(synchronize_session=False))


def _write_cells(session, report_id: int, state: str, fields: dict, changes: dict[Key, tuple]) -> None:
    if session.get_bind().dialect.name == "postgresql":  # one statement for the cells and their changes
        _write_cells_at_once(session, report_id, state, fields, {key: new for key, (_old, new) in changes.items()})
        return
    inserts, updates, deletes = [], [], []
    for key, (old, new) in changes.items():
        if new is None:
            deletes.append({"k_report": report_id, "k_field": key[0], "k_cell": key[1]})
        elif old is None:
            inserts.append(_row(report_id, fields[key[0]], key, new))
        else:
            row = _row(report_id, fields[key[0]], key, new)
            updates.append({"k_report": report_id, "k_field": key[0], "k_cell": key[1],
                            "v_number": row["number"], "v_text": row["text"]})
    if deletes:
        session.execute(_DELETE_CELL, deletes)
    if updates:
        session.execute(_UPDATE_CELL, updates)
    bulk.insert_rows(session, _VALUES, inserts)
    # W9, nothing changes silently: every changed cell's old and new value, in one bulk insert.
    actor = audit.current_actor().name
    now = clock.utcnow()
    bulk.insert_rows(session, ValueChange.__table__, [
        {"report_id": report_id, "field_code": key[0], "cell": key[1], "state": state, "actor": actor,
         "at": now, **_old_new(fields[key[0]], old, new)}
        for key, (old, new) in changes.items()])


def save(session, report: Report, raw: dict, partial: bool = True, machine: bool = False) -> dict[str, list[str]]:
    """Save the values in ``raw``; return the errors (empty when saved). See :func:`save_checked`."""
    return save_checked(session, report, raw, partial, machine).errors


def save_for_submit(session, report: Report, raw: dict, machine: bool = False) -> tuple[Check, dict[str, list[str]]]:
    """Save ``raw`` as a draft (:func:`save_checked`) and judge the result as a submission in the same
    pass: ``(the save's Check, the submission's errors)``, to hand to ``workflows.service.transition``
    (``judged``) so that the submit neither reads the values again nor validates them again."""
    _lock_editable(session, report)
    result, submit_errors = _check(session, report, raw, True, machine, submit=True)
    if not result.errors and result.changes:
        _store(session, report, result, touch=False)  # the submit's own UPDATE stamps updated_at
    return result, submit_errors


def save_checked(session, report: Report, raw: dict, partial: bool = True, machine: bool = False) -> Check:
    """Save the values in ``raw``; return the :class:`Check` (errors, or the merged values now stored).

    Refuses (:class:`EntryRefused`) unless the report is a draft or returned.
    With any error nothing is written. Otherwise the changed cells are
    written in bulk (inserts, updates, and deletes for cleared values), the
    report's ``updated_at`` is set, and one ``report.save`` audit entry lists
    the changed cells as ``{key: [old, new]}``. Saving nothing new writes nothing.
    ``machine``: ``raw`` comes from a program (see :func:`parse`).
    """
    _lock_editable(session, report)
    result = check(session, report, raw, partial, machine)
    if result.errors or not result.changes:
        return result
    _store(session, report, result)
    return result


def _store(session, report: Report, result: Check, touch: bool = True) -> None:
    _write(session, report, result.changes, touch)
    audit.record("report.save", "Report", report.id, {
        "form": report.version.definition.get("code"),
        "cells": {error_key(*key): [old, new] for key, (old, new) in sorted(result.changes.items())},
    }, session=session)



def save_cells(session, report: Report, raw: dict, machine: bool = False) -> Check:
    """Autosave: store the cells in ``raw`` that are right on their own; return the others' errors.

    Cheap on purpose (thousands of officers type at once, bench/autosave.py): it reads the stored
    value of the given cells only, checks each cell's type and bounds (never storing a value the
    form would refuse on its own), and writes one row per changed cell plus its value-change row
    (W9). The rules between fields are not judged here: they need the whole form, and the live
    check, "Lưu" and "Gửi" judge them. Refuses (:class:`EntryRefused`) unless editable.
    """
    # One statement takes the row lock, checks the state under it and stamps the save time.
    state = session.execute(update(Report).where(Report.id == report.id, Report.state.in_(EDITABLE_STATES))
                            .values(updated_at=clock.utcnow()).returning(Report.state)
                            .execution_options(synchronize_session=False)).scalar_one_or_none()
    if state is None:
        _lock_editable(session, report)  # raises, with the state as it is now
    return _save_cells(session, report.id, state, report.version.definition, raw, machine)


def own_editable_report(unit_id):
    """``SELECT … FOR UPDATE`` of report ``b_report`` when it is unit ``unit_id``'s (a value or an SQL
    expression) and editable: its state, form and form version. The autosave's claim on PostgreSQL
    (the row lock, under which the state is checked); :mod:`core.accounts.light` runs it with the
    account's read."""
    return (select(Report.state, Report.form_id, Report.form_version_id)
            .where(Report.id == bindparam("b_report"), Report.unit_id == unit_id,
                   or_(*(Report.state == state for state in EDITABLE_STATES)))  # compiled once (hot_sql)
            .with_for_update(of=Report))


light.claim_with(own_editable_report)
#: The autosave's claim on PostgreSQL when the account's read did not take it (see above).
_LOCK_OWN = own_editable_report(bindparam("b_unit"))
#: Elsewhere (SQLite has no row lock) one UPDATE takes the write lock, checks the state under it and
#: stamps the save time.
_CLAIM_OWN = (update(Report).where(Report.id == bindparam("b_report"), Report.unit_id == bindparam("b_unit"),
                                   Report.state.in_(EDITABLE_STATES))
              .values(updated_at=bindparam("b_now")).returning(Report.state, Report.form_id, Report.form_version_id)
              .execution_options(synchronize_session=False))


def autosave_own(session, report_id: int, unit_id: int, raw: dict, machine: bool = False,
                 claimed=light.UNKNOWN) -> Check | None:
    """:func:`save_cells` for the reporting unit's own editable report, without loading the report:
    the light path of the entry screen's autosave (bench/autosave.py, issue 15).

    ``unit_id`` is the signed-in account's unit (the caller checked it is active: the unit's own report
    is then in scope, and only its accounts enter values, :func:`may_enter`). ``claimed``: the claim
    already taken with the account's read (:func:`core.accounts.light.claim_of`). None when the report
    is not that unit's, not editable or not there: the caller takes the ordinary path, which says which.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    if claimed is light.UNKNOWN:
        claimed = session.connection().execute(_LOCK_OWN if postgres else _CLAIM_OWN, {
            "b_report": report_id, "b_unit": unit_id, "b_now": clock.utcnow()}).first()
    if claimed is None:
        return None
    state, form_id, version_id = claimed
    return _save_cells(session, report_id, state, FormVersion.definition_of(session, version_id, form_id), raw,
                       machine, stamp=postgres)


def _save_cells(session, report_id: int, state: str, defn: dict, raw: dict, machine: bool,
                stamp: bool = False) -> Check:
    """``stamp``: the claim only locked the report (PostgreSQL's light path); the write stamps the save time."""
    fields = fields_of(defn)
    new, errors = parse(defn, raw, machine)
    for key in list(new):
        problems = bound_errors(fields[key[0]], new[key])
        if problems:
            errors.setdefault(error_key(*key), []).extend(problems)
            del new[key]
    if not new:
        return Check(errors, new, {})
    if session.get_bind().dialect.name == "postgresql":  # compared with what is stored in the same statement
        return Check(errors, new, _write_cells_at_once(session, report_id, state, fields, new, stamp))
    wanted = or_(*(and_(_VALUES.c.field_code == code, _VALUES.c.cell == cell) for code, cell in new))
    rows = session.connection().execute(select(_VALUES.c.field_code, _VALUES.c.cell, _VALUES.c.number,
                                               _VALUES.c.text).where(_VALUES.c.report_id == report_id, wanted))
    stored = {(code, cell): _typed(fields.get(code), number, text) for code, cell, number, text in rows}
    changes = {key: (stored.get(key), value) for key, value in new.items() if not _same(stored.get(key), value)}
    if changes:
        _write_cells(session, report_id, state, fields, changes)
    return Check(errors, new, changes)

#: PostgreSQL: the autosave's cells compared with what is stored, written (upserted, or deleted when
#: cleared) and recorded as value changes (W9) in one statement, one round trip instead of three. The
#: report's row is locked already (the claim), so no other save of it runs between the read and the write.
_AT_ONCE_SQL = """
WITH new AS (
  SELECT * FROM json_to_recordset(CAST(:rows AS json))
    AS r(field_code varchar, cell varchar, number numeric, text text)
), changed AS (
  SELECT new.field_code, new.cell, new.number, new.text, old.number AS old_number, old.text AS old_text
  FROM new LEFT JOIN report_value AS old
    ON old.report_id = :report_id AND old.field_code = new.field_code AND old.cell = new.cell
  WHERE old.number IS DISTINCT FROM new.number OR old.text IS DISTINCT FROM new.text
), cleared AS (
  DELETE FROM report_value AS v USING changed AS c
  WHERE v.report_id = :report_id AND v.field_code = c.field_code AND v.cell = c.cell
    AND c.number IS NULL AND c.text IS NULL
), written AS (
  INSERT INTO report_value (report_id, field_code, cell, number, text)
  SELECT :report_id, field_code, cell, number, text FROM changed WHERE number IS NOT NULL OR text IS NOT NULL
  ON CONFLICT (report_id, field_code, cell) DO UPDATE SET number = EXCLUDED.number, text = EXCLUDED.text
)STAMP
INSERT INTO report_value_change (report_id, field_code, cell, state, actor, at, old_number, old_text,
                                 new_number, new_text)
SELECT :report_id, field_code, cell, :state, :actor, :at, old_number, old_text, number, text FROM changed
RETURNING field_code, cell, old_number, old_text
"""
_AT_ONCE = text(_AT_ONCE_SQL.replace("STAMP", ""))
#: The same, and the report's save time stamped (the autosave's claim only locked it).
_AT_ONCE_STAMPED = text(_AT_ONCE_SQL.replace(
    "STAMP", ", stamped AS (UPDATE report SET updated_at = :at WHERE id = :report_id)"))


def _write_cells_at_once(session, report_id: int, state: str, fields: dict, new: dict[Key, object],
                         stamp: bool = False) -> dict:
    """:func:`_write_cells` of ``new`` against the stored values, on PostgreSQL; the changes ``{key: (old, new)}``."""
    rows = [{"field_code": key[0], "cell": key[1], "number": row["number"], "text": row["text"]}
            for key, value in new.items()
            for row in [_row(report_id, fields[key[0]], key, value) if value is not None
                        else {"number": None, "text": None}]]
    returned = hot_sql.rows(session, _AT_ONCE_STAMPED if stamp else _AT_ONCE, {
        "rows": json.dumps(rows, default=str, ensure_ascii=False), "report_id": report_id, "state": state,
        "actor": audit.current_actor().name, "at": clock.utcnow()})
    return {(code, cell): (_typed(fields.get(code), number, old_text), new[(code, cell)])
            for code, cell, number, old_text in returned}


# --- deadlines -------------------------------------------------------------------------------------


def days_left(deadline: date, on: date | None = None) -> int:
    """Days until the deadline: 0 on the day itself, negative when it has passed."""
    return (deadline - (on or today())).days


def deadline_text(report: Report, on: date | None = None) -> str:
    """"còn 5 ngày", "hôm nay là hạn", "quá hạn 3 ngày"; for a sent report, whether it was on time."""
    if report.submitted_at is not None and not is_editable(report):
        late = (clock.local_day(report.submitted_at) - report.deadline).days
        return _("sent %(n)d day(s) late", n=late) if late > 0 else _("sent on time")
    left = days_left(report.deadline, on)
    if left > 0:
        return _("%(n)d day(s) left", n=left)
    if left == 0:
        return _("due today")
    return _("%(n)d day(s) late", n=-left)
