"""Help and incident contacts (REQUIREMENTS S9), public so that a locked-out user can read them."""
from flask import abort
from flask_appbuilder import BaseView, expose

from core.platform import plugin_admin


class HelpView(BaseView):
    route_base = "/help"
    default_view = "index"

    @expose("/")
    def index(self):
        registry = plugin_admin.registry()
        contacts = [c for batch in registry.hook.support_contacts() for c in batch or []]
        plugins = [registry.plugins[name] for name in registry.order]
        return self.render_template("operations/help.html", contacts=contacts, plugins=plugins)

    @expose("/plugin/<name>")
    def plugin(self, name):
        plugin = plugin_admin.registry().plugins.get(name)
        if plugin is None or not plugin.loadable:
            abort(404)
        own = getattr(plugin.module, "support_contacts", None)
        contacts = own() if own else []
        return self.render_template("platform/plugin_info.html", plugin=plugin, contacts=contacts)
