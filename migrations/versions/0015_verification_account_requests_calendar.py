"""Sector verification (H3), account requests on a working-day clock (A8, A9), the admin's working calendar.

Three new tables: ``report_verification`` (a department's "đã xác thực" / "có ý kiến" on a report's
final data), ``account_request`` (the request letters and their one-working-day clock) and
``working_calendar_day`` (make-up Saturdays and extra days off the administrator enters).
Revises 0014 (audit key).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 19:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'working_calendar_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('working', sa.Boolean(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('day'),
    )
    op.create_table(
        'report_verification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('result', sa.String(length=20), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('verified_by', sa.String(length=100), nullable=False),
        sa.Column('verified_at', sa.DateTime(), nullable=False),
        sa.Column('approved_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('report_id'),
    )
    op.create_index('ix_report_verification_result', 'report_verification', ['result', 'report_id'])
    op.create_table(
        'account_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('emergency', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('full_name', sa.String(length=200), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=True),
        sa.Column('department', sa.String(length=200), nullable=True),
        sa.Column('phone', sa.Text(), nullable=True),
        sa.Column('email', sa.Text(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('letter', sa.Text(), nullable=True),
        sa.Column('letter_name', sa.String(length=150), nullable=True),
        sa.Column('letter_type', sa.String(length=100), nullable=True),
        sa.Column('letter_sha256', sa.String(length=64), nullable=True),
        sa.Column('filed_by', sa.String(length=100), nullable=False),
        sa.Column('filed_by_unit_id', sa.Integer(), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('decided_by', sa.String(length=100), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=True),
        sa.Column('done_by', sa.String(length=100), nullable=True),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('create', 'change', 'handover', 'lock', 'revoke')", name='ck_account_request_kind'),
        sa.CheckConstraint("status IN ('pending', 'approved', 'refused', 'done')", name='ck_account_request_status'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['account_id'], ['ab_user.id']),
        sa.ForeignKeyConstraint(['filed_by_unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_account_request_open', 'account_request', ['status', 'due_on'])
    op.create_index('ix_account_request_unit', 'account_request', ['unit_id', 'received_at'])


def downgrade():
    op.drop_index('ix_account_request_unit', table_name='account_request')
    op.drop_index('ix_account_request_open', table_name='account_request')
    op.drop_table('account_request')
    op.drop_index('ix_report_verification_result', table_name='report_verification')
    op.drop_table('report_verification')
    op.drop_table('working_calendar_day')
