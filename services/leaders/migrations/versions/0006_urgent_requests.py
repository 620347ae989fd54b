"""urgent requests: rapid response after a hate incident, offered to the nearest leaders

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 05:42:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import services.runtime.db


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('urgent_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester_name', sa.String(length=120), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=254), nullable=True),
    sa.Column('postal_code', sa.String(length=5), nullable=False),
    sa.Column('incident_state', sa.String(length=2), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('what_happened', sa.Text(), nullable=False),
    sa.Column('help_needed', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('taken_by', sa.Integer(), nullable=True),
    sa.Column('taken_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("state IN ('offered', 'waiting', 'taken', 'closed')", name=op.f('ck_urgent_requests_state_known')),
    sa.ForeignKeyConstraint(['taken_by'], ['leaders.id'], name=op.f('fk_urgent_requests_taken_by_leaders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_urgent_requests'))
    )
    with op.batch_alter_table('urgent_requests', schema=None) as batch_op:
        batch_op.create_index('ix_urgent_requests_state_created_at', ['state', 'created_at'], unique=False)

    op.create_table('urgent_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('miles', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('offered_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('deadline', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('decided_at', services.runtime.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'accepted', 'declined', 'withdrawn', 'expired')", name=op.f('ck_urgent_offers_state_known')),
    sa.ForeignKeyConstraint(['leader_id'], ['leaders.id'], name=op.f('fk_urgent_offers_leader_id_leaders')),
    sa.ForeignKeyConstraint(['request_id'], ['urgent_requests.id'], name=op.f('fk_urgent_offers_request_id_urgent_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_urgent_offers')),
    sa.UniqueConstraint('request_id', 'leader_id', name=op.f('uq_urgent_offers_request_id_leader_id'))
    )
    with op.batch_alter_table('urgent_offers', schema=None) as batch_op:
        batch_op.create_index('ix_urgent_offers_leader_id_state', ['leader_id', 'state'], unique=False)
        batch_op.create_index('ix_urgent_offers_one_accepted', ['request_id'], unique=True, sqlite_where=sa.text("state = 'accepted'"), postgresql_where=sa.text("state = 'accepted'"))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('urgent_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_urgent_offers_one_accepted', sqlite_where=sa.text("state = 'accepted'"), postgresql_where=sa.text("state = 'accepted'"))
        batch_op.drop_index('ix_urgent_offers_leader_id_state')

    op.drop_table('urgent_offers')
    with op.batch_alter_table('urgent_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_urgent_requests_state_created_at')

    op.drop_table('urgent_requests')
