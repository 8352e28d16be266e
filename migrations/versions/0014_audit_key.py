"""The audit chain is keyed (key_id per entry), signed checkpoints, and the access log.

Existing entries keep key_id NULL: they stay plain SHA-256 and still verify, up to the first keyed
entry. Revises 0013 (session epoch and login failures).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry') as batch:
        batch.add_column(sa.Column('key_id', sa.String(length=8), nullable=True))
    op.create_table(
        'audit_checkpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('key_id', sa.String(length=8), nullable=False),
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'audit_access',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(length=200), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('unit_code', sa.String(length=50), nullable=True),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=True),
        sa.Column('path', sa.String(length=500), nullable=True),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('details', sa.Text(), nullable=True),
        sa.Column('key_id', sa.String(length=8), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.Column('sealed_by', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_access_at', 'audit_access', ['at'])
    op.create_index('ix_audit_access_actor', 'audit_access', ['actor'])
    op.create_index('ix_audit_access_sealed_by', 'audit_access', ['sealed_by'])


def downgrade():
    op.drop_index('ix_audit_access_sealed_by', table_name='audit_access')
    op.drop_index('ix_audit_access_actor', table_name='audit_access')
    op.drop_index('ix_audit_access_at', table_name='audit_access')
    op.drop_table('audit_access')
    op.drop_table('audit_checkpoint')
    with op.batch_alter_table('audit_entry') as batch:
        batch.drop_column('key_id')
