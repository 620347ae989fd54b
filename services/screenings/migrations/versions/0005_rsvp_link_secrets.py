"""RSVP links from a kept secret and a random nonce per RSVP

The private cancel/feedback link of an RSVP was an HMAC of its id with a configured
secret whose default was a fixed string, so anyone who saw an RSVP id could forge it.
Now the service keeps its own secret (generated here, on the first start, and never
configured) and each RSVP has a random nonce; the link is an HMAC of both. Existing RSVPs
get a nonce and a new link hash: links mailed before no longer work, and each attendee's
next mail carries the new one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

"""
import base64
import hashlib
import hmac
import secrets
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _token_hash(secret: str, rsvp_id: str, nonce: str) -> str:
    # As services.screenings.app.payloads.link_token, then domain.rsvps.hash_token (a
    # migration keeps its own copy: the code may change, this step may not).
    digest = hmac.new(secret.encode(), f"rsvp:{rsvp_id}:{nonce}".encode(), hashlib.sha256).digest()
    token = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def upgrade() -> None:
    service_secrets = op.create_table(
        'service_secrets',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_service_secrets')),
    )
    secret = secrets.token_urlsafe(32)
    op.bulk_insert(service_secrets, [{"name": "rsvp_links", "value": secret}])
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_nonce', sa.String(length=32), nullable=True))

    rsvps = sa.table('rsvps', sa.column('id', sa.String), sa.column('link_nonce', sa.String),
                     sa.column('cancel_token_hash', sa.String))
    bind = op.get_bind()
    for (rsvp_id,) in bind.execute(sa.select(rsvps.c.id)).all():
        nonce = secrets.token_urlsafe(16)
        bind.execute(sa.update(rsvps).where(rsvps.c.id == rsvp_id)
                     .values(link_nonce=nonce, cancel_token_hash=_token_hash(secret, rsvp_id, nonce)))


def downgrade() -> None:
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.drop_column('link_nonce')
    op.drop_table('service_secrets')
