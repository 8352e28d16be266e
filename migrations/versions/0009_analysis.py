"""Analysis scenarios (R7, R8): an agency's saved aggregations, shared with its users.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 09:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('analysis_scenario',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('group_by', sa.String(length=10), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('shared', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['unit.id'], name='fk_analysis_scenario_owner_unit_id'),
    sa.ForeignKeyConstraint(['created_by'], ['ab_user.id'], name='fk_analysis_scenario_created_by'),
    sa.ForeignKeyConstraint(['form_id'], ['form.id'], name='fk_analysis_scenario_form_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('analysis_scenario', schema=None) as batch_op:
        batch_op.create_index('ix_analysis_scenario_owner', ['owner_unit_id', 'shared'], unique=False)


def downgrade():
    with op.batch_alter_table('analysis_scenario', schema=None) as batch_op:
        batch_op.drop_index('ix_analysis_scenario_owner')

    op.drop_table('analysis_scenario')
