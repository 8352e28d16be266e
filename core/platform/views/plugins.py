"""The Plugins screen, for a provincial administrator: what each plugin changes, a confirmed switch, and warnings.

Each row says, from the plugin's own answers (:mod:`core.platform.plugin_effects`), which of the
province's rules it sets: levels, forms, periods, password policy, guards. Switching asks first, in
words: what will change, and which rules of an enabled plugin a switched-on feature would replace.
"""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.platform import plugin_admin, plugin_effects
from core.platform.extensions import db


def _source(plugin) -> str:
    return _("Built in") if plugin.source == "bundled" else _("Installed package %(name)s", name=plugin.source)


def change_text(change, titles) -> str:
    """The warning for one rule in force that a switch would change."""
    if change.adds:
        return _("Warning: adds to the rules in force: %(subject)s.", subject=change.subject)
    if change.owner is None:
        return _("Warning: replaces the national rule in force: %(subject)s.", subject=change.subject)
    return _("Warning: replaces %(subject)s set by \"%(owner)s\".", subject=change.subject,
             owner=titles.get(change.owner, change.owner))


def _confirmation(plugin, enabled: bool, effects, takeovers, titles) -> str:
    """The question asked before the switch, with what it changes."""
    if enabled:
        text = _("Switch off \"%(title)s\"? These rules go back to the next plugin's or the national "
                 "defaults:", title=plugin.title)
    else:
        text = _("Switch on \"%(title)s\"? It will set:", title=plugin.title)
    lines = [text] + [f"• {e.subject}" + (f": {e.detail}" if e.detail else "") for e in effects]
    lines += [change_text(change, titles) for change in takeovers]
    return "\n".join(lines)


class PluginsView(BaseView):
    route_base = "/plugins"
    default_view = "list"
    base_permissions = ["can_list", "can_toggle"]

    @expose("/")
    @has_access
    @permission_name("list")
    def list(self):
        registry = plugin_admin.registry()
        states = plugin_admin.states(db.session)
        switched_on = [s.name for s in sorted((s for s in states.values() if s.enabled),
                                              key=lambda s: (s.changed_at, s.name))]
        titles = {n: p.title for n, p in registry.plugins.items()}
        rows = []
        for p in registry.plugins.values():
            enabled = p.name in registry.enabled
            effects = plugin_effects.effects(p) if p.loadable else []
            included = bool(p.parent and p.parent in registry.enabled)  # the whole plugin already answers
            takeovers = (plugin_effects.takeovers(registry, switched_on, p.name)
                         if p.loadable and not enabled and not included else [])
            rows.append({"plugin": p, "enabled": enabled, "state": states.get(p.name), "effects": effects,
                         "takeovers": takeovers, "source": _source(p),
                         "parent_title": titles.get(p.parent, p.parent) if p.parent else None,
                         "parent_enabled": included,
                         "confirm": _confirmation(p, enabled, effects, takeovers, titles)})
        return self.render_template("platform/plugins.html", rows=rows, answers=registry.answers(),
                                    titles=titles, change_text=change_text, subjects=plugin_effects.SUBJECTS, title=_l("Plugins"))

    @expose("/<name>/toggle", methods=["POST"])
    @has_access
    @permission_name("toggle")
    def toggle(self, name):
        if name not in plugin_admin.registry().plugins:
            abort(404)
        enable = request.form.get("enabled") == "1"
        try:
            changed = plugin_admin.set_enabled(db.session, name, enable)
            db.session.commit()
        except plugin_admin.PluginError as exc:
            db.session.rollback()
            flash(_("Cannot change plugin %(name)s: %(reason)s", name=name, reason=str(exc)), "danger")
            return redirect(url_for(".list"))
        if changed:
            title = plugin_admin.registry().plugins[name].title
            flash(_("\"%(title)s\" is switched on.", title=title) if enable
                  else _("\"%(title)s\" is switched off.", title=title), "success")
        return redirect(url_for(".list"))
