"""Use cases of the screenings service: load rows, apply the domain rules, save, publish.

Each function takes an open session (one transaction) plus `now`; the events it records
in the outbox commit or roll back with its changes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.contracts import screenings as events
from services.contracts.screenings import PUBLIC_PATHS
from services.runtime import outbox, timers
from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed

from . import calendar
from .domain import reports as report_rules, rsvps as rsvp_rules, rules, screening as screening_rules, validation, \
    zones
from .domain.details import Format, Kind, ScreeningDetails, Venue, Visibility
from .domain.rsvps import AttendeeList, Rsvp, RsvpStatus
from .domain.rules import HostRecord
from .domain.screening import OPEN, Screening, Status
from .films import FILMS, Audience, Film, KitItem, KitItemKind, film_from_input
from .models import (
    FeedbackRow, FeedVersionRow, FilmRow, LeaderRow, ReportAudienceRow, ReportRow, RsvpRow, ScreeningAudienceRow,
    ScreeningCohostRow, ScreeningRow,
)
from .schemas import Actor

SOURCE = "screenings"
UTC = timezone.utc

REMINDER = "screening_reminder"
COMPLETE = "screening_complete"
REPORT_CHASE = "screening_report_chase"
DAY_BEFORE_AT = time(9, 0)
DAY_OF_AT = time(8, 0)
DAY_OF_LEAD = timedelta(hours=2)


@dataclass(frozen=True)
class Settings:
    manager_emails: tuple[str, ...] = ("programs@niot.example.org",)
    link_secret: str = "development-only-link-secret"
    public_base_url: str = "http://127.0.0.1:8000"
    uid_domain: str = screening_rules.DEFAULT_UID_DOMAIN
    feed_past_days: int = 90

    def url(self, path: str) -> str:
        return self.public_base_url.rstrip("/") + path


# --- leader projection ----------------------------------------------------------------


def apply_leader_snapshot(session: Session, snapshot, now: datetime) -> bool:
    """Keep the snapshot when it is newer than the one held; False when it was stale."""
    row = session.get(LeaderRow, snapshot.leader_id, with_for_update=True)
    if row is not None and row.leader_version >= snapshot.leader_version:
        return False
    if row is None:
        row = LeaderRow(leader_id=snapshot.leader_id)
        session.add(row)
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
    # A leader's name is shown in their feed's title.
    bump_feed_version(session)
    return True


def host_record(row: LeaderRow | None) -> HostRecord | None:
    if row is None:
        return None
    return HostRecord(leader_id=str(row.leader_id), status=row.status, trusted=row.trusted_host, name=row.name)


def get_leader(session: Session, leader_id: int) -> dict:
    row = session.get(LeaderRow, leader_id)
    if row is None:
        raise NotFound("no such leader")
    return {
        "leader_id": row.leader_id, "leader_version": row.leader_version, "name": row.name,
        "state": row.state, "region": row.region, "region_grouping": row.region_grouping,
        "status": row.status, "trusted_host": row.trusted_host,
        "away_until": row.away_until.isoformat() if row.away_until else None,
    }


# --- films ----------------------------------------------------------------------------


def seed_films(session: Session) -> int:
    """Add the catalog's films that the table does not hold yet; returns how many."""
    held = set(session.execute(sa.select(FilmRow.slug)).scalars())
    added = 0
    for film in FILMS:
        if film.slug not in held:
            session.add(_film_row(film, added_at=None))
            added += 1
    return added


def _film_row(film: Film, *, added_at: datetime | None) -> FilmRow:
    return FilmRow(
        slug=film.slug, title=film.title, synopsis=film.synopsis,
        audiences=json.dumps([a.value for a in film.audiences]),
        kit=json.dumps([{"kind": k.kind.value, "title": k.title, "path": k.path} for k in film.kit]),
        runtime_minutes=film.runtime_minutes, added_at=added_at,
    )


def _film(row: FilmRow) -> Film:
    return Film(
        slug=row.slug, title=row.title, synopsis=row.synopsis,
        audiences=tuple(Audience(a) for a in json.loads(row.audiences)),
        kit=tuple(KitItem(KitItemKind(k["kind"]), k["title"], k["path"]) for k in json.loads(row.kit)),
        runtime_minutes=row.runtime_minutes,
    )


def load_films(session: Session) -> dict[str, Film]:
    return {row.slug: _film(row) for row in session.execute(sa.select(FilmRow)).scalars()}


def film_view(film: Film) -> dict:
    return {
        "slug": film.slug, "title": film.title, "synopsis": film.synopsis,
        "runtime_minutes": film.runtime_minutes, "audiences": [a.value for a in film.audiences],
        "kit": film.kit_links(),
    }


def list_films(session: Session) -> list[dict]:
    return [film_view(f) for f in sorted(load_films(session).values(), key=lambda f: f.title)]


def get_film(session: Session, slug: Any) -> dict:
    row = session.get(FilmRow, slug) if isinstance(slug, str) else None
    if row is None:
        raise NotFound("no such film")
    return film_view(_film(row))


def add_film(session: Session, actor: Actor, raw: Any, now: datetime) -> dict:
    _require_manager(actor)
    if not isinstance(raw, Mapping):
        raise ValidationFailed("must be an object", field="film")
    film = film_from_input(raw, existing=load_films(session))
    session.add(_film_row(film, added_at=now))
    return film_view(film)


# --- rows and the domain --------------------------------------------------------------


def to_domain(row: ScreeningRow) -> Screening:
    venue = None
    if row.venue_name is not None:
        venue = Venue(row.venue_name, row.venue_address or "", row.venue_city or "", row.details_state or "")
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
        published=row.published,
    )


def _store(session: Session, screening: Screening, row: ScreeningRow, host: LeaderRow) -> ScreeningRow:
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
    row.join_url = details.join_url
    row.details_state = details.state
    row.state = details.state or host.state
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
    row.created_at = screening.created_at
    row.updated_at = screening.updated_at
    if row.chasers_sent is None:
        row.chasers_sent = 0
    session.flush()
    if old_audiences != audiences:
        session.execute(sa.delete(ScreeningAudienceRow).where(ScreeningAudienceRow.screening_id == row.id))
        session.execute(sa.insert(ScreeningAudienceRow), [{"screening_id": row.id, "audience": a} for a in audiences])
    if old_cohosts != list(details.cohost_ids):
        session.execute(sa.delete(ScreeningCohostRow).where(ScreeningCohostRow.screening_id == row.id))
        cohost_rows = [{"screening_id": row.id, "leader_id": int(c)} for c in sorted(set(details.cohost_ids))
                       if c.isdigit()]
        if cohost_rows:
            session.execute(sa.insert(ScreeningCohostRow), cohost_rows)
    # Also covers co-host changes: the leader feeds of old and new co-hosts are rebuilt.
    bump_feed_version(session)
    return row


def bump_feed_version(session: Session) -> None:
    session.execute(sa.update(FeedVersionRow).where(FeedVersionRow.id == 1)
                    .values(version=FeedVersionRow.version + 1))


def hosted_or_cohosted_by(leader_id: int):
    """The SQL condition "this leader hosts or co-hosts the event" (both indexed)."""
    cohosted = sa.select(ScreeningCohostRow.screening_id).where(ScreeningCohostRow.leader_id == leader_id)
    return sa.or_(ScreeningRow.host_id == leader_id, ScreeningRow.id.in_(cohosted))


def _load(session: Session, screening_id: Any, *, lock: bool = False) -> ScreeningRow:
    row = None
    if isinstance(screening_id, str) and len(screening_id) == 36:
        row = session.get(ScreeningRow, screening_id, with_for_update=lock)
    if row is None:
        raise NotFound("no such screening")
    return row


def _host_busy(session: Session, host_id: int, *, exclude: str | None, now: datetime) -> list[tuple[datetime, datetime]]:
    query = sa.select(ScreeningRow.start_at, ScreeningRow.end_at).where(
        ScreeningRow.host_id == host_id, ScreeningRow.status.in_([s.value for s in OPEN]),
        ScreeningRow.end_at > now,
    )
    if exclude:
        query = query.where(ScreeningRow.id != exclude)
    return [tuple(r) for r in session.execute(query)]


def _check_cohosts(session: Session, screening: Screening) -> None:
    for cohost in screening.details.cohost_ids:
        row = session.get(LeaderRow, int(cohost)) if cohost.isdigit() else None
        if row is None or row.status != "active":
            raise ValidationFailed(f"co-host {cohost} is not an active network leader", field="cohost_ids")


def _host_row(session: Session, row: ScreeningRow) -> LeaderRow:
    host = session.get(LeaderRow, row.host_id)
    if host is None:
        raise Conflict("the host is unknown to this service")
    return host


# --- access ---------------------------------------------------------------------------


def _require_manager(actor: Actor) -> None:
    if not actor.manager:
        raise Forbidden("only a program manager can do this")


def _is_organiser(actor: Actor | None, screening: Screening) -> bool:
    return actor is not None and actor.leader_id is not None and str(actor.leader_id) in screening.organisers()


def _require_organiser_or_manager(actor: Actor, screening: Screening) -> None:
    if not (actor.manager or _is_organiser(actor, screening)):
        raise Forbidden("only the event's host, a co-host or a program manager can do this")


# --- event payload parts --------------------------------------------------------------


def local_label(local_start: datetime, local_end: datetime, zone_name: str) -> str:
    zone = ZoneInfo(zone_name)
    start = local_start.replace(tzinfo=zone)
    end = local_end.replace(tzinfo=zone)

    def clock_time(moment: datetime) -> str:
        return moment.strftime("%I:%M %p").lstrip("0")

    day = f"{start:%a, %b} {start.day}, {start.year}"
    if start.date() == end.date():
        return f"{day}, {clock_time(start)} - {clock_time(end)} {end.tzname()}"
    end_day = f"{end:%a, %b} {end.day}, {end.year}"
    return f"{day}, {clock_time(start)} {start.tzname()} - {end_day}, {clock_time(end)} {end.tzname()}"


def when(details: ScreeningDetails) -> events.When:
    return events.When(
        start_utc=details.start, end_utc=details.end, time_zone=details.time_zone,
        local_start=details.local_start, local_end=details.local_end,
        local_label=local_label(details.local_start, details.local_end, details.time_zone),
    )


def venue_text(details: ScreeningDetails) -> str | None:
    venue = details.venue
    return None if venue is None else f"{venue.name}, {venue.address}, {venue.city}, {venue.state}"


def _person(row: LeaderRow) -> events.Person:
    return events.Person(name=row.name, email=row.email)


def _cohost_rows(session: Session, screening: Screening) -> list[LeaderRow]:
    rows = [session.get(LeaderRow, int(c)) for c in screening.details.cohost_ids if c.isdigit()]
    return [r for r in rows if r is not None]


def screening_info(session: Session, screening: Screening) -> events.ScreeningInfo:
    details = screening.details
    host = session.get(LeaderRow, int(screening.host_id))
    film = session.get(FilmRow, details.film_slug) if details.film_slug else None
    return events.ScreeningInfo(
        screening_id=screening.id, uid=screening.uid, sequence=screening.sequence,
        status=screening.status.value, title=details.title, film_title=film.title if film else None,
        kind=details.kind.value, format=details.format.value, online=details.online,
        venue=venue_text(details), state=details.state, when=when(details), host=_person(host),
        cohosts=tuple(_person(r) for r in _cohost_rows(session, screening)),
        page_path=PUBLIC_PATHS["screening"].format(screening_id=screening.id),
        ics_path=PUBLIC_PATHS["screening_ics"].format(screening_id=screening.id),
    )


def link_token(settings: Settings, rsvp_id: str) -> str:
    """The private link token of an RSVP, derived so any mail can carry it again; only
    its hash is stored, and nobody without the service's secret can forge it."""
    digest = hmac.new(settings.link_secret.encode(), f"rsvp:{rsvp_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def cancel_path(settings: Settings, rsvp_id: str) -> str:
    return PUBLIC_PATHS["rsvp_cancel"].format(rsvp_id=rsvp_id, token=link_token(settings, rsvp_id))


def _invitation(screening: Screening, host: LeaderRow, recipients: list[events.Person], method: str,
                settings: Settings, now: datetime) -> dict:
    event = calendar.CalendarEvent.from_screening(
        screening, url=settings.url(PUBLIC_PATHS["screening"].format(screening_id=screening.id)))
    body = calendar.invitation_ics(
        event, method=method, organizer=calendar.Party(host.email, host.name),
        attendees=[calendar.Party(p.email, p.name) for p in recipients], dtstamp=now,
    )
    return {"invitation_method": method, "invitation_ics": body.decode("utf-8")}


@dataclass
class Recipient:
    person: events.Person
    role: str
    rsvp_id: str | None = None


def _recipients(session: Session, screening: Screening, *, waitlisted: bool) -> list[Recipient]:
    host = session.get(LeaderRow, int(screening.host_id))
    people = [Recipient(_person(host), "host")]
    people += [Recipient(_person(r), "cohost") for r in _cohost_rows(session, screening)]
    statuses = [RsvpStatus.CONFIRMED.value] + ([RsvpStatus.WAITLISTED.value] if waitlisted else [])
    rows = session.execute(
        sa.select(RsvpRow).where(RsvpRow.screening_id == screening.id, RsvpRow.status.in_(statuses),
                                 RsvpRow.email.is_not(None)).order_by(RsvpRow.position)
    ).scalars()
    for row in rows:
        role = "attendee" if row.status == RsvpStatus.CONFIRMED.value else "waitlisted"
        people.append(Recipient(events.Person(name=row.name, email=row.email), role, row.id))
    return people


def _publish_to_each(session: Session, screening: Screening, model, settings: Settings, now: datetime, *,
                     method: str | None, waitlisted: bool, **fields) -> int:
    """One event per recipient (see services.contracts.screenings)."""
    host = session.get(LeaderRow, int(screening.host_id))
    info = screening_info(session, screening)
    sent = 0
    for recipient in _recipients(session, screening, waitlisted=waitlisted):
        seat_holder = recipient.role != "waitlisted"
        extra: dict[str, Any] = {}
        if method is not None and seat_holder:
            extra.update(_invitation(screening, host, [recipient.person], method, settings, now))
        if seat_holder and screening.details.join_url and method != calendar.METHOD_CANCEL:
            extra["join_url"] = screening.details.join_url
        if recipient.rsvp_id is not None:
            extra["rsvp_id"] = recipient.rsvp_id
            extra["cancel_path"] = cancel_path(settings, recipient.rsvp_id)
        outbox.record(session, SOURCE, model(
            screening=info, recipient=recipient.person, recipient_role=recipient.role, **extra, **fields))
        sent += 1
    return sent


def _organiser_invitation(session: Session, screening: Screening, settings: Settings, now: datetime) -> dict:
    host = session.get(LeaderRow, int(screening.host_id))
    cohosts = [_person(r) for r in _cohost_rows(session, screening)] or [_person(host)]
    fields = _invitation(screening, host, cohosts, calendar.METHOD_REQUEST, settings, now)
    if screening.details.join_url:
        fields["join_url"] = screening.details.join_url
    return fields


def _announce_new_state(session: Session, screening: Screening, settings: Settings, now: datetime, *,
                        resubmission: bool = False, approved: bool = False) -> None:
    manage = PUBLIC_PATHS["manage"].format(screening_id=screening.id)
    if screening.status is Status.SCHEDULED:
        fields = _organiser_invitation(session, screening, settings, now)
        info = screening_info(session, screening)
        if approved:
            outbox.record(session, SOURCE, events.ScreeningApproved(
                screening=info, approved_at=now, manage_path=manage, **fields))
        else:
            outbox.record(session, SOURCE, events.ScreeningScheduled(
                screening=info, scheduled_at=now, manage_path=manage, **fields))
        schedule_timers(session, screening, now)
    elif screening.pending_approval:
        outbox.record(session, SOURCE, events.ScreeningSubmitted(
            screening=screening_info(session, screening), manager_emails=settings.manager_emails,
            resubmission=resubmission, submitted_at=now,
            review_path=PUBLIC_PATHS["review"].format(screening_id=screening.id),
        ))


# --- timers ---------------------------------------------------------------------------


def reminder_times(details: ScreeningDetails) -> dict[str, datetime]:
    """Reminders in the venue's zone: 09:00 the day before, 08:00 on the day (or two hours
    before an earlier start)."""
    day = details.local_start.date()
    day_before = zones.to_utc(datetime.combine(day - timedelta(days=1), DAY_BEFORE_AT), details.time_zone)
    day_of = min(zones.to_utc(datetime.combine(day, DAY_OF_AT), details.time_zone), details.start - DAY_OF_LEAD)
    return {"day_before": day_before, "day_of": day_of}


def schedule_timers(session: Session, screening: Screening, now: datetime) -> None:
    for name, due in reminder_times(screening.details).items():
        key = f"{screening.id}:{name}"
        if due > now:
            timers.schedule(session, REMINDER, key, due, {"screening_id": screening.id, "reminder": name})
        else:
            timers.cancel(session, REMINDER, key)
    timers.schedule(session, COMPLETE, screening.id, screening.details.end, {"screening_id": screening.id})


def cancel_timers(session: Session, screening_id: str) -> None:
    for name in ("day_before", "day_of"):
        timers.cancel(session, REMINDER, f"{screening_id}:{name}")
    timers.cancel(session, COMPLETE, screening_id)
    timers.cancel(session, REPORT_CHASE, screening_id)


def timer_handlers(settings: Settings) -> dict:
    def on_reminder(uow, payload: dict, now: datetime) -> None:
        session = uow.session
        row = session.get(ScreeningRow, payload["screening_id"])
        if row is None or row.status != Status.SCHEDULED.value or now >= row.start_at:
            return
        screening = to_domain(row)
        _publish_to_each(session, screening, events.ScreeningReminderDue, settings, now, method=None,
                         waitlisted=False, reminder=payload["reminder"], due_at=now)

    def on_complete(uow, payload: dict, now: datetime) -> None:
        session = uow.session
        row = session.get(ScreeningRow, payload["screening_id"], with_for_update=True)
        if row is None or row.status != Status.SCHEDULED.value or now < row.end_at:
            return
        screening = to_domain(row)
        screening.complete(now=now)
        _store(session, screening, row, _host_row(session, row))
        _schedule_chaser(session, screening, row, now)

    def on_chase(uow, payload: dict, now: datetime) -> None:
        session = uow.session
        row = session.get(ScreeningRow, payload["screening_id"], with_for_update=True)
        if row is None or session.get(ReportRow, row.id) is not None:
            return
        screening = to_domain(row)
        chaser = row.chasers_sent + 1
        if report_rules.next_report_chase(screening, chasers_sent=row.chasers_sent, report_filed=False) is None:
            return
        row.chasers_sent = chaser
        final = report_rules.next_report_chase(screening, chasers_sent=chaser, report_filed=False) is None
        outbox.record(session, SOURCE, events.ScreeningReportDue(
            screening=screening_info(session, screening), chaser=chaser, final=final, due_at=now,
            report_path=PUBLIC_PATHS["report"].format(screening_id=screening.id),
        ))
        _schedule_chaser(session, screening, row, now)

    return {REMINDER: on_reminder, COMPLETE: on_complete, REPORT_CHASE: on_chase}


def _schedule_chaser(session: Session, screening: Screening, row: ScreeningRow, now: datetime) -> None:
    filed = session.get(ReportRow, row.id) is not None
    due = report_rules.next_report_chase(screening, chasers_sent=row.chasers_sent, report_filed=filed)
    if due is None:
        timers.cancel(session, REPORT_CHASE, screening.id)
    else:
        timers.schedule(session, REPORT_CHASE, screening.id, max(due, now), {"screening_id": screening.id})


# --- registering and reviewing --------------------------------------------------------


def register_screening(session: Session, settings: Settings, actor: Actor, host_id: Any, raw: Any,
                       now: datetime) -> dict:
    if isinstance(host_id, bool) or not isinstance(host_id, int) or host_id <= 0:
        raise ValidationFailed("must be a leader id", field="host_id")
    if not (actor.manager or actor.leader_id == host_id):
        raise Forbidden("a leader registers events only as their own host")
    if not isinstance(raw, Mapping):
        raise ValidationFailed("must be an object", field="details")
    host = session.get(LeaderRow, host_id)
    screening = screening_rules.register_screening(
        raw, host=host_record(host), now=now, host_busy=_host_busy(session, host_id, exclude=None, now=now),
        uid_domain=settings.uid_domain, films=load_films(session),
    )
    _check_cohosts(session, screening)
    row = ScreeningRow(id=screening.id, region=host.region, region_grouping=host.region_grouping, chasers_sent=0)
    session.add(row)
    _store(session, screening, row, host)
    _announce_new_state(session, screening, settings, now)
    return screening_view(session, row, actor)


def approve_screening(session: Session, settings: Settings, actor: Actor, screening_id: Any, now: datetime) -> dict:
    _require_manager(actor)
    row = _load(session, screening_id, lock=True)
    screening = to_domain(row)
    screening.approve(reviewer_id="manager", now=now,
                      host_busy=_host_busy(session, row.host_id, exclude=row.id, now=now))
    _store(session, screening, row, _host_row(session, row))
    _announce_new_state(session, screening, settings, now, approved=True)
    return screening_view(session, row, actor)


def send_back_screening(session: Session, settings: Settings, actor: Actor, screening_id: Any, note: Any,
                        now: datetime) -> dict:
    _require_manager(actor)
    row = _load(session, screening_id, lock=True)
    screening = to_domain(row)
    screening.send_back(reviewer_id="manager", note=note, now=now)
    _store(session, screening, row, _host_row(session, row))
    outbox.record(session, SOURCE, events.ScreeningSentBack(
        screening=screening_info(session, screening), note=screening.review_note, sent_back_at=now,
        manage_path=PUBLIC_PATHS["manage"].format(screening_id=screening.id),
    ))
    return screening_view(session, row, actor)


def resubmit_screening(session: Session, settings: Settings, actor: Actor, screening_id: Any, changes: Any,
                       now: datetime) -> dict:
    row = _load(session, screening_id, lock=True)
    screening = to_domain(row)
    _require_organiser_or_manager(actor, screening)
    if changes is not None and not isinstance(changes, Mapping):
        raise ValidationFailed("must be an object", field="changes")
    host = _host_row(session, row)
    screening.resubmit(changes, host=host_record(host), now=now,
                       host_busy=_host_busy(session, row.host_id, exclude=row.id, now=now), films=load_films(session))
    _check_cohosts(session, screening)
    _store(session, screening, row, host)
    _announce_new_state(session, screening, settings, now, resubmission=True)
    return screening_view(session, row, actor)


# --- changes --------------------------------------------------------------------------


def _optional_message(message: Any) -> str | None:
    if message is None or (isinstance(message, str) and not message.strip()):
        return None
    if not isinstance(message, str) or len(message) > validation.MAX_TEXT:
        raise ValidationFailed(f"must be text of at most {validation.MAX_TEXT} characters", field="message")
    return message.strip()


def reschedule_screening(session: Session, settings: Settings, actor: Actor, screening_id: Any, *, start: Any,
                         end: Any, time_zone: Any = None, message: Any = None, now: datetime) -> dict:
    row = _load(session, screening_id, lock=True)
    screening = to_domain(row)
    _require_organiser_or_manager(actor, screening)
    message = _optional_message(message)
    previous = when(screening.details)
    changed = screening.reschedule(start=start, end=end, time_zone=time_zone, now=now,
                                   host_busy=_host_busy(session, row.host_id, exclude=row.id, now=now))
    if not changed:
        return screening_view(session, row, actor)
    _store(session, screening, row, _host_row(session, row))
    if screening.status is Status.SCHEDULED:
        schedule_timers(session, screening, now)
        _publish_to_each(session, screening, events.ScreeningRescheduled, settings, now,
                         method=calendar.METHOD_REQUEST, waitlisted=True, previous_when=previous,
                         message=message, rescheduled_at=now)
    return screening_view(session, row, actor)


def change_venue(session: Session, settings: Settings, actor: Actor, screening_id: Any, *, venue: Any = None,
                 join_url: Any = None, state: Any = None, time_zone: Any = None, message: Any = None,
                 now: datetime) -> dict:
    row = _load(session, screening_id, lock=True)
    screening = to_domain(row)
    _require_organiser_or_manager(actor, screening)
    message = _optional_message(message)
    previous_venue, previous_online = venue_text(screening.details), screening.details.online
    previous_start = screening.details.start
    changed = screening.change_venue(now=now, venue=venue, join_url=join_url, state=state, time_zone=time_zone)
    if not changed:
        return screening_view(session, row, actor)
    rules.check_schedule(screening.details, now=now,
                          host_busy=_host_busy(session, row.host_id, exclude=row.id, now=now))
    _store(session, screening, row, _host_row(session, row))
    if screening.status is Status.SCHEDULED:
        if screening.details.start != previous_start:
            schedule_timers(session, screening, now)
        _publish_to_each(session, screening, events.ScreeningVenueChanged, settings, now,
                         method=calendar.METHOD_REQUEST, waitlisted=True, previous_venue=previous_venue,
                         previous_online=previous_online, message=message, changed_at=now)
    return screening_view(session, row, actor)


def cancel_screening(session: Session, settings: Settings, actor: Actor, screening_id: Any, message: Any,
                     now: datetime) -> dict:
    row = _load(session, screening_id, lock=True)
    screening = to_domain(row)
    _require_organiser_or_manager(actor, screening)
    was_published = screening.status is Status.SCHEDULED
    screening.cancel(message=message, now=now)
    _store(session, screening, row, _host_row(session, row))
    cancel_timers(session, screening.id)
    _publish_to_each(session, screening, events.ScreeningCancelled, settings, now,
                     method=calendar.METHOD_CANCEL if was_published else None, waitlisted=True,
                     message=screening.cancel_message, cancelled_at=now)
    return screening_view(session, row, actor)


# --- RSVPs ----------------------------------------------------------------------------


def _to_rsvp(row: RsvpRow) -> Rsvp:
    return Rsvp(
        id=row.id, screening_id=row.screening_id, name=row.name, email=row.email, status=RsvpStatus(row.status),
        position=row.position, created_at=row.created_at, cancel_token_hash=row.cancel_token_hash,
        walk_in=row.walk_in, promoted_at=row.promoted_at, cancelled_at=row.cancelled_at, invited=row.invited,
    )


def _attendee_list(session: Session, screening_id: str) -> tuple[AttendeeList, dict[str, RsvpRow]]:
    rows = session.execute(sa.select(RsvpRow).where(RsvpRow.screening_id == screening_id)).scalars().all()
    return AttendeeList(screening_id, [_to_rsvp(r) for r in rows]), {r.id: r for r in rows}


def _save_rsvps(session: Session, attendees: AttendeeList, rows: dict[str, RsvpRow]) -> None:
    for rsvp in attendees.rsvps:
        row = rows.get(rsvp.id)
        if row is None:
            row = RsvpRow(id=rsvp.id, screening_id=rsvp.screening_id)
            session.add(row)
            rows[rsvp.id] = row
        row.name = rsvp.name
        row.email = rsvp.email
        row.status = rsvp.status.value
        row.position = rsvp.position
        row.created_at = rsvp.created_at
        row.cancel_token_hash = rsvp.cancel_token_hash
        row.walk_in = rsvp.walk_in
        row.promoted_at = rsvp.promoted_at
        row.cancelled_at = rsvp.cancelled_at
        row.invited = rsvp.invited
    session.flush()


def _publish_seat(session: Session, settings: Settings, screening: Screening, rsvp: Rsvp, model, now: datetime,
                  **fields) -> None:
    host = _host_row(session, screening_row_for(session, screening))
    person = events.Person(name=rsvp.name, email=rsvp.email)
    extra = _invitation(screening, host, [person], calendar.METHOD_REQUEST, settings, now)
    if screening.details.join_url:
        extra["join_url"] = screening.details.join_url
    outbox.record(session, SOURCE, model(
        screening=screening_info(session, screening), recipient=person, recipient_role="attendee",
        rsvp_id=rsvp.id, cancel_path=cancel_path(settings, rsvp.id), **extra, **fields))


def screening_row_for(session: Session, screening: Screening) -> ScreeningRow:
    return session.get(ScreeningRow, screening.id)


def _announce_promotions(session: Session, settings: Settings, screening: Screening, promoted: Iterable[Rsvp],
                         now: datetime) -> None:
    for rsvp in promoted:
        if rsvp.email:
            _publish_seat(session, settings, screening, rsvp, events.RsvpPromoted, now, promoted_at=now)


def rsvp(session: Session, settings: Settings, screening_id: Any, name: Any, email: Any, now: datetime) -> dict:
    """A member of the public takes a seat (or a waitlist place); never for invitation-only events."""
    return _take_place(session, settings, _load(session, screening_id, lock=True), name, email, now, invited=False)


def invite(session: Session, settings: Settings, actor: Actor, screening_id: Any, name: Any, email: Any,
           now: datetime) -> dict:
    """An organiser or manager invites someone: a seat (or a waitlist place when full) and
    an invitation mail; the same email again is a no-op. Uninviting is `cancel_rsvp`."""
    row = _load(session, screening_id, lock=True)
    _require_organiser_or_manager(actor, to_domain(row))
    return _take_place(session, settings, row, name, email, now, invited=True)


def _take_place(session: Session, settings: Settings, row: ScreeningRow, name: Any, email: Any, now: datetime, *,
                invited: bool) -> dict:
    screening = to_domain(row)
    attendees, rows = _attendee_list(session, row.id)
    result = attendees.rsvp(screening, name=name, email=email, now=now, invited=invited)
    seat = result.rsvp
    if result.created:
        seat.cancel_token_hash = rsvp_rules.hash_token(link_token(settings, seat.id))
        _save_rsvps(session, attendees, rows)
        if seat.status is RsvpStatus.CONFIRMED:
            _publish_seat(session, settings, screening, seat, events.RsvpConfirmed, now, confirmed_at=now,
                          invited=invited)
        else:
            position = [r.id for r in attendees.waitlist].index(seat.id) + 1
            outbox.record(session, SOURCE, events.RsvpWaitlisted(
                screening=screening_info(session, screening), recipient=events.Person(name=seat.name, email=seat.email),
                recipient_role="waitlisted", rsvp_id=seat.id, cancel_path=cancel_path(settings, seat.id),
                position=position, waitlisted_at=now, invited=invited,
            ))
    return _rsvp_view(settings, attendees, seat, created=result.created)


def _rsvp_view(settings: Settings, attendees: AttendeeList, seat: Rsvp, *, created: bool) -> dict:
    waitlist = [r.id for r in attendees.waitlist]
    return {
        "rsvp_id": seat.id, "screening_id": seat.screening_id, "status": seat.status.value, "created": created,
        "waitlist_position": waitlist.index(seat.id) + 1 if seat.id in waitlist else None,
        # The private link goes back only with the seat just taken; an existing seat's link
        # is in its holder's mail, never handed to whoever types their address again.
        "cancel_path": cancel_path(settings, seat.id) if created else None,
    }


def _rsvp_by_token(session: Session, rsvp_id: Any, token: Any, *, lock: bool) -> tuple[ScreeningRow, RsvpRow]:
    seat = session.get(RsvpRow, rsvp_id) if isinstance(rsvp_id, str) and len(rsvp_id) == 36 else None
    if seat is None or not rsvp_rules.verify_cancel_token(token, seat.cancel_token_hash):
        raise NotFound("no such RSVP")
    return _load(session, seat.screening_id, lock=lock), seat


def cancel_rsvp(session: Session, settings: Settings, rsvp_id: Any, token: Any, now: datetime) -> dict:
    row, _ = _rsvp_by_token(session, rsvp_id, token, lock=True)
    screening = to_domain(row)
    attendees, rows = _attendee_list(session, row.id)
    was_confirmed = attendees.find(rsvp_id).status is RsvpStatus.CONFIRMED
    result = attendees.cancel_with_token(screening, rsvp_id, token, now=now)
    _save_rsvps(session, attendees, rows)
    seat = result.cancelled
    fields: dict[str, Any] = {}
    if was_confirmed:
        fields = _invitation(screening, _host_row(session, row), [events.Person(name=seat.name, email=seat.email)],
                             calendar.METHOD_CANCEL, settings, now)
    outbox.record(session, SOURCE, events.RsvpCancelled(
        screening=screening_info(session, screening), recipient=events.Person(name=seat.name, email=seat.email),
        recipient_role="attendee" if was_confirmed else "waitlisted", rsvp_id=seat.id,
        cancel_path=cancel_path(settings, seat.id), was_confirmed=was_confirmed, cancelled_at=now, **fields,
    ))
    _announce_promotions(session, settings, screening, [result.promoted] if result.promoted else [], now)
    return {"rsvp_id": seat.id, "status": seat.status.value,
            "promoted_rsvp_id": result.promoted.id if result.promoted else None}


def change_capacity(session: Session, settings: Settings, actor: Actor, screening_id: Any, capacity: Any,
                    now: datetime) -> dict:
    row = _load(session, screening_id, lock=True)
    screening = to_domain(row)
    _require_organiser_or_manager(actor, screening)
    attendees, rows = _attendee_list(session, row.id)
    promoted = attendees.change_capacity(screening, capacity, now=now)
    _store(session, screening, row, _host_row(session, row))
    _save_rsvps(session, attendees, rows)
    _announce_promotions(session, settings, screening, promoted, now)
    return screening_view(session, row, actor)


def add_walk_in(session: Session, actor: Actor, screening_id: Any, name: Any, email: Any, now: datetime) -> dict:
    row = _load(session, screening_id, lock=True)
    screening = to_domain(row)
    _require_organiser_or_manager(actor, screening)
    attendees, rows = _attendee_list(session, row.id)
    seat = attendees.add_walk_in(screening, name=name, email=email, now=now)
    _save_rsvps(session, attendees, rows)
    return {"rsvp_id": seat.id, "status": seat.status.value, "walk_in": seat.walk_in}


def attendees(session: Session, actor: Actor, screening_id: Any) -> list[dict]:
    row = _load(session, screening_id)
    _require_organiser_or_manager(actor, to_domain(row))
    attendee_list, _ = _attendee_list(session, row.id)
    return [
        {"rsvp_id": r.id, "name": r.name, "email": r.email, "status": r.status.value, "walk_in": r.walk_in,
         "invited": r.invited, "position": r.position, "registered_at": r.created_at.isoformat()}
        for r in sorted(attendee_list.rsvps, key=lambda r: r.position)
    ]


def attendees_csv(session: Session, actor: Actor, screening_id: Any) -> str:
    row = _load(session, screening_id)
    _require_organiser_or_manager(actor, to_domain(row))
    attendee_list, _ = _attendee_list(session, row.id)
    return attendee_list.to_csv()


def attendee_view(session: Session, settings: Settings, rsvp_id: Any, token: Any) -> dict:
    """The event as one attendee sees it: the join link only for a confirmed seat. The
    private link opens an invitation-only event too."""
    row, seat = _rsvp_by_token(session, rsvp_id, token, lock=False)
    view = screening_view(session, row, None, holds_link=True)
    confirmed = seat.status == RsvpStatus.CONFIRMED.value
    view["rsvp"] = {"rsvp_id": seat.id, "name": seat.name, "status": seat.status}
    view["join_url"] = row.join_url if confirmed and row.status == Status.SCHEDULED.value else None
    return view


def rsvp_ics(session: Session, settings: Settings, rsvp_id: Any, token: Any) -> str:
    row, seat = _rsvp_by_token(session, rsvp_id, token, lock=False)
    private = seat.status == RsvpStatus.CONFIRMED.value
    event = calendar.CalendarEvent.from_screening(
        to_domain(row), url=settings.url(PUBLIC_PATHS["screening"].format(screening_id=row.id)))
    return calendar.event_ics(event, private=private).decode("utf-8")


def event_ics(session: Session, settings: Settings, screening_id: Any) -> str:
    row = _load(session, screening_id)
    screening = to_domain(row)
    if not screening.listed_in_feeds:
        raise NotFound("no such screening")
    event = calendar.CalendarEvent.from_screening(
        screening, url=settings.url(PUBLIC_PATHS["screening"].format(screening_id=row.id)))
    return calendar.event_ics(event).decode("utf-8")


# --- after the event ------------------------------------------------------------------


def file_report(session: Session, settings: Settings, actor: Actor, screening_id: Any, raw: Any,
                now: datetime) -> dict:
    row = _load(session, screening_id, lock=True)
    screening = to_domain(row)
    if actor.leader_id is None:
        raise Forbidden("only the host or a co-host can file the report")
    if not isinstance(raw, Mapping):
        raise ValidationFailed("must be an object", field="report")
    report = report_rules.file_report(screening, raw, filed_by=str(actor.leader_id), now=now,
                                already_filed=session.get(ReportRow, row.id) is not None)
    session.add(ReportRow(
        screening_id=row.id, filed_by=actor.leader_id, filed_at=now, head_count=report.head_count,
        partners=json.dumps(list(report.partners)), audiences=json.dumps([a.value for a in report.audiences]),
        follow_up_actions=json.dumps(list(report.follow_up_actions)), notes=report.notes,
    ))
    session.flush()
    session.execute(sa.insert(ReportAudienceRow),
                    [{"screening_id": row.id, "audience": a.value} for a in report.audiences])
    timers.cancel(session, REPORT_CHASE, row.id)
    counts = dict(session.execute(
        sa.select(RsvpRow.walk_in, sa.func.count()).where(
            RsvpRow.screening_id == row.id, RsvpRow.status == RsvpStatus.CONFIRMED.value).group_by(RsvpRow.walk_in)
    ).all())
    filer = session.get(LeaderRow, actor.leader_id)
    outbox.record(session, SOURCE, events.ScreeningReportFiled(
        screening=screening_info(session, screening), manager_emails=settings.manager_emails,
        filed_by=_person(filer), head_count=report.head_count,
        confirmed_rsvps=counts.get(False, 0), walk_ins=counts.get(True, 0), partners=report.partners,
        audiences=tuple(a.value for a in report.audiences), follow_up_actions=report.follow_up_actions,
        notes=report.notes, filed_at=now,
    ))
    return {"screening_id": row.id, "filed_at": now.isoformat(), "head_count": report.head_count}


def give_feedback(session: Session, rsvp_id: Any, token: Any, rating: Any, comment: Any, now: datetime) -> dict:
    row, seat = _rsvp_by_token(session, rsvp_id, token, lock=False)
    if session.get(FeedbackRow, seat.id) is not None:
        raise Conflict("feedback for this RSVP has already been given")
    feedback = report_rules.give_feedback(to_domain(row), _to_rsvp(seat), rating=rating, comment=comment, now=now)
    session.add(FeedbackRow(rsvp_id=seat.id, screening_id=row.id, rating=feedback.rating,
                            comment=feedback.comment, submitted_at=now))
    return {"rsvp_id": seat.id, "rating": feedback.rating}


# --- reading --------------------------------------------------------------------------


def _can_see(actor: Actor | None, screening: Screening) -> bool:
    if screening.listed_in_feeds:
        return True
    return actor is not None and (actor.manager or _is_organiser(actor, screening))


def screening_view(session: Session, row: ScreeningRow, actor: Actor | None, *,
                   counts: Mapping[str, int] | None = None, holds_link: bool = False) -> dict:
    """An event as the caller may see it: never the attendees, and the join link only
    for organisers and managers (attendees get it through `attendee_view`)."""
    screening = to_domain(row)
    if not (holds_link or _can_see(actor, screening)):
        raise NotFound("no such screening")
    details = screening.details
    if counts is None:
        counts = dict(session.execute(
            sa.select(RsvpRow.status, sa.func.count()).where(RsvpRow.screening_id == row.id)
            .group_by(RsvpRow.status)).all())
    confirmed = counts.get(RsvpStatus.CONFIRMED.value, 0)
    host = session.get(LeaderRow, row.host_id)
    view = {
        "id": row.id, "uid": row.uid, "sequence": row.sequence, "status": row.status, "title": row.title,
        "kind": row.kind, "format": row.format, "description": row.description, "film": row.film_slug,
        "online": details.online,
        "venue": None if details.venue is None else {
            "name": details.venue.name, "address": details.venue.address, "city": details.venue.city,
            "state": details.venue.state},
        "state": row.state, "region": row.region, "time_zone": row.time_zone,
        "local_start": row.local_start.isoformat(), "local_end": row.local_end.isoformat(),
        "local_label": local_label(row.local_start, row.local_end, row.time_zone),
        "start_utc": row.start_at.isoformat(), "end_utc": row.end_at.isoformat(),
        "capacity": row.capacity, "seats_left": max(row.capacity - confirmed, 0),
        "waitlist": counts.get(RsvpStatus.WAITLISTED.value, 0),
        "audiences": json.loads(row.audiences), "partners": json.loads(row.partners),
        "visibility": row.visibility,
        "host": {"leader_id": row.host_id, "name": host.name if host else None},
        "cohost_ids": [int(c) for c in json.loads(row.cohost_ids) if str(c).isdigit()],
        "cancel_message": row.cancel_message,
        "page_path": PUBLIC_PATHS["screening"].format(screening_id=row.id),
        "ics_path": PUBLIC_PATHS["screening_ics"].format(screening_id=row.id),
    }
    if actor is not None and (actor.manager or _is_organiser(actor, screening)):
        view.update(join_url=row.join_url, review_note=row.review_note, confirmed=confirmed,
                    report_filed=session.get(ReportRow, row.id) is not None)
    return view


def get_screening(session: Session, screening_id: Any, actor: Actor | None) -> dict:
    return screening_view(session, _load(session, screening_id), actor)


PUBLIC_STATUSES = (Status.SCHEDULED.value, Status.COMPLETED.value, Status.CANCELLED.value)


def search_screenings(session: Session, filters, actor: Actor | None) -> dict:
    s = ScreeningRow
    conditions = []
    if actor is None or not actor.manager:
        visible = s.in_feeds.is_(True)
        if actor is not None and actor.leader_id is not None:
            visible = sa.or_(visible, hosted_or_cohosted_by(actor.leader_id))
        conditions.append(visible)
    if filters.leader_id is not None:
        conditions.append(hosted_or_cohosted_by(filters.leader_id))
    for column, value in ((s.region, filters.region), (s.state, filters.state),
                          (s.kind, filters.kind), (s.format, filters.format), (s.status, filters.status)):
        if value is not None:
            conditions.append(column == value)
    if filters.starts_from is not None:
        conditions.append(s.start_at >= filters.starts_from)
    if filters.starts_before is not None:
        conditions.append(s.start_at < filters.starts_before)
    total = session.execute(sa.select(sa.func.count()).select_from(s).where(*conditions)).scalar_one()
    rows = session.execute(
        sa.select(s).where(*conditions).order_by(s.start_at, s.id)
        .offset((filters.page - 1) * filters.page_size).limit(filters.page_size)
    ).scalars().all()
    counts: dict[str, dict[str, int]] = {r.id: {} for r in rows}
    if rows:
        for screening_id, status, n in session.execute(
            sa.select(RsvpRow.screening_id, RsvpRow.status, sa.func.count())
            .where(RsvpRow.screening_id.in_(list(counts))).group_by(RsvpRow.screening_id, RsvpRow.status)
        ):
            counts[screening_id][status] = n
    return {
        "items": [screening_view(session, r, actor, counts=counts[r.id]) for r in rows],
        "total": total, "page": filters.page, "page_size": filters.page_size,
    }


# --- coverage -------------------------------------------------------------------------


def coverage_screenings(session: Session, window, now: datetime) -> dict:
    """Per region and state within the window: held, upcoming, attendance, share of
    reports filed, audiences reached; and the states with no screening at all."""
    if window.window_end <= window.window_start:
        raise ValidationFailed("must be after window_start", field="window_end")
    s, r = ScreeningRow, ReportRow
    scope = [s.start_at >= window.window_start, s.start_at < window.window_end,
             s.status.in_([Status.SCHEDULED.value, Status.COMPLETED.value])]
    if window.grouping:
        scope.append(s.region_grouping == window.grouping)
    held = sa.and_(s.end_at <= now)
    upcoming = sa.and_(s.status == Status.SCHEDULED.value, s.start_at > now)
    # Counted per upcoming screening in the window (an index lookup each), not by
    # grouping every RSVP ever made.
    confirmed = (
        sa.select(sa.func.count()).where(RsvpRow.screening_id == s.id,
                                         RsvpRow.status == RsvpStatus.CONFIRMED.value)
        .correlate(s).scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            s.region, s.state,
            sa.func.sum(sa.case((held, 1), else_=0)).label("held"),
            sa.func.sum(sa.case((upcoming, 1), else_=0)).label("upcoming"),
            sa.func.sum(sa.case((held, r.head_count), else_=0)).label("attendance"),
            sa.func.sum(sa.case((sa.and_(held, r.screening_id.is_not(None)), 1), else_=0)).label("reports_filed"),
            sa.func.sum(sa.case((upcoming, confirmed), else_=0)).label("upcoming_rsvps"),
        )
        .select_from(s).outerjoin(r, r.screening_id == s.id)
        .where(*scope).group_by(s.region, s.state).order_by(s.region, s.state)
    ).all()
    reached = session.execute(
        sa.select(s.region, s.state, ReportAudienceRow.audience, sa.func.count())
        .select_from(s).join(ReportAudienceRow, ReportAudienceRow.screening_id == s.id)
        .where(*scope, held).group_by(s.region, s.state, ReportAudienceRow.audience)
    ).all()
    audiences: dict[tuple[str, str], dict[str, int]] = {}
    for region, state, audience, n in reached:
        audiences.setdefault((region, state), {})[audience] = n

    regions: dict[str, dict] = {}
    states_with_some: set[str] = set()
    for row in rows:
        region = regions.setdefault(row.region, {
            "region": row.region, "held": 0, "upcoming": 0, "attendance": 0, "reports_filed": 0,
            "upcoming_rsvps": 0, "audiences_reached": {}, "states": []})
        held_n, filed = int(row.held or 0), int(row.reports_filed or 0)
        state_entry = {
            "state": row.state, "held": held_n, "upcoming": int(row.upcoming or 0),
            "attendance": int(row.attendance or 0), "reports_filed": filed,
            "report_share": round(filed / held_n, 3) if held_n else None,
            "upcoming_rsvps": int(row.upcoming_rsvps or 0),
            "audiences_reached": audiences.get((row.region, row.state), {}),
        }
        region["states"].append(state_entry)
        for key in ("held", "upcoming", "attendance", "reports_filed", "upcoming_rsvps"):
            region[key] += state_entry[key]
        for audience, n in state_entry["audiences_reached"].items():
            region["audiences_reached"][audience] = region["audiences_reached"].get(audience, 0) + n
        if state_entry["held"] or state_entry["upcoming"]:
            states_with_some.add(row.state)
    for region in regions.values():
        region["report_share"] = round(region["reports_filed"] / region["held"], 3) if region["held"] else None
    return {
        "window_start": window.window_start.isoformat(), "window_end": window.window_end.isoformat(),
        "grouping": window.grouping, "regions": list(regions.values()),
        "states_with_none": sorted(set(zones.STATE_TIME_ZONES) - states_with_some),
    }
