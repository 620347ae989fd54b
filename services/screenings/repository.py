"""Rows <-> domain objects for the screenings use cases, and the unit of work that holds
the repositories (DESIGN.md §7).

Each repository keeps what it loaded in this unit of work, so a use case that asks for
the same screening, leader or attendee list twice gets the same object without a second
read, and saving writes the rows it loaded rather than fetching them again.
"""
from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.contracts.leaders import LeaderSnapshot
from services.runtime import places
from services.runtime.uow import UnitOfWork

from .domain.details import Format, Kind, ScreeningDetails, Venue, Visibility
from .domain.reports import Feedback, Report
from .domain.rsvps import AttendeeList, Rsvp, RsvpStatus
from .domain.rules import HostRecord, Interval
from .domain.screening import OPEN, Screening, Status
from .films import Audience, Film, KitItem, KitItemKind
from .materials.repository import MaterialOrderRepository
from .replies.repository import CalendarReplyRepository
from .library.repository import ResourceRepository
from .partners.repository import PartnerRepository
from .models import (
    FeedbackRow, FeedVersionRow, FilmRow, LeaderRow, ReportAudienceRow, ReportRow, RsvpRow, ScreeningAudienceRow,
    ScreeningCohostRow, ScreeningRow, ServiceSecretRow,
)

LINK_SECRET = "rsvp_links"


def kept_secret(session: Session, name: str) -> str:
    """The secret `name`, made (random) the first time it is asked for and kept; the
    migration makes it on a database's first start, this covers one made otherwise. Two
    instances making it at once keep whichever was inserted first."""
    query = sa.select(ServiceSecretRow.value).where(ServiceSecretRow.name == name)
    value = session.execute(query).scalar_one_or_none()
    if value is None:
        try:
            with session.begin_nested():
                session.add(ServiceSecretRow(name=name, value=secrets.token_urlsafe(32)))
        except IntegrityError:
            pass
        value = session.execute(query).scalar_one()
    return value


# --- mapping --------------------------------------------------------------------------


def screening_from_row(row: ScreeningRow) -> Screening:
    venue = None
    if row.venue_name is not None:
        venue = Venue(row.venue_name, row.venue_address or "", row.venue_city or "", row.details_state or "",
                      row.venue_postal_code)
    details = ScreeningDetails(
        kind=Kind(row.kind), format=Format(row.format), title=row.title, description=row.description,
        film_slug=row.film_slug, venue=venue, join_url=row.join_url, state=row.details_state,
        time_zone=row.time_zone, local_start=row.local_start, local_end=row.local_end, capacity=row.capacity,
        audiences=tuple(Audience(a) for a in json.loads(row.audiences)),
        cohost_ids=tuple(json.loads(row.cohost_ids)), partners=tuple(json.loads(row.partners)),
        visibility=Visibility(row.visibility),
    )
    return Screening(
        id=row.id, uid=row.uid, host_id=str(row.host_id), details=details, status=Status(row.status),
        created_at=row.created_at, updated_at=row.updated_at, sequence=row.sequence,
        review_note=row.review_note, reviewed_by=row.reviewed_by, cancel_message=row.cancel_message,
        published=row.published, region=row.region, region_grouping=row.region_grouping, state=row.state,
        chasers_sent=row.chasers_sent or 0,
    )


def rsvp_from_row(row: RsvpRow) -> Rsvp:
    return Rsvp(
        id=row.id, screening_id=row.screening_id, name=row.name, email=row.email, status=RsvpStatus(row.status),
        position=row.position, created_at=row.created_at, cancel_token_hash=row.cancel_token_hash,
        link_nonce=row.link_nonce, walk_in=row.walk_in, promoted_at=row.promoted_at, cancelled_at=row.cancelled_at,
        invited=row.invited, partstat=row.partstat, answered_at=row.answered_at,
    )


def host_from_row(row: LeaderRow) -> HostRecord:
    return HostRecord(leader_id=str(row.leader_id), status=row.status, trusted=row.trusted_host, name=row.name,
                      email=row.email, state=row.state, region=row.region, region_grouping=row.region_grouping)


def _kit_items(stored: list[dict]) -> tuple[KitItem, ...]:
    """A kit as kept. Items kept before kits were orderable carry a `path` (a link guessed
    from a pattern): the link is dropped, and a kind no longer offered (press release) too."""
    known = {kind.value for kind in KitItemKind}
    return tuple(
        KitItem(KitItemKind(item["kind"]), item["title"], item.get("description"),
                bool(item.get("orderable", True)), item.get("url"))
        for item in stored if item.get("kind") in known
    )


def film_from_row(row: FilmRow) -> Film:
    # The column is `synopsis` and not null: an empty one is a film with no published description.
    return Film(
        slug=row.slug, title=row.title, description=row.synopsis or None,
        audiences=tuple(Audience(a) for a in json.loads(row.audiences)),
        kit=_kit_items(json.loads(row.kit)),
        runtime_minutes=row.runtime_minutes,
    )


def _film_columns(film: Film) -> dict[str, Any]:
    return {"title": film.title, "synopsis": film.description or "",
            "audiences": json.dumps([a.value for a in film.audiences]),
            "kit": json.dumps([item.view() for item in film.kit]), "runtime_minutes": film.runtime_minutes}


def hosted_or_cohosted_by(leader_id: int):
    """The SQL condition "this leader hosts or co-hosts the event" (both indexed)."""
    cohosted = sa.select(ScreeningCohostRow.screening_id).where(ScreeningCohostRow.leader_id == leader_id)
    return sa.or_(ScreeningRow.host_id == leader_id, ScreeningRow.id.in_(cohosted))


def screening_key(screening_id: Any) -> str | None:
    """A screening or RSVP id as stored (a UUID's 36 characters), or None for anything else."""
    return screening_id if isinstance(screening_id, str) and len(screening_id) == 36 else None


def leader_key(leader_id: Any) -> int | None:
    """A leader id as the projection stores it; co-host ids arrive as text."""
    if isinstance(leader_id, bool):
        return None
    if isinstance(leader_id, int):
        return leader_id
    return int(leader_id) if isinstance(leader_id, str) and leader_id.isdigit() else None


# --- repositories ---------------------------------------------------------------------


class FeedVersionRepository:
    """The one-row counter that tells every instance its cached feeds are out of date."""

    def __init__(self, session: Session):
        self.session = session

    def bump(self) -> None:
        self.session.execute(sa.update(FeedVersionRow).where(FeedVersionRow.id == 1)
                             .values(version=FeedVersionRow.version + 1))


class LeaderRepository:
    """The projection of leaders built from the leader_* events."""

    def __init__(self, session: Session):
        self.session = session
        self._seen: dict[int, HostRecord | None] = {}

    def get(self, leader_id: Any) -> HostRecord | None:
        key = leader_key(leader_id)
        if key is None:
            return None
        if key not in self._seen:
            row = self.session.get(LeaderRow, key)
            self._seen[key] = None if row is None else host_from_row(row)
        return self._seen[key]

    def version(self, leader_id: int) -> int | None:
        """The version held of a leader, locking the row until the end of the transaction."""
        row = self.session.get(LeaderRow, leader_id, with_for_update=True)
        return None if row is None else row.leader_version

    def keep(self, snapshot: LeaderSnapshot, now: datetime) -> None:
        row = self.session.get(LeaderRow, snapshot.leader_id)
        if row is None:
            row = LeaderRow(leader_id=snapshot.leader_id)
            self.session.add(row)
        row.leader_version = snapshot.leader_version
        row.name = snapshot.name
        row.email = str(snapshot.email)
        row.agency = snapshot.agency
        row.title = snapshot.title
        row.state = snapshot.state
        row.region = snapshot.region
        row.region_grouping = snapshot.region_grouping
        row.status = snapshot.status
        row.trusted_host = snapshot.trusted_host
        row.away_until = snapshot.away_until
        row.updated_at = now
        self._seen.pop(snapshot.leader_id, None)


class FilmRepository:
    def __init__(self, session: Session):
        self.session = session
        self._all: dict[str, Film] | None = None

    def all(self) -> dict[str, Film]:
        if self._all is None:
            self._all = {row.slug: film_from_row(row) for row in self.session.execute(sa.select(FilmRow)).scalars()}
        return self._all

    def get(self, slug: str) -> Film | None:
        if self._all is not None:
            return self._all.get(slug)
        row = self.session.get(FilmRow, slug)
        return None if row is None else film_from_row(row)

    def add(self, film: Film, *, added_at: datetime | None) -> None:
        self.session.add(FilmRow(slug=film.slug, added_at=added_at, **_film_columns(film)))
        if self._all is not None:
            self._all[film.slug] = film

    def refresh_seeded(self, film: Film) -> bool:
        """Bring a film the catalog seeded (never one a manager added) up to the catalog's
        text and kit; returns whether anything changed."""
        row = self.session.get(FilmRow, film.slug)
        if row is None or row.added_at is not None:
            return False
        columns = _film_columns(film)
        if all(getattr(row, name) == value for name, value in columns.items()):
            return False
        for name, value in columns.items():
            setattr(row, name, value)
        if self._all is not None:
            self._all[film.slug] = film
        return True


class ScreeningRepository:
    """Screenings with their co-hosts and audiences (kept in rows of their own for the
    indexes). Every change also bumps the feed version."""

    def __init__(self, session: Session, feed_version: FeedVersionRepository):
        self.session = session
        self.feed_version = feed_version
        self._rows: dict[str, ScreeningRow] = {}
        self._seen: dict[str, Screening] = {}
        self._locked: set[str] = set()

    def get(self, screening_id: Any, *, lock: bool = False) -> Screening | None:
        """The screening, or None; `lock` holds its row until the end of the transaction,
        so concurrent changes to one screening take turns."""
        key = screening_key(screening_id)
        if key is None:
            return None
        if key in self._seen and (key in self._locked or not lock):
            return self._seen[key]
        row = self.session.get(ScreeningRow, key, with_for_update=lock, populate_existing=lock)
        if row is None:
            return None
        self._rows[key] = row
        self._seen[key] = screening_from_row(row)
        if lock:
            self._locked.add(key)
        return self._seen[key]

    def add(self, screening: Screening) -> None:
        row = ScreeningRow(id=screening.id)
        self.session.add(row)
        self._rows[screening.id] = row
        self._seen[screening.id] = screening
        self._locked.add(screening.id)
        self._write(row, screening)

    def save(self, screening: Screening) -> None:
        self._write(self._rows[screening.id], screening)

    def host_busy(self, host_id: Any, *, exclude: str | None, now: datetime) -> list[Interval]:
        """When the host's other open events take place (those not over yet)."""
        s = ScreeningRow
        query = sa.select(s.start_at, s.end_at).where(
            s.host_id == leader_key(host_id), s.status.in_([status.value for status in OPEN]), s.end_at > now)
        if exclude:
            query = query.where(s.id != exclude)
        return [tuple(r) for r in self.session.execute(query)]

    def _write(self, row: ScreeningRow, screening: Screening) -> None:
        details = screening.details
        old_audiences = json.loads(row.audiences) if row.audiences else None
        old_cohosts = json.loads(row.cohost_ids) if row.cohost_ids else None
        row.uid = screening.uid
        row.host_id = int(screening.host_id)
        row.status = screening.status.value
        row.kind = details.kind.value
        row.format = details.format.value
        row.title = details.title
        row.description = details.description
        row.film_slug = details.film_slug
        row.venue_name = details.venue.name if details.venue else None
        row.venue_address = details.venue.address if details.venue else None
        row.venue_city = details.venue.city if details.venue else None
        row.venue_postal_code = details.venue.postal_code if details.venue else None
        point = None if details.venue is None else (places.zip_place(details.venue.postal_code)
                                                    or places.city_place(details.venue.city, details.venue.state))
        row.latitude, row.longitude = (point.latitude, point.longitude) if point else (None, None)
        row.join_url = details.join_url
        row.details_state = details.state
        row.state = screening.state
        row.region = screening.region
        row.region_grouping = screening.region_grouping
        row.time_zone = details.time_zone
        row.local_start = details.local_start
        row.local_end = details.local_end
        row.start_at = details.start
        row.end_at = details.end
        row.capacity = details.capacity
        audiences = [a.value for a in details.audiences]
        row.audiences = json.dumps(audiences)
        row.cohost_ids = json.dumps(list(details.cohost_ids))
        row.partners = json.dumps(list(details.partners))
        row.visibility = details.visibility.value
        row.sequence = screening.sequence
        row.published = screening.published
        row.in_feeds = screening.listed_in_feeds
        row.review_note = screening.review_note
        row.reviewed_by = screening.reviewed_by
        row.cancel_message = screening.cancel_message
        row.chasers_sent = screening.chasers_sent
        row.created_at = screening.created_at
        row.updated_at = screening.updated_at
        self.session.flush()
        if old_audiences != audiences:
            self.session.execute(sa.delete(ScreeningAudienceRow).where(ScreeningAudienceRow.screening_id == row.id))
            self.session.execute(sa.insert(ScreeningAudienceRow),
                                 [{"screening_id": row.id, "audience": a} for a in audiences])
        if old_cohosts != list(details.cohost_ids):
            self.session.execute(sa.delete(ScreeningCohostRow).where(ScreeningCohostRow.screening_id == row.id))
            cohost_rows = [{"screening_id": row.id, "leader_id": int(c)} for c in sorted(set(details.cohost_ids))
                           if c.isdigit()]
            if cohost_rows:
                self.session.execute(sa.insert(ScreeningCohostRow), cohost_rows)
        # Also covers co-host changes: the leader feeds of old and new co-hosts are rebuilt.
        self.feed_version.bump()


class RsvpRepository:
    def __init__(self, session: Session):
        self.session = session
        self._rows: dict[str, RsvpRow] = {}
        self._seen: dict[str, Rsvp] = {}
        self._lists: dict[str, AttendeeList] = {}

    def get(self, rsvp_id: Any) -> Rsvp | None:
        key = screening_key(rsvp_id)
        if key is None:
            return None
        if key not in self._seen:
            row = self.session.get(RsvpRow, key)
            if row is None:
                return None
            self._keep(row)
        return self._seen[key]

    def attendee_list(self, screening_id: str) -> AttendeeList:
        """Every RSVP of the screening, cancelled ones included."""
        if screening_id not in self._lists:
            rows = self.session.execute(sa.select(RsvpRow).where(RsvpRow.screening_id == screening_id)).scalars()
            self._lists[screening_id] = AttendeeList(screening_id, [self._keep(row) for row in rows])
        return self._lists[screening_id]

    def save(self, attendees: AttendeeList) -> None:
        for rsvp in attendees.rsvps:
            row = self._rows.get(rsvp.id)
            if row is None:
                row = RsvpRow(id=rsvp.id, screening_id=rsvp.screening_id)
                self.session.add(row)
                self._rows[rsvp.id] = row
                self._seen[rsvp.id] = rsvp
            row.name = rsvp.name
            row.email = rsvp.email
            row.status = rsvp.status.value
            row.position = rsvp.position
            row.created_at = rsvp.created_at
            row.cancel_token_hash = rsvp.cancel_token_hash
            row.link_nonce = rsvp.link_nonce
            row.walk_in = rsvp.walk_in
            row.promoted_at = rsvp.promoted_at
            row.cancelled_at = rsvp.cancelled_at
            row.invited = rsvp.invited
            row.partstat = rsvp.partstat
            row.answered_at = rsvp.answered_at
        self.session.flush()

    def counts(self, screening_id: str) -> dict[str, int]:
        """How many RSVPs the screening has in each status."""
        return dict(self.session.execute(
            sa.select(RsvpRow.status, sa.func.count()).where(RsvpRow.screening_id == screening_id)
            .group_by(RsvpRow.status)).all())

    def _keep(self, row: RsvpRow) -> Rsvp:
        if row.id not in self._seen:
            self._rows[row.id] = row
            self._seen[row.id] = rsvp_from_row(row)
        return self._seen[row.id]


class ReportRepository:
    """Hosts' reports (with their audiences in rows of their own, for coverage) and
    attendees' feedback."""

    def __init__(self, session: Session):
        self.session = session

    def filed(self, screening_id: str) -> bool:
        return self.session.get(ReportRow, screening_id) is not None

    def add(self, report: Report) -> None:
        self.session.add(ReportRow(
            screening_id=report.screening_id, filed_by=int(report.filed_by), filed_at=report.filed_at,
            head_count=report.head_count, partners=json.dumps(list(report.partners)),
            audiences=json.dumps([a.value for a in report.audiences]),
            follow_up_actions=json.dumps(list(report.follow_up_actions)), notes=report.notes,
        ))
        self.session.flush()
        self.session.execute(sa.insert(ReportAudienceRow),
                             [{"screening_id": report.screening_id, "audience": a.value} for a in report.audiences])

    def feedback_given(self, rsvp_id: str) -> bool:
        return self.session.get(FeedbackRow, rsvp_id) is not None

    def add_feedback(self, feedback: Feedback) -> None:
        self.session.add(FeedbackRow(rsvp_id=feedback.rsvp_id, screening_id=feedback.screening_id,
                                     rating=feedback.rating, comment=feedback.comment,
                                     submitted_at=feedback.submitted_at))


class ScreeningsUnitOfWork(UnitOfWork):
    def __init__(self, session: Session, source: str = "screenings"):
        super().__init__(session, source)
        self.feed_version = FeedVersionRepository(session)
        self.leaders = LeaderRepository(session)
        self.films = FilmRepository(session)
        self.screenings = ScreeningRepository(session, self.feed_version)
        self.rsvps = RsvpRepository(session)
        self.reports = ReportRepository(session)
        self.materials = MaterialOrderRepository(session)
        self.library = ResourceRepository(session)
        self.calendar_replies = CalendarReplyRepository(session)
        self.partners = PartnerRepository(session)
        self._link_secret: str | None = None

    @property
    def link_secret(self) -> str:
        """The kept secret RSVP links are derived with (see ServiceSecretRow)."""
        if self._link_secret is None:
            self._link_secret = kept_secret(self.session, LINK_SECRET)
        return self._link_secret
