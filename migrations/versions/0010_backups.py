"""Operations: backup runs (S2) and maintenance notices (S3).

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-21 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('backup_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=True),
    sa.Column('file', sa.String(length=500), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('backup_run', schema=None) as batch_op:
        batch_op.create_index('ix_backup_run_kind_started', ['kind', 'started_at'], unique=False)

    op.create_table('maintenance_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('emergency', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('maintenance_notice', schema=None) as batch_op:
        batch_op.create_index('ix_maintenance_notice_ends_at', ['ends_at'], unique=False)


def downgrade():
    with op.batch_alter_table('maintenance_notice', schema=None) as batch_op:
        batch_op.drop_index('ix_maintenance_notice_ends_at')

    op.drop_table('maintenance_notice')
    with op.batch_alter_table('backup_run', schema=None) as batch_op:
        batch_op.drop_index('ix_backup_run_kind_started')

    op.drop_table('backup_run')
