"""*Sắp xếp đơn vị hành chính* (issue 19): the reorganisation events, the plugins' offers, a draft's steps
with the shares of its splits, the preview, and "Áp dụng". The system administrator's alone
(:data:`core.hierarchy.roles.ADMIN_ONLY`): an event closes units and locks accounts across the province.

Every decision is the service's (:mod:`core.hierarchy.reorganisation`); the screen draws the plan and
hands the administrator's choices to it. An applied event is read-only: it is history.
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.hierarchy import reorganisation as service
from core.hierarchy.models import Reorganisation
from core.hierarchy.units import names_of
from core.platform import plugin_admin
from core.platform.extensions import db
from core.platform.identity import current_account

STEP_LABELS = {"create": _l("Create"), "merge": _l("Merge"), "split": _l("Split"), "rename": _l("Rename"),
               "reparent": _l("Move"), "remove_level": _l("Remove a level"), "recode": _l("Retire a code")}
STATE_LABELS = {"draft": _l("Draft"), "applied": _l("Applied")}
OPEN_REPORT_LABELS = {"move": _l("Hand over to the successor"), "close": _l("Close with a reason")}
OUTCOME_LABELS = {"move": _l("Handed over"), "close": _l("Closed")}


def offers() -> list:
    """Every enabled plugin's offered events (the ``reorganisations`` hook)."""
    return [offer for answer in plugin_admin.registry().hook.reorganisations() for offer in (answer or [])]


def describe_step(step: dict, names: dict) -> str:
    """A step as a sentence the administrator reads."""
    def unit(code):
        return f"{names.get(code, '')} ({code})".strip() if code else "—"

    kind = step.get("kind")
    if kind == "create":
        return _("%(name)s (%(code)s), under %(parent)s", name=step.get("name", ""), code=step.get("code", ""),
                 parent=unit(step.get("parent")))
    if kind == "merge":
        target = step.get("target")
        return _("%(sources)s into %(target)s", sources=", ".join(unit(c) for c in step.get("sources") or []),
                 target=f"{step.get('name') or names.get(target, '')} ({target})")
    if kind == "split":
        return _("%(source)s between %(parts)s", source=unit(step.get("source")),
                 parts=", ".join(f"{p.get('code')} ({_share_text(p.get('share'))})" for p in step.get("parts") or []))
    if kind == "rename":
        return _("%(unit)s becomes %(name)s", unit=unit(step.get("unit")), name=step.get("name", ""))
    if kind == "reparent":
        return _("%(unit)s under %(parent)s", unit=unit(step.get("unit")), parent=unit(step.get("parent")))
    if kind == "recode":
        return _("%(unit)s keeps its history under code %(code)s", unit=unit(step.get("unit")), code=step.get("code", ""))
    if kind == "remove_level":
        from core.hierarchy.views import KIND_LABELS, level_names

        unit_kind = step.get("unit_kind")
        return _("level %(level)s (units of kind %(kind)s)", level=level_names().get(step.get("level"), step.get("level")),
                 kind=KIND_LABELS.get(unit_kind, unit_kind) if unit_kind else _("any"))
    return str(step)


def _share_text(value) -> str:
    try:
        return f"{Decimal(str(value)) * 100:.2f} %".replace(".", ",")
    except (InvalidOperation, ValueError):
        return str(value)


class ReorganisationsView(BaseView):
    route_base = "/reorganisations"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        events = db.session.execute(select(Reorganisation).order_by(Reorganisation.effective.desc(),
                                                                    Reorganisation.id.desc())).scalars().all()
        return self.render_template("hierarchy/reorganisations.html", events=events, offers=list(enumerate(offers())),
                                    states=STATE_LABELS, title=_("Administrative reorganisation"))

    @expose("/offer", methods=["POST"])
    @has_access
    def offer(self):
        """Turn a plugin's offer into a draft (the national table, or the plugin's own steps)."""
        from core.hierarchy import transition
        from core.hierarchy.reorganisation import from_transition

        index = request.form.get("offer", type=int)
        available = offers()
        if index is None or not 0 <= index < len(available):
            flash(_("Choose one of the offered reorganisations."), "danger")
            return redirect(url_for(".list"))
        chosen, actor = available[index], current_account()
        if chosen.steps:
            reorg = Reorganisation(name=chosen.name, legal_basis=chosen.legal_basis, effective=chosen.effective,
                                   steps=json.dumps(list(chosen.steps), ensure_ascii=False),
                                   source=f"plugin: {chosen.name}"[:255], created_by=actor.username)
            db.session.add(reorg)
        else:
            reorg, built = from_transition.draft(db.session, transition.load(chosen.province), chosen.effective,
                                                 chosen.legal_basis, actor=actor.username)
            if reorg is None:
                db.session.rollback()
                for line in [service.describe(n, why) for n, why in built.problems][:10]:
                    flash(line, "danger")
                return redirect(url_for(".list"))
        db.session.commit()
        flash(_("Draft %(name)s prepared: check it, then apply it.", name=reorg.name), "success")
        return redirect(url_for(".show", pk=reorg.id))

    def _event(self, pk: int) -> Reorganisation:
        reorg = db.session.get(Reorganisation, pk)
        if reorg is None:
            abort(404)
        return reorg

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        reorg = self._event(pk)
        steps = service.steps_of(reorg)
        codes = set()
        for step in steps:
            codes.update(c for c in (step.get("unit"), step.get("parent"), step.get("source"), step.get("target"))
                         if isinstance(c, str))
            codes.update(c for c in step.get("sources") or [] if isinstance(c, str))
            codes.update(p.get("code") for p in step.get("parts") or [] if isinstance(p, dict))
        names = names_of(codes)
        for step in steps:  # units the event creates have no row yet: their names are in the steps
            if step.get("kind") in ("create", "merge") and step.get("name"):
                names.setdefault(step.get("code") or step.get("target"), step["name"])
        plan = service.preview(db.session, reorg) if reorg.state == "draft" else None
        problems = [service.describe(n, why) for n, why in plan.problems] if plan else []
        return self.render_template(
            "hierarchy/reorganisation.html", reorg=reorg, steps=list(enumerate(steps, start=1)), names=names,
            describe=describe_step, step_labels=STEP_LABELS, states=STATE_LABELS, open_labels=OPEN_REPORT_LABELS,
            outcomes=OUTCOME_LABELS, plan=plan, problems=problems, share_text=_share_text,
            has_split=any(step.get("kind") == "split" for step in steps),
            title=reorg.name)

    @expose("/<int:pk>/shares", methods=["POST"])
    @has_access
    def shares(self, pk):
        """The shares of the draft's splits, as typed (percent); the service checks they sum to 100 %."""
        reorg = self._event(pk)
        if reorg.state != "draft":
            flash(_("An applied reorganisation cannot be changed."), "danger")
            return redirect(url_for(".show", pk=pk))
        steps = service.steps_of(reorg)
        bad = []
        for number, step in enumerate(steps, start=1):
            if step.get("kind") != "split":
                continue
            for part in step.get("parts") or []:
                typed = (request.form.get(f"share-{number}-{part.get('code')}") or "").strip().replace(",", ".")
                typed = typed.rstrip("%").strip()
                try:
                    value = Decimal(typed) / 100
                except InvalidOperation:
                    bad.append(_("Step %(n)s: the share of %(code)s is not a number.", n=number, code=part.get("code")))
                    continue
                if not value.is_finite() or value <= 0 or value > 1:
                    bad.append(_("Step %(n)s: the share of %(code)s must be above 0 %% and at most 100 %%.",
                                 n=number, code=part.get("code")))
                    continue
                part["share"] = str(value.normalize())
        if bad:
            for line in bad:
                flash(line, "danger")
            return redirect(url_for(".show", pk=pk))
        reorg.steps = json.dumps(steps, ensure_ascii=False)
        db.session.commit()  # the ORM listener audits the change of the steps
        problems = service.validate(db.session, reorg)
        for n, why in problems[:10]:
            flash(service.describe(n, why), "danger")
        if not problems:
            flash(_("Shares saved."), "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/<int:pk>/apply", methods=["POST"])
    @has_access
    def apply(self, pk):
        reorg = self._event(pk)
        try:
            result = service.apply(db.session, reorg, current_account())
            db.session.commit()
        except service.AlreadyApplied as exc:
            db.session.rollback()
            flash(service.describe(None, exc.problems[0][1]), "danger")
            return redirect(url_for(".show", pk=pk)), 303
        except service.ReorganisationError as exc:
            db.session.rollback()
            for n, why in exc.problems[:10]:
                flash(service.describe(n, why), "danger")
            return redirect(url_for(".show", pk=pk))
        flash(_("Reorganisation applied: %(created)d created, %(closed)d closed, %(reports)d open reports handled, "
                "%(accounts)d accounts locked.", created=len(result.created), closed=len(result.closed),
                reports=len(result.reports), accounts=len(result.accounts)), "success")
        return redirect(url_for(".show", pk=pk))
