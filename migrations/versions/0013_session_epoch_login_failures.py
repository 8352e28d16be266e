"""Revocable sessions and tokens (the account's session epoch); failed logins per account and address.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ab_user') as batch:
        batch.add_column(sa.Column('session_epoch', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failure') as batch:
        batch.create_index('uq_login_failure_account_address', ['account_id', 'address'], unique=True)
        batch.create_index('ix_login_failure_last_at', ['last_at'], unique=False)


def downgrade():
    op.drop_table('login_failure')
    with op.batch_alter_table('ab_user') as batch:
        batch.drop_column('session_epoch')
