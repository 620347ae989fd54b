"""completed requests: the answers of creating calls, kept a day so a retried call
(the same request key) is carried out once

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import services.runtime.db


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'completed_requests',
        sa.Column('method', sa.String(length=80), nullable=False),
        sa.Column('request_key', sa.String(length=64), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('completed_at', services.runtime.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('method', 'request_key', name=op.f('pk_completed_requests')),
    )
    with op.batch_alter_table('completed_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_completed_requests_completed_at'), ['completed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('completed_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_completed_requests_completed_at'))
    op.drop_table('completed_requests')
