"""Flask extensions, created unbound and attached in :func:`core.create_app`.

``db`` is FAB's ``SQLA`` whose declarative base is FAB's ``Model``, so our
tables and FAB's ``ab_*`` tables share ``Model.metadata``: the one metadata
Alembic compares against.
"""
from flask_appbuilder import AppBuilder
from flask_appbuilder.models.sqla import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = SQLA(model_class=Model)
migrate = Migrate()
#: CSRF on every form; FAB exempts its JWT APIs itself when this is present.
csrf = CSRFProtect()


def new_appbuilder() -> AppBuilder:
    """One AppBuilder per app: FAB keeps per-app state on the instance."""
    return AppBuilder(update_perms=False)
