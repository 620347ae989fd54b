"""After the event: the host's report and attendees' feedback."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from services.contracts import screenings as events
from services.contracts.rpc.common import Actor
from services.runtime.errors import Conflict, Forbidden, ValidationFailed

from ..domain import reports as report_rules
from ..partners import app as partners
from ..settings import ScreeningsSettings
from .common import host_of, load
from .payloads import person, screening_info
from .rsvps import seat_by_token
from .timers import REPORT_CHASE


def file_report(uow, actor: Actor, screening_id: Any, raw: Any, *, now: datetime,
                settings: ScreeningsSettings) -> dict:
    """The host's (or a co-host's) account of the event, for the program managers."""
    screening = load(uow, screening_id)
    if actor.leader_id is None and not actor.manager:
        raise Forbidden("only the host, a co-host or a program manager can file the report")
    if not isinstance(raw, Mapping):
        raise ValidationFailed("must be an object", field="report")
    report = report_rules.file_report(screening, raw, filed_by=None if actor.manager else str(actor.leader_id),
                                      now=now, already_filed=uow.reports.filed(screening.id))
    host = host_of(uow, screening)
    filed_by = person(uow.leaders.get(actor.leader_id)) if not actor.manager else events.Person(
        name=f"A program manager, for {host.name}", email=host.email)
    uow.reports.add(report)
    partners.link_report(uow, screening, report.partners, added_by=report.filed_by, now=now)
    uow.cancel_job(REPORT_CHASE, screening.id)
    confirmed = uow.rsvps.attendee_list(screening.id).confirmed
    walk_ins = sum(1 for r in confirmed if r.walk_in)
    uow.publish(events.ScreeningReportFiled(
        screening=screening_info(uow, screening, host), manager_emails=settings.manager_emails,
        filed_by=filed_by, head_count=report.head_count,
        confirmed_rsvps=len(confirmed) - walk_ins, walk_ins=walk_ins, partners=report.partners,
        audiences=tuple(a.value for a in report.audiences), follow_up_actions=report.follow_up_actions,
        notes=report.notes, filed_at=now,
    ))
    return {"screening_id": screening.id, "filed_at": now.isoformat(), "head_count": report.head_count}


def give_feedback(uow, rsvp_id: Any, token: Any, rating: Any, comment: Any, *, now: datetime) -> dict:
    """An attendee's rating and comment, once per RSVP."""
    seat = seat_by_token(uow, rsvp_id, token)
    screening = load(uow, seat.screening_id, lock=False)
    if uow.reports.feedback_given(seat.id):
        raise Conflict("feedback for this RSVP has already been given")
    feedback = report_rules.give_feedback(screening, seat, rating=rating, comment=comment, now=now)
    uow.reports.add_feedback(feedback)
    return {"rsvp_id": seat.id, "rating": feedback.rating}
