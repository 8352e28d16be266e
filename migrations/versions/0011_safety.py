"""Safety: the incident log (S4); officers' phone and e-mail encrypted at rest (S6).

The contact columns become Text (a ciphertext is longer than the value) and their existing
values are encrypted in place with the application's field key (``FIELD_KEY``, or the key
derived from ``SECRET_KEY``): migrations run inside the app (Flask-Migrate), so the key is at
hand. ``baocao keys rotate-fields`` does the same for any value not under the current key.

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-21 09:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('detected_at', sa.DateTime(), nullable=True),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('impact', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('actions_taken', sa.Text(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('reported_by', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("impact IN ('low', 'medium', 'high', 'critical')", name='ck_incident_impact'),
    sa.CheckConstraint("status IN ('open', 'resolved')", name='ck_incident_status'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index('ix_incident_occurred', ['occurred_at'], unique=False)
        batch_op.create_index('ix_incident_status', ['status', 'impact'], unique=False)

    with op.batch_alter_table('unit_holder', schema=None) as batch_op:
        batch_op.alter_column('phone', existing_type=sa.String(length=50), type_=sa.Text(), existing_nullable=True)
        batch_op.alter_column('email', existing_type=sa.String(length=320), type_=sa.Text(), existing_nullable=True)

    from core.platform import crypto

    connection = op.get_bind()
    for name in ('phone', 'email'):
        crypto.rewrite_column(connection, 'unit_holder', 'id', name)


def downgrade():
    from core.platform import crypto

    crypto.decrypt_all(op.get_bind(), 'unit_holder', 'id', ['phone', 'email'])
    with op.batch_alter_table('unit_holder', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.Text(), type_=sa.String(length=320), existing_nullable=True)
        batch_op.alter_column('phone', existing_type=sa.Text(), type_=sa.String(length=50), existing_nullable=True)

    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_status')
        batch_op.drop_index('ix_incident_occurred')

    op.drop_table('incident')
