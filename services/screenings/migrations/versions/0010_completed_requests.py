"""completed requests: the answers of creating calls, kept a day so a retried call
(the same request key) is carried out once

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op

from services.runtime.migrate import create_completed_requests, drop_completed_requests

revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    create_completed_requests(op)


def downgrade() -> None:
    drop_completed_requests(op)
