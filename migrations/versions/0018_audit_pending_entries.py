"""Audit entries are written pending and chained afterwards by one chainer (issue 17).

A pending entry has no chain position yet (``seq``, ``prev_hash`` and ``hash`` NULL) and carries
``mac``, the HMAC of its content under ``AUDIT_KEY``, so an edit before chaining shows. A partial
index finds the pending ones. Existing entries are chained already and keep everything they have.
Revises 0017 (export_job.tree).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry') as batch:
        batch.alter_column('seq', existing_type=sa.Integer(), nullable=True)
        batch.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch.alter_column('hash', existing_type=sa.String(length=64), nullable=True)
        batch.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
    op.create_index('ix_audit_entry_pending', 'audit_entry', ['id'], unique=False,
                    postgresql_where=sa.text('seq IS NULL'), sqlite_where=sa.text('seq IS NULL'))


def downgrade():
    # Pending entries cannot go back to a NOT NULL chain: chain them first (baocao audit verify).
    op.drop_index('ix_audit_entry_pending', table_name='audit_entry')
    with op.batch_alter_table('audit_entry') as batch:
        batch.drop_column('mac')
        batch.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch.alter_column('seq', existing_type=sa.Integer(), nullable=False)
