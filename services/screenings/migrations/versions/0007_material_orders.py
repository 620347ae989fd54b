"""material orders: a screening's kit ordered by its host and shipped by a manager

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import services.runtime.db


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'material_orders',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('screening_id', sa.String(length=36), nullable=False),
        sa.Column('ordered_by', sa.String(length=40), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('medium', sa.String(length=20), nullable=True),
        sa.Column('guide_copies', sa.Integer(), nullable=False),
        sa.Column('flyer_copies', sa.Integer(), nullable=False),
        sa.Column('film_slug', sa.String(length=80), nullable=True),
        sa.Column('ship_to', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('ordered_at', services.runtime.db.UTCDateTime(), nullable=False),
        sa.Column('amended_at', services.runtime.db.UTCDateTime(), nullable=True),
        sa.Column('sent_at', services.runtime.db.UTCDateTime(), nullable=True),
        sa.Column('tracking_note', sa.Text(), nullable=True),
        sa.Column('cancelled_at', services.runtime.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'],
                                name=op.f('fk_material_orders_screening_id_screenings')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_material_orders')),
    )
    with op.batch_alter_table('material_orders', schema=None) as batch_op:
        batch_op.create_index('ix_material_orders_state_ordered', ['state', 'ordered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_orders_screening_id'), ['screening_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('material_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_orders_screening_id'))
        batch_op.drop_index('ix_material_orders_state_ordered')
    op.drop_table('material_orders')
