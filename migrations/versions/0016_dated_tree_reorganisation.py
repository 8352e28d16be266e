"""History that survives the reorganisation (issue 19): the dated tree and its reorganisation events.

``unit_version`` (a unit's name, level, parent and path over a stretch of time), ``reorganisation``
(an event: steps, legal basis, effective date, draft or applied), ``unit_succession`` (its direct
predecessor → successor edges with shares) and ``unit_lineage`` (the edges folded into "which current
units a report of this unit counts towards"). Every existing unit gets its first version, copied from
the unit as it stands. Revises 0015.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reorganisation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('legal_basis', sa.String(length=500), nullable=False),
        sa.Column('effective', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('open_reports', sa.String(length=20), nullable=False),
        sa.Column('steps', sa.String(), nullable=False),
        sa.Column('source', sa.String(length=255), nullable=True),
        sa.Column('created_by', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column('applied_by', sa.String(length=100), nullable=True),
        sa.Column('applied_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_reorganisation_effective', 'reorganisation', ['effective'])
    op.create_table(
        'unit_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('level', sa.String(length=50), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=True),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.Column('reorganisation_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['parent_id'], ['unit.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['reorganisation_id'], ['reorganisation.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_unit_version_unit', 'unit_version', ['unit_id', 'valid_from'])
    op.create_index('ix_unit_version_path', 'unit_version', ['path'], postgresql_ops={'path': 'varchar_pattern_ops'})
    op.create_index('ix_unit_version_parent', 'unit_version', ['parent_id'])
    op.create_table(
        'unit_succession',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reorganisation_id', sa.Integer(), nullable=False),
        sa.Column('predecessor_id', sa.Integer(), nullable=False),
        sa.Column('successor_id', sa.Integer(), nullable=False),
        sa.Column('share', sa.Numeric(precision=12, scale=10), nullable=False),
        sa.ForeignKeyConstraint(['reorganisation_id'], ['reorganisation.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['predecessor_id'], ['unit.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['successor_id'], ['unit.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_unit_succession_pred', 'unit_succession', ['predecessor_id'])
    op.create_index('ix_unit_succession_succ', 'unit_succession', ['successor_id'])
    op.create_index('uq_unit_succession', 'unit_succession', ['reorganisation_id', 'predecessor_id', 'successor_id'],
                    unique=True)
    op.create_table(
        'unit_lineage',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('current_unit_id', sa.Integer(), nullable=False),
        sa.Column('share', sa.Numeric(precision=12, scale=10), nullable=False),
        sa.Column('reported_from', sa.Date(), nullable=True),
        sa.Column('reported_to', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['current_unit_id'], ['unit.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_unit_lineage_unit', 'unit_lineage', ['unit_id', 'reported_to'])
    op.create_index('ix_unit_lineage_current', 'unit_lineage', ['current_unit_id'])
    # Every unit's first version: the unit as it stands.
    op.execute("INSERT INTO unit_version (unit_id, name, level, parent_id, path, valid_from, valid_to) "
               "SELECT id, name, level, parent_id, path, valid_from, valid_to FROM unit")


def downgrade():
    op.drop_table('unit_lineage')
    op.drop_table('unit_succession')
    op.drop_table('unit_version')
    op.drop_table('reorganisation')
