"""The weekly coverage digest: every Monday morning on the program's clock, program
managers get the counts of what the mailer saw happen in the week (a timer job)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from ..delivery import MailKind
from ..messages import DERIVED_EVENT_NAMESPACE
from ..notifications import MAILER_PATHS, Notification
from ..settings import MailerSettings
from .queueing import store

DIGEST_JOB = "coverage_digest"

DIGEST_SECTIONS = (
    ("Recruitment and training", (
        ("application_submitted", "Applications received"),
        ("application_approved", "Applications approved"),
        ("application_waitlisted", "Applications waitlisted"),
        ("application_declined", "Applications declined"),
        ("training_completed", "Training modules completed"),
    )),
    ("Mentorship", (
        ("mentorship_confirmed", "Requests confirmed by the requester"),
        ("mentorship_offered", "Offers made to leaders"),
        ("mentorship_accepted", "Requests accepted"),
        ("mentorship_declined", "Offers declined"),
        ("mentorship_offer_expired", "Offers that lapsed"),
        ("mentorship_unanswered", "Requests with no leader left"),
        ("mentorship_overdue", "Mentorships past their agreed length"),
        ("mentorship_completed", "Mentorships completed"),
    )),
    ("Screenings and discussions", (
        ("screening_submitted", "Submitted for approval"),
        ("screening_approved", "Approved"),
        ("screening_scheduled", "Scheduled by trusted hosts"),
        ("screening_report_filed", "Post-event reports filed"),
    )),
)
# One row per recipient in these events, so they count people rather than events.
DIGEST_PER_PERSON = (
    ("rsvp_confirmed", "RSVPs confirmed"),
    ("rsvp_waitlisted", "RSVPs waitlisted"),
)


def next_digest_at(now: datetime, settings: MailerSettings) -> datetime:
    zone = ZoneInfo(settings.digest_time_zone)
    local = now.astimezone(zone)
    days_ahead = (settings.digest_weekday - local.weekday()) % 7
    candidate = datetime(local.year, local.month, local.day, settings.digest_hour, tzinfo=zone) \
        + timedelta(days=days_ahead)
    if candidate <= local:
        candidate += timedelta(days=7)
    # Recompute the wall time in the zone so a clock change in between keeps 08:00 local.
    candidate = datetime(candidate.year, candidate.month, candidate.day, settings.digest_hour, tzinfo=zone)
    return candidate.astimezone(timezone.utc)


def ensure_digest_scheduled(uow, now: datetime, settings: MailerSettings) -> bool:
    """Schedule the next weekly digest unless one is already pending. Returns True when
    this call scheduled it."""
    if uow.timer_jobs.pending(DIGEST_JOB):
        return False
    due = next_digest_at(now, settings)
    key = due.date().isoformat()
    if uow.timer_jobs.exists(DIGEST_JOB, key):
        return False
    uow.schedule(DIGEST_JOB, key, due, {"week_end": due.isoformat()})
    return True


def digest_figures(by_type: dict[str, int], regions: list[tuple[str, int]],
                   states: list[tuple[str, int]]) -> dict[str, Any]:
    """The digest's sections from the week's counts (ActivityRepository.counts)."""
    sections = []
    for title, rows in DIGEST_SECTIONS:
        sections.append({"title": title, "rows": [(label, by_type.get(t, 0)) for t, label in rows]})
    sections[-1]["rows"] += [(label, by_type.get(t, 0)) for t, label in DIGEST_PER_PERSON]
    if regions:
        sections.append({"title": "New leaders by region",
                         "rows": [(region.replace("-", " ").title(), n) for region, n in regions]})
    return {"sections": sections, "states": states, "quiet": not by_type}


def send_coverage_digest(uow, payload: dict[str, Any], now: datetime, settings: MailerSettings) -> int:
    """The timer job: queue the week's digest to every program manager, then schedule
    next week's."""
    week_end = datetime.fromisoformat(payload["week_end"])
    week_start = week_end - timedelta(days=7)
    figures = digest_figures(*uow.activity.counts(week_start, week_end))
    zone = settings.digest_time_zone
    context = {**figures, "week_start": week_start.astimezone(ZoneInfo(zone)).date(),
               "week_end": (week_end - timedelta(seconds=1)).astimezone(ZoneInfo(zone)).date(),
               "coverage_url": settings.base_url + MAILER_PATHS["coverage"]}
    event_id = str(uuid.uuid5(DERIVED_EVENT_NAMESPACE, f"coverage_digest:{week_end.isoformat()}"))
    queued = 0
    for address in settings.manager_emails:
        note = Notification("coverage_digest", "Network activity for the week to {{ week_end | long_date }}",
                            address, context, to_name="Program managers", kind=MailKind.DIGEST)
        queued += store(uow, note, event_id, DIGEST_JOB, settings, now)
    ensure_digest_scheduled(uow, now, settings)
    return queued
