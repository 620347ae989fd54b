"""creating requests sent with an Idempotency-Key keep their answer for a retry

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from services.runtime.db import UTCDateTime

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'idempotent_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('request', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('content_type', sa.String(length=100), nullable=True),
        sa.Column('body', sa.LargeBinary(), nullable=True),
        sa.Column('location', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_requests')),
        sa.UniqueConstraint('scope', 'key', name=op.f('uq_idempotent_requests_scope_key')),
    )
    with op.batch_alter_table('idempotent_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotent_requests_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('idempotent_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotent_requests_created_at'))
    op.drop_table('idempotent_requests')
