"""The landing page: what the system is, and where to go next."""
from flask_appbuilder import IndexView


class HomeView(IndexView):
    index_template = "baocao/index.html"
