"""Forms: from a plugin's or a workbook's :class:`FormSpec` into draft rows, and from draft rows
into frozen versions (REQUIREMENTS F1, F2, F7).

The *definition* is the JSON snapshot a :class:`FormVersion` keeps. It holds
everything needed to render, validate and aggregate a report without
looking at today's draft: sections and fields, rules, and each combo's
categories with its cells (``"kinh|nam"``) already crossed.
"""
from __future__ import annotations

from dataclasses import asdict
from itertools import product

from sqlalchemy import func, select

from core.platform import audit, clock
from core.forms import periods
from core.contracts import (CategorySpec, Choice, ComboSpec, FieldSpec, FormSpec, IndicatorSpec, RuleSpec,
                            SectionSpec)
from core.forms.models.form import (Category, CategoryCombo, CategoryOption, ComboCategory, Form, FormField,
                                    FormRule, FormSection, FormVersion, Indicator)
from core.forms.models.period import Schedule
from core.forms.models.form import FIELD_TYPES, NUMERIC_TYPES

CELL_SEPARATOR = "|"


class FormError(Exception):
    """Every problem found in a form, each naming where it is."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


# --- spec -> rows ----------------------------------------------------------------------------


def _upsert(session, model, code: str, **values):
    row = session.execute(select(model).where(model.code == code)).scalar_one_or_none()
    if row is None:
        row = model(code=code, **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    return row


def _sync_catalogues(session, spec: FormSpec) -> None:
    for cat in spec.categories:
        category = _upsert(session, Category, cat.code, name=cat.name)
        known = {o.code: o for o in category.options}
        for position, option in enumerate(cat.options):
            row = known.get(option.code)
            if row is None:
                category.options.append(CategoryOption(code=option.code, name=option.label, position=position))
            else:
                row.name, row.position = option.label, position
    session.flush()
    for combo_spec in spec.combos:
        combo = _upsert(session, CategoryCombo, combo_spec.code, name=combo_spec.name)
        wanted = [session.execute(select(Category).where(Category.code == c)).scalar_one() for c in combo_spec.categories]
        if [m.category_id for m in combo.members] != [c.id for c in wanted]:
            combo.members = [ComboCategory(category=c, position=i) for i, c in enumerate(wanted)]
    for ind in spec.indicators:
        _upsert(session, Indicator, ind.code, name=ind.name, definition=ind.definition or None,
                method=ind.method or None, unit_of_measure=ind.unit_of_measure or None, sector=ind.sector or None)
    session.flush()


def _check_spec(session, spec: FormSpec) -> list[str]:
    problems, seen = [], set()
    combos = {c.code for c in spec.combos} | set(session.execute(select(CategoryCombo.code)).scalars())
    indicators = {i.code for i in spec.indicators} | set(session.execute(select(Indicator.code)).scalars())
    categories = {c.code for c in spec.categories} | set(session.execute(select(Category.code)).scalars())
    for combo in spec.combos:
        for code in combo.categories:
            if code not in categories:
                problems.append(f"combo {combo.code}: unknown category {code}")
    for section in spec.sections:
        for f in section.fields:
            where = f"field {f.code}"
            if f.code in seen:
                problems.append(f"{where}: code used twice")
            seen.add(f.code)
            if f.type not in FIELD_TYPES:
                problems.append(f"{where}: unknown type {f.type!r}")
            if f.type == "choice" and not f.choices:
                problems.append(f"{where}: a choice field needs choices")
            if f.combo and f.combo not in combos:
                problems.append(f"{where}: unknown combo {f.combo}")
            if f.combo and f.type not in NUMERIC_TYPES:
                problems.append(f"{where}: only number fields can be disaggregated")
            if f.indicator and f.indicator not in indicators:
                problems.append(f"{where}: unknown indicator {f.indicator}")
            if f.min is not None and f.max is not None and f.min > f.max:
                problems.append(f"{where}: min is greater than max")
    for schedule in spec.schedules:
        if problem := periods.check_indexes(schedule.period_type, schedule.indexes):
            problems.append(f"schedule {schedule.period_type}: {problem}")
    return problems


def _replace_draft(session, form: Form, spec: FormSpec) -> None:
    combos = dict(session.execute(select(CategoryCombo.code, CategoryCombo.id)).all())
    indicators = dict(session.execute(select(Indicator.code, Indicator.id)).all())
    form.sections.clear()
    form.fields.clear()
    form.rules.clear()
    session.flush()
    position = 0
    for s_pos, section_spec in enumerate(spec.sections):
        section = FormSection(code=section_spec.code, title=section_spec.title, position=s_pos)
        form.sections.append(section)
        for f in section_spec.fields:
            form.fields.append(FormField(
                section=section, code=f.code, label=f.label, type=f.type, required=f.required,
                min_value=f.min, max_value=f.max, unit_of_measure=f.unit_of_measure or None,
                help_text=f.help or None, choices=[asdict(c) for c in f.choices] or None,
                combo_id=combos.get(f.combo) if f.combo else None,
                indicator_id=indicators.get(f.indicator) if f.indicator else None, position=position))
            position += 1
    for r_pos, rule in enumerate(spec.rules):
        form.rules.append(FormRule(code=rule.code, expression=rule.expression, message=rule.message, position=r_pos))
    session.flush()


def sync_spec(session, spec: FormSpec, source: str, publish_it: bool = True) -> str:
    """Bring ``spec`` into the database; returns what happened.

    ``created``/``updated``/``unchanged`` for forms owned by ``source``;
    ``kept`` when the board has published its own version of a plugin's
    form since (the board's edit wins); ``refused`` when another source owns
    the code.
    """
    problems = _check_spec(session, spec)
    if problems:
        raise FormError([f"form {spec.code}: {p}" for p in problems])
    _sync_catalogues(session, spec)
    form = session.execute(select(Form).where(Form.code == spec.code)).scalar_one_or_none()
    created = form is None
    if created:
        form = Form(code=spec.code, name=spec.name, source=source)
        session.add(form)
    elif form.source != source:
        return "refused"
    elif publish_it and form.published_version and latest_version(session, form).published_by != source:
        return "kept"
    form.name, form.sector, form.description = spec.name, spec.sector or None, spec.description or None
    session.flush()
    _replace_draft(session, form, spec)
    for schedule in spec.schedules:
        row = session.execute(select(Schedule).where(Schedule.form_id == form.id,
                                                     Schedule.period_type == schedule.period_type)).scalar_one_or_none()
        indexes = ",".join(str(i) for i in sorted(schedule.indexes)) or None
        if row is None:
            session.add(Schedule(form_id=form.id, period_type=schedule.period_type,
                                 levels=",".join(schedule.levels), indexes=indexes, source=source))
        elif row.source == source:
            row.levels, row.indexes = ",".join(schedule.levels), indexes
    session.flush()
    published = publish(session, form, by=source) if publish_it else None
    if created:
        return "created"
    return "updated" if published is not None else "unchanged"


# --- rows -> definition -> version ------------------------------------------------------------


def combo_definition(combo: CategoryCombo) -> dict:
    categories = [{"code": c.code, "name": c.name,
                   "options": [{"code": o.code, "label": o.name} for o in c.options]} for c in combo.categories]
    cells = [{"key": CELL_SEPARATOR.join(o["code"] for o in combination),
              "labels": [o["label"] for o in combination]}
             for combination in product(*[c["options"] for c in categories])]
    return {"code": combo.code, "name": combo.name, "categories": categories, "cells": cells}


def definition(form: Form) -> dict:
    """The draft as the JSON a version freezes (no ids: codes only, so it reads the same anywhere)."""
    combos, indicators, sections = {}, {}, []
    by_section: dict[int | None, list[FormField]] = {}
    for f in form.fields:
        by_section.setdefault(f.section_id, []).append(f)

    def field_json(f: FormField) -> dict:
        if f.combo is not None and f.combo.code not in combos:
            combos[f.combo.code] = combo_definition(f.combo)
        if f.indicator is not None:
            ind = f.indicator
            indicators[ind.code] = {"code": ind.code, "name": ind.name, "definition": ind.definition or "",
                                    "method": ind.method or "", "unit_of_measure": ind.unit_of_measure or ""}
        return {"code": f.code, "label": f.label, "type": f.type, "required": bool(f.required),
                "min": f.min_value, "max": f.max_value, "unit_of_measure": f.unit_of_measure or "",
                "help": f.help_text or "", "choices": f.choices or [],
                "combo": f.combo.code if f.combo else None, "indicator": f.indicator.code if f.indicator else None}

    for section in form.sections:
        sections.append({"code": section.code, "title": section.title,
                         "fields": [field_json(f) for f in by_section.get(section.id, [])]})
    if by_section.get(None):
        sections.append({"code": "_other", "title": "", "fields": [field_json(f) for f in by_section[None]]})
    return {
        "code": form.code, "name": form.name, "sector": form.sector or "", "description": form.description or "",
        "sections": sections,
        "rules": [{"code": r.code, "expression": r.expression, "message": r.message} for r in form.rules],
        "combos": combos, "indicators": indicators,
    }


def grid(combo: dict) -> dict:
    """Rows: the options of the combo's first category; columns: the cross of the others."""
    first, rest = combo["categories"][0], combo["categories"][1:]
    columns = list(product(*[c["options"] for c in rest])) if rest else [()]
    return {
        "row_title": first["name"],
        "column_titles": [c["name"] for c in rest],
        "columns": [{"label": " – ".join(o["label"] for o in col), "codes": [o["code"] for o in col]}
                    for col in columns],
        "rows": [{"label": row["label"], "cells": [
            {"key": CELL_SEPARATOR.join([row["code"], *(o["code"] for o in col)]),
             "label": ", ".join([row["label"], *(o["label"] for o in col)])} for col in columns]}
            for row in first["options"]],
    }


def fields_of(defn: dict) -> dict[str, dict]:
    """``{field code: field}`` of a definition, in form order."""
    return {f["code"]: f for s in defn["sections"] for f in s["fields"]}


def check_definition(defn: dict) -> list[str]:
    """Problems that would make a version unusable: no fields, rules that do not compile."""
    from core.forms import expressions

    problems = []
    fields = fields_of(defn)
    if not fields:
        problems.append("the form has no fields")
    kinds = {code: ("cells" if f["combo"] else "number" if f["type"] in NUMERIC_TYPES else "text")
             for code, f in fields.items()}
    for rule in defn["rules"]:
        try:
            expressions.check(rule["expression"], kinds)
        except expressions.ExpressionError as exc:
            problems.append(f"rule {rule['code']}: {exc}")
    return problems


def latest_version(session, form: Form) -> FormVersion | None:
    return session.execute(select(FormVersion).where(FormVersion.form_id == form.id)
                           .order_by(FormVersion.version.desc()).limit(1)).scalar_one_or_none()


def _published(query, form_ids):
    """``query`` limited to each form's published version (``Form.published_version``)."""
    query = query.join(Form, (Form.id == FormVersion.form_id) & (Form.published_version == FormVersion.version))
    return query if form_ids is None else query.where(Form.id.in_(form_ids))


def published_version_ids(session, form_ids=None) -> dict[int, int]:
    """``{form id: id of its published version}`` in one query (no definitions loaded)."""
    return dict(session.execute(_published(select(FormVersion.form_id, FormVersion.id), form_ids)).all())


def published_versions(session, form_ids) -> dict[int, FormVersion]:
    """``{form id: its published FormVersion}`` for a page of forms, in one query."""
    return {v.form_id: v for v in session.execute(_published(select(FormVersion), form_ids)).scalars()}


def publish(session, form: Form, by: str) -> FormVersion | None:
    """Freeze the draft as the next version; None when it equals the latest one. Refuses a broken draft."""
    defn = definition(form)
    problems = check_definition(defn)
    if problems:
        raise FormError([f"form {form.code}: {p}" for p in problems])
    latest = latest_version(session, form)
    if latest is not None and latest.definition == {**defn, "version": latest.version}:
        return None
    number = (latest.version if latest else 0) + 1
    version = FormVersion(form_id=form.id, version=number, definition={**defn, "version": number},
                          published_at=clock.utcnow(), published_by=by)
    session.add(version)
    form.published_version = number
    session.flush()
    audit.record("form.publish", "Form", form.id, {"code": form.code, "version": number, "by": by}, session=session)
    return version


def copy(session, form: Form, code: str, name: str) -> Form:
    """The board's own copy of a form (a plugin's, say) to adapt; a draft until published."""
    if session.execute(select(func.count()).select_from(Form).where(Form.code == code)).scalar_one():
        raise FormError([f"form code {code} is already used"])
    new = Form(code=code, name=name, sector=form.sector, description=form.description, source="board")
    session.add(new)
    session.flush()
    _replace_draft(session, new, to_spec(form))
    audit.record("form.copy", "Form", new.id, {"from": form.code, "code": code}, session=session)
    return new


def to_spec(form: Form) -> FormSpec:
    """The draft as a :class:`FormSpec` (for copies and workbook export)."""
    defn = definition(form)
    sections = tuple(SectionSpec(s["code"], s["title"], tuple(
        FieldSpec(code=f["code"], label=f["label"], type=f["type"], required=f["required"], min=f["min"],
                  max=f["max"], unit_of_measure=f["unit_of_measure"], help=f["help"],
                  choices=tuple(Choice(c["code"], c["label"]) for c in f["choices"]), combo=f["combo"],
                  indicator=f["indicator"]) for f in s["fields"])) for s in defn["sections"])
    combos = tuple(ComboSpec(c["code"], c["name"], tuple(cat["code"] for cat in c["categories"]))
                   for c in defn["combos"].values())
    categories = {cat["code"]: CategorySpec(cat["code"], cat["name"],
                                            tuple(Choice(o["code"], o["label"]) for o in cat["options"]))
                  for c in defn["combos"].values() for cat in c["categories"]}
    indicators = tuple(IndicatorSpec(i["code"], i["name"], i["definition"], i["method"], i["unit_of_measure"])
                       for i in defn["indicators"].values())
    return FormSpec(code=form.code, name=form.name, sections=sections,
                    rules=tuple(RuleSpec(r["code"], r["expression"], r["message"]) for r in defn["rules"]),
                    sector=form.sector or "", description=form.description or "",
                    categories=tuple(categories.values()), combos=combos, indicators=indicators)


def sync_plugins(session) -> dict[str, str]:
    """Every enabled plugin's forms into the database; ``{form code: what happened}``."""
    from core.platform import plugin_admin

    results, owners = {}, {}
    pm = plugin_admin.registry().pm
    for impl in pm.hook.register_forms.get_hookimpls():
        source = f"plugin:{impl.plugin_name}"
        for spec in impl.function() or []:
            if spec.code in owners:
                raise FormError([f"form {spec.code} is registered by both {owners[spec.code]} and {source}"])
            owners[spec.code] = source
            results[spec.code] = sync_spec(session, spec, source)
    return results


def sync_enabled_plugin(session, plugin) -> None:
    """After ``plugin`` is switched on: its forms into the database; a broken form refuses the switch."""
    if "register_forms" in plugin.hooks:
        sync_forms(session)


def sync_forms(session) -> dict[str, str]:
    """The enabled plugins' forms into the database, a broken form refused as a plugin toggle is."""
    from core.platform.plugin_admin import PluginError

    try:
        return sync_plugins(session)
    except FormError as exc:
        raise PluginError(str(exc)) from exc
