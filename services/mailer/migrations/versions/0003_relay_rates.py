"""relay_rates: the shared send slots of each SMTP relay

Mailer instances share one sending-rate limit per relay; each send takes the relay's
next free slot by a conditional update of its row.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "relay_rates",
        sa.Column("relay", sa.String(length=300), nullable=False),
        sa.Column("next_free", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("relay", name=op.f("pk_relay_rates")),
    )


def downgrade() -> None:
    op.drop_table("relay_rates")
