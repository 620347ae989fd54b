"""Registering an event and the program manager's review: approve, send back, resubmit."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from services.contracts import screenings as events
from services.contracts.rpc.common import Actor
from services.contracts.screenings import PUBLIC_PATHS
from services.runtime.errors import Forbidden, ValidationFailed

from ..access import require_manager, require_organiser_or_manager
from ..partners import app as partners
from ..domain import screening as aggregate
from ..domain.rules import HostRecord
from ..domain.screening import Screening, Status
from ..settings import ScreeningsSettings
from .announcements import organiser_invitation
from .common import check_cohosts, host_busy, host_of, load, save, view
from .payloads import screening_info
from .timers import schedule_timers


def register_screening(uow, actor: Actor, host_id: Any, raw: Any, *, now: datetime,
                       settings: ScreeningsSettings) -> dict:
    """A host's new event: scheduled at once for a trusted host, else awaiting review."""
    if isinstance(host_id, bool) or not isinstance(host_id, int) or host_id <= 0:
        raise ValidationFailed("must be a leader id", field="host_id")
    if not (actor.manager or actor.leader_id == host_id):
        raise Forbidden("a leader registers events only as their own host")
    if not isinstance(raw, Mapping):
        raise ValidationFailed("must be an object", field="details")
    host = uow.leaders.get(host_id)
    screening = aggregate.register_screening(
        raw, host=host, now=now, host_busy=uow.screenings.host_busy(host_id, exclude=None, now=now),
        uid_domain=settings.uid_domain, films=uow.films.all(),
    )
    check_cohosts(uow, screening)
    uow.screenings.add(screening)
    partners.link_screening(uow, screening, added_by=_added_by(actor), now=now)
    announce_new_state(uow, screening, host, settings, now)
    return view(uow, screening, actor)


def approve_screening(uow, actor: Actor, screening_id: Any, *, now: datetime, settings: ScreeningsSettings) -> dict:
    require_manager(actor)
    screening = load(uow, screening_id)
    screening.approve(reviewer_id="manager", now=now, host_busy=host_busy(uow, screening, now))
    host = host_of(uow, screening)
    save(uow, screening, host)
    announce_new_state(uow, screening, host, settings, now, approved=True)
    return view(uow, screening, actor)


def send_back_screening(uow, actor: Actor, screening_id: Any, note: Any, *, now: datetime,
                        settings: ScreeningsSettings) -> dict:
    require_manager(actor)
    screening = load(uow, screening_id)
    screening.send_back(reviewer_id="manager", note=note, now=now)
    host = host_of(uow, screening)
    save(uow, screening, host)
    uow.publish(events.ScreeningSentBack(
        screening=screening_info(uow, screening, host), note=screening.review_note, sent_back_at=now,
        manage_path=PUBLIC_PATHS["manage"].format(screening_id=screening.id),
    ))
    return view(uow, screening, actor)


def resubmit_screening(uow, actor: Actor, screening_id: Any, changes: Any, *, now: datetime,
                       settings: ScreeningsSettings) -> dict:
    screening = load(uow, screening_id)
    require_organiser_or_manager(actor, screening)
    if changes is not None and not isinstance(changes, Mapping):
        raise ValidationFailed("must be an object", field="changes")
    host = host_of(uow, screening)
    screening.resubmit(changes, host=host, now=now, host_busy=host_busy(uow, screening, now),
                       films=uow.films.all())
    check_cohosts(uow, screening)
    save(uow, screening, host)
    partners.link_screening(uow, screening, added_by=_added_by(actor), now=now)
    announce_new_state(uow, screening, host, settings, now, resubmission=True)
    return view(uow, screening, actor)


def _added_by(actor: Actor) -> str:
    return "manager" if actor.manager else str(actor.leader_id)


def announce_new_state(uow, screening: Screening, host: HostRecord, settings: ScreeningsSettings, now: datetime,
                       *, resubmission: bool = False, approved: bool = False) -> None:
    """On the calendar: the organisers get the invitation and the reminders are set.
    Awaiting review: the program managers are asked to review it."""
    if screening.status is Status.SCHEDULED:
        fields = organiser_invitation(uow, screening, host, settings, now)
        info = screening_info(uow, screening, host)
        manage = PUBLIC_PATHS["manage"].format(screening_id=screening.id)
        if approved:
            uow.publish(events.ScreeningApproved(screening=info, approved_at=now, manage_path=manage, **fields))
        else:
            uow.publish(events.ScreeningScheduled(screening=info, scheduled_at=now, manage_path=manage, **fields))
        schedule_timers(uow, screening, now)
    elif screening.pending_approval:
        uow.publish(events.ScreeningSubmitted(
            screening=screening_info(uow, screening, host), manager_emails=settings.manager_emails,
            resubmission=resubmission, submitted_at=now,
            review_path=PUBLIC_PATHS["review"].format(screening_id=screening.id),
        ))
