"""The resource library: the publications, curricula, media and organisations the program
is built on, with their topics and audiences (the entries are added on the service's start).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import services.runtime.db


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'library_resources',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('key', sa.String(length=120), nullable=True),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('publisher', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('series', sa.String(length=200), nullable=True),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('topics', sa.Text(), nullable=False),
        sa.Column('audiences', sa.Text(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=True),
        sa.Column('search_text', sa.Text(), nullable=False),
        sa.Column('sort_title', sa.String(length=300), nullable=False),
        sa.Column('added_at', services.runtime.db.UTCDateTime(), nullable=True),
        sa.Column('updated_at', services.runtime.db.UTCDateTime(), nullable=True),
        sa.Column('retired_at', services.runtime.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_library_resources')),
        sa.UniqueConstraint('key', name=op.f('uq_library_resources_key')),
    )
    with op.batch_alter_table('library_resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_resources_retired_at'), ['retired_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_library_resources_sort_title'), ['sort_title'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('library_resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_resources_sort_title'))
        batch_op.drop_index(batch_op.f('ix_library_resources_retired_at'))
    op.drop_table('library_resources')
