"""partners: records with a place, linked from screenings and reports

The names screenings and reports held as free text become records: one per name (as
its key folds it) in the event's state, at the event's city, of kind "other" for a
program manager to complete, and each event is linked to its names' records. A name on
an event without a state stays as text only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

"""
import json
import re
import unicodedata
from datetime import datetime, timezone
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import services.runtime.db


revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _name_key(name: str) -> str:
    # Frozen copy of services.screenings.partners.domain.name_key as of this revision.
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", folded)).strip()


def upgrade() -> None:
    partners = op.create_table(
        'partners',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('name_key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('city', sa.String(length=100), nullable=True),
        sa.Column('state', sa.String(length=2), nullable=False),
        sa.Column('postal_code', sa.String(length=10), nullable=True),
        sa.Column('website', sa.String(length=2000), nullable=True),
        sa.Column('contact_role', sa.String(length=100), nullable=True),
        sa.Column('added_by', sa.String(length=40), nullable=True),
        sa.Column('added_at', services.runtime.db.UTCDateTime(), nullable=True),
        sa.Column('updated_at', services.runtime.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
        sa.UniqueConstraint('name_key', 'state', name='uq_partners_name_key_state'),
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index('ix_partners_state_name', ['state', 'name_key'], unique=False)
    screening_partners = op.create_table(
        'screening_partners',
        sa.Column('screening_id', sa.String(length=36), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_screening_partners_partner_id_partners')),
        sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'],
                                name=op.f('fk_screening_partners_screening_id_screenings')),
        sa.PrimaryKeyConstraint('screening_id', 'partner_id', name=op.f('pk_screening_partners')),
    )
    report_partners = op.create_table(
        'report_partners',
        sa.Column('screening_id', sa.String(length=36), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_report_partners_partner_id_partners')),
        sa.ForeignKeyConstraint(['screening_id'], ['reports.screening_id'],
                                name=op.f('fk_report_partners_screening_id_reports')),
        sa.PrimaryKeyConstraint('screening_id', 'partner_id', name=op.f('pk_report_partners')),
    )
    for table in ('screening_partners', 'report_partners'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_partner_id'), ['partner_id'], unique=False)
    _move_free_text(partners, screening_partners, report_partners)


def _move_free_text(partners, screening_partners, report_partners) -> None:
    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    ids: dict[tuple[str, str], int] = {}

    def record(name: str, state: str, city: str | None) -> int | None:
        key = _name_key(name)
        if not key:
            return None
        if (key, state) not in ids:
            ids[(key, state)] = bind.execute(partners.insert().values(
                name=name.strip()[:200], name_key=key[:200], kind="other", city=(city or None) and city[:100],
                state=state, added_by="migration", added_at=now, updated_at=now,
            )).inserted_primary_key[0]
        return ids[(key, state)]

    def link(table, screening_id: str, names_json: str, state: str | None, city: str | None) -> None:
        if not state:
            return
        linked: set[int] = set()
        for name in json.loads(names_json or "[]"):
            partner_id = record(name, state, city) if isinstance(name, str) else None
            if partner_id is not None and partner_id not in linked:
                linked.add(partner_id)
                bind.execute(table.insert().values(screening_id=screening_id, partner_id=partner_id))

    places = {}
    for row in bind.execute(sa.text("SELECT id, partners, state, venue_city FROM screenings ORDER BY created_at, id")):
        places[row.id] = (row.state, row.venue_city)
        link(screening_partners, row.id, row.partners, row.state, row.venue_city)
    for row in bind.execute(sa.text("SELECT screening_id, partners FROM reports ORDER BY filed_at, screening_id")):
        state, city = places.get(row.screening_id, (None, None))
        link(report_partners, row.screening_id, row.partners, state, city)


def downgrade() -> None:
    # The free-text names stay on screenings and reports, so nothing is lost going down.
    for table in ('report_partners', 'screening_partners'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_partner_id'))
        op.drop_table(table)
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index('ix_partners_state_name')
    op.drop_table('partners')
