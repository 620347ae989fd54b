"""training reminders: each reminder sent to a leader who has not finished the mentoring modules

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:15:34.767499

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import services.runtime.db


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('training_reminders',
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('sent_at', services.runtime.db.UTCDateTime(), nullable=False),
    sa.Column('missing_modules', sa.String(length=400), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_training_reminders_number_positive')),
    sa.ForeignKeyConstraint(['leader_id'], ['leaders.id'], name=op.f('fk_training_reminders_leader_id_leaders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('leader_id', 'number', name=op.f('pk_training_reminders'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('training_reminders')
