"""constraint names follow the kit's naming convention

Databases created before the convention applied to this service carry PostgreSQL's
default names (outbox_pkey, ...); this gives them the convention's (pk_outbox, ...).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

"""
from typing import Sequence, Union

from alembic import op

from services.runtime.migrate import conform_constraint_names

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    conform_constraint_names(op)


def downgrade() -> None:
    pass  # the old names carried no meaning
