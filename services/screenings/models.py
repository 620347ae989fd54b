"""The screenings service's tables (its own database)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.runtime import request_keys
from services.runtime.db import UTCDateTime, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


# Answers of creating calls, kept so a retried call is carried out once.
request_keys.add_table(Base.metadata)


class LeaderRow(Base):
    """The projection of a leader, kept from the leader events (newest leader_version wins)."""

    __tablename__ = "leaders"

    leader_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    leader_version: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    agency: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[str] = mapped_column(sa.String(2))
    region: Mapped[str] = mapped_column(sa.String(60), index=True)
    region_grouping: Mapped[str] = mapped_column(sa.String(60))
    status: Mapped[str] = mapped_column(sa.String(20))
    trusted_host: Mapped[bool] = mapped_column(sa.Boolean)
    away_until: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FilmRow(Base):
    __tablename__ = "films"

    slug: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    synopsis: Mapped[str] = mapped_column(sa.Text)
    audiences: Mapped[str] = mapped_column(sa.Text)  # JSON list of audience slugs
    kit: Mapped[str] = mapped_column(sa.Text)  # JSON list of {kind, title, path}
    runtime_minutes: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # null: seeded


class ScreeningRow(Base):
    __tablename__ = "screenings"
    __table_args__ = (
        sa.Index("ix_screenings_start", "start_at"),
        sa.Index("ix_screenings_status_start", "status", "start_at"),
        sa.Index("ix_screenings_region_start", "region", "start_at"),
        sa.Index("ix_screenings_state_start", "state", "start_at"),
        sa.Index("ix_screenings_host_start", "host_id", "start_at"),
        # The feeds' own query: listed events by end time.
        sa.Index("ix_screenings_feed", "in_feeds", "end_at"),
        sa.Index("ix_screenings_feed_region", "in_feeds", "region", "end_at"),
        sa.Index("ix_screenings_feed_host", "in_feeds", "host_id", "end_at"),
        # Near-me: listed events inside a latitude band first, then the longitudes.
        sa.Index("ix_screenings_feed_latitude_longitude", "in_feeds", "latitude", "longitude"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(255), unique=True)
    host_id: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(30))
    format: Mapped[str] = mapped_column(sa.String(30))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    film_slug: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)
    venue_name: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    venue_address: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    venue_city: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    # The venue's ZIP code and its point (else the middle of its city), for near-me searches.
    venue_postal_code: Mapped[str | None] = mapped_column(sa.String(10), nullable=True)
    latitude: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    join_url: Mapped[str | None] = mapped_column(sa.String(2000), nullable=True)
    # The venue's state (an online event's stated one, else its host's), for coverage.
    state: Mapped[str | None] = mapped_column(sa.String(2), nullable=True)
    details_state: Mapped[str | None] = mapped_column(sa.String(2), nullable=True)
    # The host's region when the event was registered.
    region: Mapped[str] = mapped_column(sa.String(60))
    region_grouping: Mapped[str] = mapped_column(sa.String(60))
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    local_start: Mapped[datetime] = mapped_column(sa.DateTime)
    local_end: Mapped[datetime] = mapped_column(sa.DateTime)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(sa.Integer)
    audiences: Mapped[str] = mapped_column(sa.Text)  # JSON
    cohost_ids: Mapped[str] = mapped_column(sa.Text)  # JSON
    partners: Mapped[str] = mapped_column(sa.Text)  # JSON
    visibility: Mapped[str] = mapped_column(sa.String(20))
    sequence: Mapped[int] = mapped_column(sa.Integer)
    published: Mapped[bool] = mapped_column(sa.Boolean)
    in_feeds: Mapped[bool] = mapped_column(sa.Boolean)
    review_note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(60), nullable=True)
    cancel_message: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    chasers_sent: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ScreeningAudienceRow(Base):
    """One row per audience an event is for, so coverage can count audiences in SQL."""

    __tablename__ = "screening_audiences"

    screening_id: Mapped[str] = mapped_column(sa.ForeignKey("screenings.id"), primary_key=True)
    audience: Mapped[str] = mapped_column(sa.String(40), primary_key=True)


class ScreeningCohostRow(Base):
    """One row per co-host of an event, so a leader's feed finds co-hosted events by index."""

    __tablename__ = "screening_cohosts"

    screening_id: Mapped[str] = mapped_column(sa.ForeignKey("screenings.id"), primary_key=True)
    leader_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, index=True)


class RsvpRow(Base):
    __tablename__ = "rsvps"
    __table_args__ = (
        sa.Index("ix_rsvps_screening_status", "screening_id", "status"),
        sa.Index("ix_rsvps_screening_email", "screening_id", "email"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    screening_id: Mapped[str] = mapped_column(sa.ForeignKey("screenings.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254), nullable=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    position: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancel_token_hash: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    # Random per RSVP: its private link is derived from this and the service's kept
    # secret, so nothing a host or manager sees (ids, names, times) yields the link.
    link_nonce: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
    walk_in: Mapped[bool] = mapped_column(sa.Boolean)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Placed by an organiser's invitation rather than the public RSVP form.
    invited: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    # An invitee's answer from their calendar (PARTSTAT) and the DTSTAMP of the one applied.
    partstat: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CalendarReplyRow(Base):
    """Every mail that came to a reply address, with what became of it: applied,
    unchanged (already applied) or refused with the reason. `dedupe_key` makes a second
    delivery of the same mail one more reading of the first."""

    __tablename__ = "calendar_replies"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str] = mapped_column(sa.String(20), index=True)
    reason: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    rsvp_id: Mapped[str | None] = mapped_column(sa.String(36), nullable=True, index=True)
    screening_id: Mapped[str | None] = mapped_column(sa.String(36), nullable=True)
    answer: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    method: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    uid: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    attendee: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    client: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    message_id: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)


class ReportRow(Base):
    __tablename__ = "reports"

    screening_id: Mapped[str] = mapped_column(sa.ForeignKey("screenings.id"), primary_key=True)
    filed_by: Mapped[int] = mapped_column(sa.Integer)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    head_count: Mapped[int] = mapped_column(sa.Integer)
    partners: Mapped[str] = mapped_column(sa.Text)
    audiences: Mapped[str] = mapped_column(sa.Text)
    follow_up_actions: Mapped[str] = mapped_column(sa.Text)
    notes: Mapped[str] = mapped_column(sa.Text)


class ReportAudienceRow(Base):
    __tablename__ = "report_audiences"

    screening_id: Mapped[str] = mapped_column(sa.ForeignKey("reports.screening_id"), primary_key=True)
    audience: Mapped[str] = mapped_column(sa.String(40), primary_key=True)


class FeedbackRow(Base):
    __tablename__ = "feedback"

    rsvp_id: Mapped[str] = mapped_column(sa.ForeignKey("rsvps.id"), primary_key=True)
    screening_id: Mapped[str] = mapped_column(sa.ForeignKey("screenings.id"), index=True)
    rating: Mapped[int] = mapped_column(sa.Integer)
    comment: Mapped[str] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServiceSecretRow(Base):
    """Secrets generated on the first start (by the migration that made this table) and
    kept: every instance of the service reads the same ones. Never configured."""

    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(100))


class FeedVersionRow(Base):
    """One row whose counter grows in every transaction that changes a screening, so any
    instance can tell with one indexed read whether its cached feeds are still current."""

    __tablename__ = "feed_version"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.Integer)


class MaterialOrderRow(Base):
    """A screening's materials order (services.screenings.materials): what is to be
    shipped, where, and whether it has gone."""

    __tablename__ = "material_orders"
    __table_args__ = (
        # The manager's queue: orders in a state, oldest first.
        sa.Index("ix_material_orders_state_ordered", "state", "ordered_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    screening_id: Mapped[str] = mapped_column(sa.ForeignKey("screenings.id"), index=True)
    ordered_by: Mapped[str] = mapped_column(sa.String(40))
    state: Mapped[str] = mapped_column(sa.String(20))
    medium: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    guide_copies: Mapped[int] = mapped_column(sa.Integer)
    flyer_copies: Mapped[int] = mapped_column(sa.Integer)
    film_slug: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)
    ship_to: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    late: Mapped[bool] = mapped_column(sa.Boolean)
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    tracking_note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# The resource library's table lives in its room; imported here so the service's metadata holds it.
from .library import models as library_models  # noqa: E402,F401
from .partners import models as partner_models  # noqa: E402,F401
