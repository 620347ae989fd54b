"""Timer work of a screening: reminders before it, completion when it ends, the chasers
that ask its host for the report and the request for attendees' feedback. Handlers are called as handler(uow, payload,
now) by services.runtime.timers, each in its own unit of work."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial

from services.contracts import screenings as events
from services.contracts.screenings import PUBLIC_PATHS

from ..domain.details import ScreeningDetails
from ..domain.reports import feedback_ask_at, next_report_chase, wants_feedback
from ..domain.screening import Screening, Status
from ..domain.zones import to_utc
from ..settings import ScreeningsSettings
from .announcements import publish_to_each
from .common import host_of, save
from .payloads import cancel_path, feedback_path, screening_info

REMINDER = "screening_reminder"
COMPLETE = "screening_complete"
REPORT_CHASE = "screening_report_chase"
FEEDBACK_ASK = "screening_feedback_ask"
DAY_BEFORE_AT = time(9, 0)
DAY_OF_AT = time(8, 0)
DAY_OF_LEAD = timedelta(hours=2)


def reminder_times(details: ScreeningDetails) -> dict[str, datetime]:
    """Reminders in the venue's zone: 09:00 the day before, 08:00 on the day (or two hours
    before an earlier start)."""
    day = details.local_start.date()
    day_before = to_utc(datetime.combine(day - timedelta(days=1), DAY_BEFORE_AT), details.time_zone)
    day_of = min(to_utc(datetime.combine(day, DAY_OF_AT), details.time_zone), details.start - DAY_OF_LEAD)
    return {"day_before": day_before, "day_of": day_of}


def schedule_timers(uow, screening: Screening, now: datetime) -> None:
    for name, due in reminder_times(screening.details).items():
        key = f"{screening.id}:{name}"
        if due > now:
            uow.schedule(REMINDER, key, due, {"screening_id": screening.id, "reminder": name})
        else:
            uow.cancel_job(REMINDER, key)
    uow.schedule(COMPLETE, screening.id, screening.details.end, {"screening_id": screening.id})


def cancel_timers(uow, screening_id: str) -> None:
    for name in ("day_before", "day_of"):
        uow.cancel_job(REMINDER, f"{screening_id}:{name}")
    uow.cancel_job(COMPLETE, screening_id)
    uow.cancel_job(REPORT_CHASE, screening_id)
    uow.cancel_job(FEEDBACK_ASK, screening_id)


def schedule_chaser(uow, screening: Screening, now: datetime) -> None:
    filed = uow.reports.filed(screening.id)
    due = next_report_chase(screening, chasers_sent=screening.chasers_sent, report_filed=filed)
    if due is None:
        uow.cancel_job(REPORT_CHASE, screening.id)
    else:
        uow.schedule(REPORT_CHASE, screening.id, max(due, now), {"screening_id": screening.id})


def remind(uow, payload: dict, now: datetime, *, settings: ScreeningsSettings) -> None:
    """Remind the organisers and attendees of a scheduled event that has not started."""
    screening = uow.screenings.get(payload["screening_id"])
    if screening is None or screening.status is not Status.SCHEDULED or now >= screening.details.start:
        return
    publish_to_each(uow, screening, host_of(uow, screening), events.ScreeningReminderDue, settings, now,
                    method=None, waitlisted=False, reminder=payload["reminder"], due_at=now)


def complete(uow, payload: dict, now: datetime) -> None:
    """A scheduled event that has ended is completed, and its report is asked for."""
    screening = uow.screenings.get(payload["screening_id"], lock=True)
    if screening is None or screening.status is not Status.SCHEDULED or now < screening.details.end:
        return
    screening.complete(now=now)
    save(uow, screening, host_of(uow, screening))
    schedule_chaser(uow, screening, now)
    uow.schedule(FEEDBACK_ASK, screening.id, max(feedback_ask_at(screening), now), {"screening_id": screening.id})


def chase(uow, payload: dict, now: datetime, *, settings: ScreeningsSettings) -> None:
    """Ask the host for the report, until it is filed or the last chaser has gone."""
    screening = uow.screenings.get(payload["screening_id"], lock=True)
    if screening is None or uow.reports.filed(screening.id):
        return
    if next_report_chase(screening, chasers_sent=screening.chasers_sent, report_filed=False) is None:
        return
    screening.chasers_sent += 1
    final = next_report_chase(screening, chasers_sent=screening.chasers_sent, report_filed=False) is None
    uow.screenings.save(screening)
    host = host_of(uow, screening)
    uow.publish(events.ScreeningReportDue(
        screening=screening_info(uow, screening, host), chaser=screening.chasers_sent, final=final, due_at=now,
        report_path=PUBLIC_PATHS["report"].format(screening_id=screening.id),
    ))
    schedule_chaser(uow, screening, now)


def ask_for_feedback(uow, payload: dict, now: datetime) -> int:
    """One request per confirmed attendee of a completed event who has an address and has
    not given feedback, with their private feedback link. Returns how many were asked."""
    screening = uow.screenings.get(payload["screening_id"])
    if screening is None or screening.status is not Status.COMPLETED:
        return 0
    host = host_of(uow, screening)
    info = screening_info(uow, screening, host)
    asked = 0
    for rsvp in uow.rsvps.attendee_list(screening.id).confirmed:
        if not wants_feedback(screening, rsvp, already_given=uow.reports.feedback_given(rsvp.id)):
            continue
        uow.publish(events.ScreeningFeedbackRequested(
            screening=info, recipient=events.Person(name=rsvp.name, email=rsvp.email), recipient_role="attendee",
            rsvp_id=rsvp.id, cancel_path=cancel_path(uow, rsvp), feedback_path=feedback_path(uow, rsvp),
            requested_at=now,
        ))
        asked += 1
    return asked


def timer_handlers(settings: ScreeningsSettings) -> dict:
    return {REMINDER: partial(remind, settings=settings), COMPLETE: complete,
            REPORT_CHASE: partial(chase, settings=settings), FEEDBACK_ASK: ask_for_feedback}
