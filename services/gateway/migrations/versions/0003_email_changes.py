"""email changes wait for the new address's owner to confirm them

A leader's new email address takes effect only once the link mailed to it is opened;
until then the request waits here. Accounts remember the roster version their address
came from, so a late or repeated leader_updated cannot move it back.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from services.runtime.db import UTCDateTime

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leader_version', sa.Integer(), nullable=True))
    op.create_table(
        'email_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('new_email', sa.String(length=254), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=True),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.Column('confirmed', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE',
                                name=op.f('fk_email_changes_account_id_accounts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_email_changes')),
        sa.UniqueConstraint('digest', name=op.f('uq_email_changes_digest')),
    )
    with op.batch_alter_table('email_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_changes_account_id'), ['account_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('email_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_changes_account_id'))
    op.drop_table('email_changes')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('leader_version')
