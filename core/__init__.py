"""baocao core: the Flask-AppBuilder application, its models, security, audit, jobs and CLI.

``create_app`` is the one app factory. Settings are read in this order, later
ones winning: :mod:`core.config`, the ``DATABASE_URL``/``REDIS_URL``/
``SECRET_KEY`` environment variables, ``instance/config.py``, then the
``config`` argument (tests pass theirs here).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, request

from core.hookspecs import hookimpl

__all__ = ["create_app", "hookimpl"]
ROOT = Path(__file__).resolve().parent
ENV_KEYS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")


def default_instance_path() -> str:
    return os.environ.get("BAOCAO_INSTANCE") or str(ROOT.parent / "instance")


def load_config(app: Flask, config: dict | None) -> None:
    app.config.from_object("core.config")
    for key in ENV_KEYS:
        if os.environ.get(key):
            app.config[key] = os.environ[key]
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config or {})
    app.config.setdefault("DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'baocao.db'}")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_db_url(app.config["DATABASE_URL"])
    # Login counters must be shared by every worker process: Redis when there is one.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set: run `baocao init` to generate instance/config.py, "
            "or set the SECRET_KEY environment variable"
        )


def normalise_db_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (psycopg2 is not installed)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def create_app(config: dict | None = None) -> Flask:
    """Build a baocao app. ``config`` may carry ``INSTANCE_PATH`` to use another instance folder."""
    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or default_instance_path()
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    load_config(app, config)
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)

    from core.platform import audit, i18n, jobs, pool_check, security_headers
    from core.operations import maintenance
    from core.platform.extensions import csrf, db, migrate, new_appbuilder
    from core.platform.plugin_manager import PluginRegistry, discover
    from core.defaults import DEFAULT_PLUGINS
    import core.models  # noqa: F401  (registers tables on Model.metadata)

    i18n.compile_catalogues()
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            pool_check.install(engine)  # dead pooled connections replaced without a ping per request
    csrf.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT.parent / "migrations"), compare_type=True, render_as_batch=True)
    audit.install(db.session)
    from core.hierarchy import versions

    versions.install(db.session)  # unit_version follows every unit change (issue 19)
    jobs.init_app(app, db.session)
    registry = PluginRegistry(discover(tuple(app.config["PLUGIN_PACKAGES"])), DEFAULT_PLUGINS)
    app.extensions["baocao.plugins"] = registry
    from core.forms.definitions import sync_enabled_plugin
    from core.platform import plugin_admin

    plugin_admin.on_enabled(app, sync_enabled_plugin)
    from core.hierarchy.units import names_of
    from core.platform import labels

    labels.install(app)  # Jinja filters: codes as words, times in Vietnam time
    labels.on_unit_names(app, names_of)  # the audit log names units without importing the hierarchy

    with app.app_context():
        appbuilder = new_appbuilder()
        appbuilder.init_app(app, db.session)
        from core.navigation import register_views

        register_views(appbuilder)
        i18n.locale_without_cookie(app)
        labels.localise_views(appbuilder)  # times in Vietnam time, yes/no in words, on every screen

    @app.before_request
    def _sync_plugins():
        """At most one small query every PLUGIN_REFRESH_SECONDS; static files need no plugins."""
        if request.endpoint and request.endpoint.endswith("static"):
            return
        registry.refresh(db.session, max_age=app.config.get("PLUGIN_REFRESH_SECONDS", 2))
        maintenance.follow(registry)  # the notices are re-read with the plugin state, never more often

    from core.operations import health
    from core.accounts import login_guard

    login_guard.init_app(app)
    security_headers.init_app(app)
    from core.platform import api_csrf

    api_csrf.init_app(app)  # the session cookie alone no longer changes anything through /api/
    maintenance.init_app(app)
    health.init_app(app)
    from core.platform import id_guard

    id_guard.init_app(app)  # an id no database row can have is a 404, not a 500
    from core.platform import access_log

    access_log.init_app(app)  # downloads, refusals and logouts (Decree 85/2016)
    from core.platform import input_guard

    input_guard.init_app(app)  # malformed input is a 400 or 422 with a message, not a 500
    from core.platform import errors

    errors.init_app(app)  # error pages in Vietnamese inside the layout; the API keeps JSON
    return app
