"""Every schema change is a migration: the migrated database matches the models exactly."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

from core.platform.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Model.metadata)
    assert diff == []


def test_fab_tables_are_in_the_same_metadata_as_ours():
    import core.models  # noqa: F401

    assert {"ab_user", "ab_role", "audit_entry", "plugin_state", "unit"} <= set(Model.metadata.tables)
