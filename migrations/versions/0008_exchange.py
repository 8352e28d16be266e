"""Data exchange: code mappings, the outbox to the national system, intake sources (R3, R6).

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-21 09:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exchange_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('local_code', sa.String(length=255), nullable=False),
    sa.Column('external_code', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('system', 'kind', 'external_code', name='uq_exchange_mapping_external'),
    sa.UniqueConstraint('system', 'kind', 'local_code', name='uq_exchange_mapping_local')
    )
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('destination', sa.String(length=1000), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name='fk_outbox_message_report_id', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('intake_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('system', sa.String(length=60), nullable=True),
    sa.Column('form_code', sa.String(length=60), nullable=True),
    sa.Column('schedule', sa.String(length=100), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('last_run_at', sa.DateTime(), nullable=True),
    sa.Column('last_status', sa.String(length=20), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )


def downgrade():
    op.drop_table('intake_source')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_due')
    op.drop_table('outbox_message')
    op.drop_table('exchange_mapping')
