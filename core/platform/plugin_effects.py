"""What switching a plugin on changes, in a provincial administrator's words, read from the plugin itself.

The Plugins screen listed hook names (``period_rules``, ``workflow_guards``) that say nothing to the
person who must decide. Here each hook a plugin answers becomes a sentence about the province's rules,
filled from what the plugin returns when asked (its levels, forms, period types, password policy,
lead time, backup schedule, jobs, contacts), so a new plugin is described without anyone writing its
description by hand. Hooks that need a report or a form to answer (guards, approval chains, roll-up
rules, Word templates) are described by what they decide.

:func:`takeovers` tells what switching a plugin on would take from another enabled one: a feature
of a province that is off (``ha_noi.deadlines``) answers its hooks before every whole plugin, so
switching it on while Cao Bằng is in use replaces the deadlines Cao Bằng's units follow. The screen
warns before it happens.

The Vietnamese here is a small local table of the hooks, not the shared enum labels: a hook is
not an enum a person reads elsewhere.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import hookspecs

log = logging.getLogger(__name__)

#: What each hook decides, as the heading of its sentence.
SUBJECTS = {
    "hierarchy_levels": _l("Administrative levels"),
    "agency_units": _l("Agencies"),
    "register_forms": _l("Report forms"),
    "period_rules": _l("Reporting periods and deadlines"),
    "password_policy": _l("Password rules"),
    "approval_chain": _l("Approval chain"),
    "workflow_guards": _l("Conditions before a report moves on"),
    "after_transition": _l("Actions after a report moves on"),
    "aggregation_rules": _l("How totals are computed"),
    "backup_schedule": _l("Automatic backups"),
    "maintenance_lead_time": _l("Maintenance notices"),
    "support_contacts": _l("Help contacts"),
    "scheduled_jobs": _l("Scheduled jobs"),
    "export_template": _l("Word export templates"),
}
#: For hooks that need a report or a form to answer: what they decide.
DECIDES = {
    "approval_chain": _l("which levels review each unit's reports, bottom up"),
    "workflow_guards": _l("extra conditions checked before a report is submitted, approved or returned"),
    "after_transition": _l("work done when a report changes state (notifications, copies)"),
    "aggregation_rules": _l("how each field adds up the hierarchy (sum, average, weighted average)"),
    "export_template": _l("the Word templates the forms are exported with"),
}
PERIOD_TYPES = {
    "monthly": _l("month"), "quarterly": _l("quarter"), "six_monthly": _l("six months"),
    "nine_month": _l("nine months"), "yearly": _l("year"), "phase": _l("phase"), "adhoc": _l("ad hoc"),
}
#: How many items a sentence names before "and N more".
SHOWN = 5


@dataclass(frozen=True)
class Effect:
    hook: str
    subject: str
    detail: str
    #: A first-answer-wins hook replaces the rule; the others add to it.
    replaces: bool


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    more = len(items) - SHOWN
    return shown + (_(" and %(n)d more", n=more) if more > 0 else "")


def _password(policy) -> str:
    kinds = [label for required, label in ((policy.require_upper, _("an upper-case letter")),
                                           (policy.require_lower, _("a lower-case letter")),
                                           (policy.require_digit, _("a digit")),
                                           (policy.require_special, _("a special character"))) if required]
    parts = [_("at least %(n)d characters", n=policy.min_length)]
    if kinds:
        parts.append(_("with %(kinds)s", kinds=", ".join(kinds)))
    if policy.max_age_days:
        parts.append(_("changed every %(n)d days", n=policy.max_age_days))
    parts.append(_("locked for %(minutes)d minutes after %(n)d failed logins", minutes=policy.lockout_minutes,
                   n=policy.lockout_threshold))
    return "; ".join(parts)


def _detail(hook: str, answer) -> str:
    """One sentence from what the plugin answered."""
    if hook == "hierarchy_levels":
        return " → ".join(level.name for level in answer)
    if hook == "agency_units":
        return _("%(n)d agencies: %(names)s", n=len(answer), names=_names([u.name for u in answer]))
    if hook == "register_forms":
        return _("%(n)d forms: %(names)s", n=len(answer), names=_names([f"{f.code} {f.name}" for f in answer]))
    if hook == "period_rules":
        kinds = list(dict.fromkeys(str(PERIOD_TYPES.get(str(rule.type), rule.type)) for rule in answer))
        return _("its own dates for: %(kinds)s; other periods keep the national rule", kinds=", ".join(kinds))
    if hook == "password_policy":
        return _password(answer)
    if hook == "backup_schedule":
        return _("on the schedule %(cron)s (cron, Vietnam time)", cron=answer)
    if hook == "maintenance_lead_time":
        return _("announced at least %(hours)s hours ahead", hours=f"{answer:g}")
    if hook == "support_contacts":
        return _names([c.organisation for c in answer])
    if hook == "scheduled_jobs":
        return _names([job.description or job.name for job in answer])
    return ""


def effects(plugin) -> list[Effect]:
    """What ``plugin`` (a :class:`core.platform.plugin_manager.LoadedPlugin`) changes, hook by hook."""
    found = []
    order = list(SUBJECTS)
    for hook in sorted(plugin.hooks, key=lambda h: order.index(h) if h in order else len(order)):
        firstresult = bool(getattr(getattr(hookspecs, hook, None), f"{hookspecs.PROJECT}_spec", {}).get("firstresult"))
        detail = DECIDES.get(hook, "")
        if not detail and plugin.module is not None:
            try:
                detail = _detail(hook, getattr(plugin.module, hook)())
            except Exception:  # noqa: BLE001 (a plugin's answer is its business: say what the hook decides)
                log.exception("plugin %s: %s could not be asked", plugin.name, hook)
        found.append(Effect(hook, str(SUBJECTS.get(hook, hook)), detail, firstresult))
    return found


@dataclass(frozen=True)
class Change:
    """A rule now in force that switching a plugin on would change."""

    subject: str
    #: The enabled plugin whose rule is replaced; None: the national default is replaced, or (``adds``) added to.
    owner: str | None
    adds: bool = False


def takeovers(registry, switched_on: list[str], name: str) -> list[Change]:
    """The rules in force that switching ``name`` on would change, while a province's plugin is in use.

    ``switched_on`` are the enabled plugins, oldest switch first. A first-answer-wins hook the plugin
    would now answer replaces the enabled plugin's rule or the national default; a combined hook
    (guards, contacts) adds to them. Nothing is listed while no plugin is on: then there is no
    province's rule to change, only the national defaults a province plugin exists to replace.
    """
    if not switched_on:
        return []
    before = registry.precedence(switched_on)
    after = registry.precedence([*switched_on, name])
    found = []
    for hook in registry.plugins[name].hooks:
        spec = getattr(getattr(hookspecs, hook, None), f"{hookspecs.PROJECT}_spec", {})
        subject = str(SUBJECTS.get(hook, hook))
        if not spec.get("firstresult"):
            if hook in DECIDES or hook == "support_contacts":
                found.append(Change(subject, None, adds=True))
            continue
        winner_before = next((n for n in before if hook in registry.plugins[n].hooks), None)
        winner_after = next((n for n in after if hook in registry.plugins[n].hooks), None)
        if winner_after == name and winner_before != name:
            found.append(Change(subject, winner_before))
    return found
