"""The Plugins screen: what is installed, which hooks each answers, a toggle, and who answers each hook."""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _

from core.platform import plugin_admin
from core.platform.extensions import db


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
        rows = [
            {"plugin": p, "enabled": p.name in registry.enabled, "state": states.get(p.name)}
            for p in registry.plugins.values()
        ]
        return self.render_template("platform/plugins.html", rows=rows, answers=registry.answers(),
                                    titles={n: p.title for n, p in registry.plugins.items()})

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
            flash(_("Plugin %(name)s enabled.", name=name) if enable else _("Plugin %(name)s disabled.", name=name), "success")
        return redirect(url_for(".list"))
