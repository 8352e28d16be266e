"""The "when" columns' server-side default is UTC whatever the database session's time zone.

Their default was ``now()``, which PostgreSQL stores in a ``timestamp without time zone`` as the time in
the session's ``TimeZone``: on a server installed in Vietnam (TimeZone = Asia/Ho_Chi_Minh) seven hours
ahead of the UTC every other time is stored in. Now ``now() AT TIME ZONE 'utc'`` (``clock.utc_now``);
rows the application writes take its own clock (``clock.stamp``). SQLite's ``CURRENT_TIMESTAMP`` is UTC
already: nothing changes there. Existing rows are left as they are (which of them took the default
cannot be told afterwards). Revises 0018 (pending audit entries).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 10:00:00

"""
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

#: Every column whose default was ``now()`` (table, column).
COLUMNS = (
    ('analysis_scenario', 'created_at'), ('attachment', 'uploaded_at'), ('export_job', 'created_at'),
    ('export_template', 'uploaded_at'), ('form', 'created_at'), ('form_version', 'published_at'),
    ('incident', 'created_at'), ('intake_source', 'created_at'), ('maintenance_notice', 'created_at'),
    ('notification', 'created_at'), ('outbox_message', 'created_at'), ('password_history', 'created_at'),
    ('plugin_state', 'changed_at'), ('reorganisation', 'created_at'), ('report', 'created_at'),
    ('report_request', 'created_at'), ('report_transition', 'at'), ('report_value_change', 'at'),
    ('unit_holder', 'started_at'), ('working_calendar_day', 'created_at'),
)


def _defaults(expression: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {expression}')


def upgrade():
    _defaults("(now() AT TIME ZONE 'utc')")


def downgrade():
    _defaults('now()')
