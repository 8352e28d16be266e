"""Schedules may name which periods of the year they apply to (Hà Nội's quý I and quý III).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21 12:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('schedule') as batch:
        batch.add_column(sa.Column('indexes', sa.String(length=50), nullable=True))


def downgrade():
    with op.batch_alter_table('schedule') as batch:
        batch.drop_column('indexes')
