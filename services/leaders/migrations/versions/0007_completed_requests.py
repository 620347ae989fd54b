"""completed requests: the answers of creating calls, kept a day so a retried call
(the same request key) is carried out once

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op

from services.runtime.migrate import create_completed_requests, drop_completed_requests

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    create_completed_requests(op)


def downgrade() -> None:
    drop_completed_requests(op)
