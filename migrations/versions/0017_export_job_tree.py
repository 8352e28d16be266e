"""Totals on either tree (issue 19 item 4): the tree an export job counts on (``export_job.tree``,
``as_reported`` for the jobs queued before). Revises 0016.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 23:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_job') as batch:
        batch.add_column(sa.Column('tree', sa.String(length=20), nullable=False, server_default='as_reported'))


def downgrade():
    with op.batch_alter_table('export_job') as batch:
        batch.drop_column('tree')
