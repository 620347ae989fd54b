"""mentorship requests: requests, their offers to leaders and the audit trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:43:59.017249

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import services.runtime.db


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('mentorship_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester_name', sa.String(length=120), nullable=False),
    sa.Column('agency', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('requester_state', sa.String(length=2), nullable=False),
    sa.Column('topic', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('created_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.Column('accepted_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.Column('agreed_days', sa.Integer(), nullable=True),
    sa.Column('due_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.Column('completed_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('closed_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.Column('confirm_token_digest', sa.String(length=64), nullable=False),
    sa.Column('confirm_token_expires_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('confirm_token_used_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.Column('status_token_digest', sa.String(length=64), nullable=False),
    sa.Column('updated_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("state IN ('unconfirmed', 'open', 'offered', 'accepted', 'completed', 'cancelled', 'closed_unanswered')", name=op.f('ck_mentorship_requests_state_known')),
    sa.CheckConstraint("urgency IN ('normal', 'urgent')", name=op.f('ck_mentorship_requests_urgency_known')),
    sa.ForeignKeyConstraint(['leader_id'], ['leaders.id'], name=op.f('fk_mentorship_requests_leader_id_leaders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentorship_requests')),
    sa.UniqueConstraint('confirm_token_digest', name=op.f('uq_mentorship_requests_confirm_token_digest')),
    sa.UniqueConstraint('status_token_digest', name=op.f('uq_mentorship_requests_status_token_digest'))
    )
    with op.batch_alter_table('mentorship_requests', schema=None) as batch_op:
        batch_op.create_index('ix_mentorship_requests_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_mentorship_requests_requester_state_state', ['requester_state', 'state'], unique=False)
        batch_op.create_index('ix_mentorship_requests_state_leader_id', ['state', 'leader_id'], unique=False)

    op.create_table('mentorship_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['mentorship_requests.id'], name=op.f('fk_mentorship_audit_request_id_mentorship_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentorship_audit')),
    sa.UniqueConstraint('request_id', 'seq', name=op.f('uq_mentorship_audit_request_id_seq'))
    )
    op.create_table('mentorship_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('offered_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('deadline', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('reminder_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('reminder_sent_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.Column('decided_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')", name=op.f('ck_mentorship_offers_state_known')),
    sa.ForeignKeyConstraint(['leader_id'], ['leaders.id'], name=op.f('fk_mentorship_offers_leader_id_leaders')),
    sa.ForeignKeyConstraint(['request_id'], ['mentorship_requests.id'], name=op.f('fk_mentorship_offers_request_id_mentorship_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentorship_offers')),
    sa.UniqueConstraint('request_id', 'attempt', name=op.f('uq_mentorship_offers_request_id_attempt'))
    )
    with op.batch_alter_table('mentorship_offers', schema=None) as batch_op:
        batch_op.create_index('ix_mentorship_offers_leader_id_offered_at', ['leader_id', 'offered_at'], unique=False)
        batch_op.create_index('ix_mentorship_offers_offered_at', ['offered_at'], unique=False)
        batch_op.create_index('ix_mentorship_offers_one_pending', ['request_id'], unique=True, sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('mentorship_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_mentorship_offers_one_pending', sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))
        batch_op.drop_index('ix_mentorship_offers_offered_at')
        batch_op.drop_index('ix_mentorship_offers_leader_id_offered_at')

    op.drop_table('mentorship_offers')
    op.drop_table('mentorship_audit')
    with op.batch_alter_table('mentorship_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_mentorship_requests_state_leader_id')
        batch_op.drop_index('ix_mentorship_requests_requester_state_state')
        batch_op.drop_index('ix_mentorship_requests_created_at')

    op.drop_table('mentorship_requests')
