"""Tables of the leaders service.

One declarative `Base` holds every table of the service (and the kit's outbox, inbox and
timer tables), so later features add their tables to the same metadata and a new Alembic
revision. A leader's region is never stored: it is derived from `state` under the grouping
held in `program_settings`.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.runtime import request_keys
from services.runtime.db import UTCDateTime, service_metadata

from .domain.applications import APPLICATION_STATUSES
from .domain.leader import LEADER_STATUSES
from .mentorship.domain.details import Urgency
from .mentorship.domain.lifecycle import OfferState, RequestState
from .mentorship.domain.urgent import UrgentOfferState, UrgentState

class Base(DeclarativeBase):
    metadata = service_metadata()


# Answers of creating calls, kept so a retried call is carried out once.
request_keys.add_table(Base.metadata)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LeaderRow(Base):
    __tablename__ = "leaders"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    agency: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    # The address as compared (normalise_email), unique: one leader per address. New rows
    # store `email` in that same form; older rows may keep the case their owner typed.
    email_key: Mapped[str] = mapped_column(sa.String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    state: Mapped[str] = mapped_column(sa.String(2))
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    max_mentees: Mapped[int] = mapped_column(sa.Integer)
    away_until: Mapped[date | None] = mapped_column(sa.Date)
    trusted_host: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where the leader works, for "near me": the ZIP code they give and its point.
    postal_code: Mapped[str | None] = mapped_column(sa.String(10), nullable=True)
    latitude: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(sa.Float, nullable=True)

    __table_args__ = (
        sa.CheckConstraint("max_mentees >= 0", name="max_mentees_not_negative"),
        # A near-me search keeps the leaders inside a latitude band first, then the longitudes.
        sa.Index("ix_leaders_status_latitude_longitude", "status", "latitude", "longitude"),
        sa.CheckConstraint(_one_of("status", LEADER_STATUSES), name="status_known"),
        # The directory filters active leaders by state (a region is a set of states)
        # and lists them by name.
        sa.Index("ix_leaders_status_state_name", "status", "state", "name"),
        sa.Index("ix_leaders_status_name", "status", "name"),
    )


class LeaderExpertiseRow(Base):
    """One row per (leader, tag): an indexed equality filter on every backend."""

    __tablename__ = "leader_expertise"

    leader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("leaders.id", ondelete="CASCADE"), primary_key=True
    )
    expertise: Mapped[str] = mapped_column(sa.String(60), primary_key=True)

    __table_args__ = (sa.Index("ix_leader_expertise_expertise_leader_id", "expertise", "leader_id"),)


class ApplicationRow(Base):
    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    email_key: Mapped[str] = mapped_column(sa.String(254), index=True)  # as LeaderRow.email_key
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    agency: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(120))
    state: Mapped[str] = mapped_column(sa.String(2))
    postal_code: Mapped[str | None] = mapped_column(sa.String(10), nullable=True)
    why: Mapped[str] = mapped_column(sa.Text)
    experience: Mapped[str] = mapped_column(sa.Text)
    reference_name: Mapped[str] = mapped_column(sa.String(120))
    reference_contact: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(sa.String(64))
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Unique: an application becomes at most one leader, however often approval is tried.
    leader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leaders.id"), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(_one_of("status", APPLICATION_STATUSES), name="status_known"),
        sa.Index("ix_applications_status_submitted_at", "status", "submitted_at"),
    )


class TrainingCompletionRow(Base):
    __tablename__ = "training_completions"

    leader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("leaders.id", ondelete="CASCADE"), primary_key=True
    )
    module: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # Coverage looks up who completed the mentoring modules.
    __table_args__ = (sa.Index("ix_training_completions_module_leader_id", "module", "leader_id"),)


class TrainingReminderRow(Base):
    """Each training reminder sent to a leader; `number` counts from 1. The key makes a
    reminder go out at most once however the timer races."""

    __tablename__ = "training_reminders"

    leader_id: Mapped[int] = mapped_column(
        sa.ForeignKey("leaders.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    missing_modules: Mapped[str] = mapped_column(sa.String(400))

    __table_args__ = (sa.CheckConstraint("number >= 1", name="number_positive"),)


class ProgramSettingsRow(Base):
    """The program's choices; a single row (id 1), absent until a manager changes a default."""

    __tablename__ = "program_settings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    region_grouping: Mapped[str] = mapped_column(sa.String(30))
    roster_target: Mapped[int] = mapped_column(sa.Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("roster_target >= 0", name="roster_target_not_negative"),
    )


class CoverageTargetRow(Base):
    """A region whose coverage target differs from regions.DEFAULT_COVERAGE_TARGET."""

    __tablename__ = "coverage_targets"

    grouping: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    region_id: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    target: Mapped[int] = mapped_column(sa.Integer)

    __table_args__ = (sa.CheckConstraint("target >= 0", name="target_not_negative"),)


# ---------------------------------------------------------------------------------------
# Mentorship requests (services/leaders/mentorship/domain holds the rules)

REQUEST_STATES = tuple(s.value for s in RequestState)
OFFER_STATES = tuple(s.value for s in OfferState)


class MentorshipRequestRow(Base):
    """One peer's request. The US state is `requester_state`; `state` is the lifecycle.

    Link tokens are kept only as SHA-256 digests. `leader_id` is the leader holding the
    pending offer or the accepted mentorship (None otherwise): it is what the load of a
    leader and the "offers waiting on this leader" lookups read.
    """

    __tablename__ = "mentorship_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_name: Mapped[str] = mapped_column(sa.String(120))
    agency: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    requester_state: Mapped[str] = mapped_column(sa.String(2))
    topic: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.Text)
    urgency: Mapped[str] = mapped_column(sa.String(10))
    state: Mapped[str] = mapped_column(sa.String(20))
    leader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leaders.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agreed_days: Mapped[int | None] = mapped_column(sa.Integer)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_note: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirm_token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    confirm_token_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirm_token_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(_one_of("state", REQUEST_STATES), name="state_known"),
        sa.CheckConstraint(_one_of("urgency", tuple(u.value for u in Urgency)), name="urgency_known"),
        # The current load of every leader (accepted mentorships) and the offers pending on one.
        sa.Index("ix_mentorship_requests_state_leader_id", "state", "leader_id"),
        sa.Index("ix_mentorship_requests_requester_state_state", "requester_state", "state"),
        sa.Index("ix_mentorship_requests_created_at", "created_at"),
    )


class MentorshipOfferRow(Base):
    """Each offer of a request to one leader; `attempt` counts offers of the request from 1."""

    __tablename__ = "mentorship_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("mentorship_requests.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(sa.Integer)
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("leaders.id"))
    state: Mapped[str] = mapped_column(sa.String(20))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    reminder_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.UniqueConstraint("request_id", "attempt"),
        sa.CheckConstraint(_one_of("state", OFFER_STATES), name="state_known"),
        # However two instances interleave, a request waits on at most one leader.
        sa.Index("ix_mentorship_offers_one_pending", "request_id", unique=True,
                 sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'")),
        # Ranking ties go to the leader offered least recently; coverage reads offers by time.
        sa.Index("ix_mentorship_offers_leader_id_offered_at", "leader_id", "offered_at"),
        sa.Index("ix_mentorship_offers_offered_at", "offered_at"),
    )


class MentorshipAuditRow(Base):
    """Every transition of a request: who, when, from which state to which, and why."""

    __tablename__ = "mentorship_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("mentorship_requests.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(20))
    from_state: Mapped[str] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    actor: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("request_id", "seq"),)


# ---------------------------------------------------------------------------------------
# Rapid response: urgent requests after a hate incident (mentorship/domain/urgent.py)


class UrgentRequestRow(Base):
    """An urgent request: where (ZIP code, its point and state), what happened, the help
    needed, who to contact. `taken_by` is the leader who accepted first."""

    __tablename__ = "urgent_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_name: Mapped[str] = mapped_column(sa.String(120))
    organisation: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(254))
    postal_code: Mapped[str] = mapped_column(sa.String(5))
    incident_state: Mapped[str] = mapped_column(sa.String(2))
    latitude: Mapped[float] = mapped_column(sa.Float)
    longitude: Mapped[float] = mapped_column(sa.Float)
    what_happened: Mapped[str] = mapped_column(sa.Text)
    help_needed: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(20))
    taken_by: Mapped[int | None] = mapped_column(sa.ForeignKey("leaders.id"))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(_one_of("state", tuple(s.value for s in UrgentState)), name="state_known"),
        sa.Index("ix_urgent_requests_state_created_at", "state", "created_at"),
    )


class UrgentOfferRow(Base):
    """One leader's offer of an urgent request, in its round; `miles` from the incident."""

    __tablename__ = "urgent_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("urgent_requests.id", ondelete="CASCADE"))
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("leaders.id"))
    round: Mapped[int] = mapped_column(sa.Integer)
    miles: Mapped[float] = mapped_column(sa.Float)
    state: Mapped[str] = mapped_column(sa.String(20))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("request_id", "leader_id"),  # nobody is offered one request twice
        sa.CheckConstraint(_one_of("state", tuple(s.value for s in UrgentOfferState)), name="state_known"),
        # However two accepts interleave, one request has at most one accepted offer.
        sa.Index("ix_urgent_offers_one_accepted", "request_id", unique=True,
                 sqlite_where=sa.text("state = 'accepted'"), postgresql_where=sa.text("state = 'accepted'")),
        sa.Index("ix_urgent_offers_leader_id_state", "leader_id", "state"),
    )
