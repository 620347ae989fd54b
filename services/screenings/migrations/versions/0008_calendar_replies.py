"""calendar replies: invitees' answers on their RSVP, and every reply mail kept with its outcome

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
    op.create_table('calendar_replies',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('dedupe_key', sa.String(length=64), nullable=False),
    sa.Column('received_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('rsvp_id', sa.String(length=36), nullable=True),
    sa.Column('screening_id', sa.String(length=36), nullable=True),
    sa.Column('answer', sa.String(length=20), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=True),
    sa.Column('uid', sa.String(length=300), nullable=True),
    sa.Column('attendee', sa.String(length=300), nullable=True),
    sa.Column('client', sa.String(length=300), nullable=True),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_replies')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_calendar_replies_dedupe_key'))
    )
    with op.batch_alter_table('calendar_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_replies_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_replies_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_replies_rsvp_id'), ['rsvp_id'], unique=False)

    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partstat', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('answered_at', services.runtime.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
        batch_op.drop_column('partstat')

    with op.batch_alter_table('calendar_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_replies_rsvp_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_replies_received_at'))
        batch_op.drop_index(batch_op.f('ix_calendar_replies_outcome'))

    op.drop_table('calendar_replies')
