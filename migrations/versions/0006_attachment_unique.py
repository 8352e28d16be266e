"""Attachments: one row per content per report (unique report_id, sha256), replacing the plain index.

Two uploads of the same file to one report at the same moment could both pass the "already
attached?" check; the constraint makes the second one find the first instead.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 08:35:00

"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_report')
        batch_op.create_unique_constraint('uq_attachment_report_sha256', ['report_id', 'sha256'])


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_constraint('uq_attachment_report_sha256', type_='unique')
        batch_op.create_index('ix_attachment_report', ['report_id'], unique=False)
