"""co-hosts by row (for leader feeds) and invited RSVPs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

"""
import json
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    cohosts = op.create_table('screening_cohosts',
    sa.Column('screening_id', sa.String(length=36), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], ),
    sa.PrimaryKeyConstraint('screening_id', 'leader_id')
    )
    with op.batch_alter_table('screening_cohosts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_cohosts_leader_id'), ['leader_id'], unique=False)

    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited', sa.Boolean(), server_default=sa.false(), nullable=False))

    # Existing events keep their co-hosts in the JSON column; copy them into rows.
    screenings = sa.table('screenings', sa.column('id', sa.String), sa.column('cohost_ids', sa.Text))
    bind = op.get_bind()
    rows = [
        {"screening_id": screening_id, "leader_id": int(cohost)}
        for screening_id, cohost_ids in bind.execute(sa.select(screenings.c.id, screenings.c.cohost_ids))
        for cohost in sorted({str(c) for c in json.loads(cohost_ids or "[]")})
        if cohost.isdigit()
    ]
    if rows:
        op.bulk_insert(cohosts, rows)


def downgrade() -> None:
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.drop_column('invited')

    with op.batch_alter_table('screening_cohosts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_cohosts_leader_id'))

    op.drop_table('screening_cohosts')
