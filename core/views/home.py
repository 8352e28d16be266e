"""The landing page: what the system is, where to go next, and the unit's unread notifications."""
from flask_appbuilder import IndexView, expose

from core.views.notifications import unread


class HomeView(IndexView):
    index_template = "baocao/index.html"

    @expose("/")
    def index(self):
        count, latest = unread()
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    unread_count=count, notifications=latest)
