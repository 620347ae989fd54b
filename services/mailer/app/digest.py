"""The weekly coverage digest: every Monday morning on the program's clock, program
managers get each region against its target, what changed since the week before, the
gaps, and the counts of what the mailer saw happen in the week.

The mailer's timer says the digest is due (`coverage_digest_due`); the gateway, which
alone asks several services, gathers the regions' figures and hands them back
(`send_coverage_digest`), and the mailer stores one digest per manager for the week."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from services.contracts import mailer as events

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
    return {"sections": sections, "states": states, "quiet": not by_type, "new_leaders": regions}


def digest_due(uow, payload: dict[str, Any], now: datetime, settings: MailerSettings) -> None:
    """The timer job: say the week's digest is due (the gateway gathers the regions'
    figures for it), then schedule next week's."""
    week_end = datetime.fromisoformat(payload["week_end"])
    uow.publish(events.CoverageDigestDue(week_start=week_end - timedelta(days=7), week_end=week_end))
    ensure_digest_scheduled(uow, now, settings)


def region_rows(regions: list[dict[str, Any]], new_leaders: dict[str, int]) -> list[dict[str, Any]]:
    """Each region with what changed in the week: leaders approved in it (as the mailer
    saw them) and screenings held against the week before."""
    rows = []
    for region in regions:
        held, before = region["screenings_held"], region["screenings_held_week_before"]
        rows.append({**region, "new_leaders": new_leaders.get(region["id"], 0), "held_change": held - before,
                     "below_target": region["active_leaders"] < region["target"]})
    return rows


def gaps(rows: list[dict[str, Any]], gap_weeks: int) -> list[str]:
    """What needs the managers: regions below target, without a screening in `gap_weeks`
    weeks, or red for another reason; the worst first."""
    found = []
    for row in sorted(rows, key=lambda r: ({"red": 0, "amber": 1}.get(r["status"], 2), r["name"])):
        reasons = []
        if row["below_target"]:
            reasons.append(f"{row['active_leaders']} of {row['target']} leaders")
        if row["no_screening_in_gap"]:
            reasons.append(f"no screening held in {gap_weeks} weeks")
        reasons += [r for r in row["reasons"] if "target" not in r and "no screening" not in r]
        if reasons:
            found.append(f"{row['name']}: " + "; ".join(reasons))
    return found


def send_coverage_digest(uow, payload: dict[str, Any], now: datetime, settings: MailerSettings, *,
                         regions: list[dict[str, Any]] | None = None, gap_weeks: int = 8) -> int:
    """Queue the week's digest to every program manager (once per week, however often
    asked), then make sure next week's is scheduled."""
    week_end = datetime.fromisoformat(payload["week_end"])
    week_start = week_end - timedelta(days=7)
    figures = digest_figures(*uow.activity.counts(week_start, week_end))
    zone = settings.digest_time_zone
    rows = region_rows(regions or [], dict(figures.pop("new_leaders")))
    context = {**figures, "regions": rows, "gaps": gaps(rows, gap_weeks), "gap_weeks": gap_weeks,
               "week_start": week_start.astimezone(ZoneInfo(zone)).date(),
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
