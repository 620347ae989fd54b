"""Saving a request: its rows through the repository, and the timer jobs that follow from
the change (the reminder and expiry of a pending offer, the overdue flag of an accepted
mentorship)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from ..domain.lifecycle import MentorshipRequest, OfferState, RequestState

# Timer job kinds (services.runtime.timers); keys are "request_id:attempt" for offers.
OFFER_REMINDER = "mentorship_offer_reminder"
OFFER_EXPIRY = "mentorship_offer_expiry"
MENTORSHIP_OVERDUE = "mentorship_overdue"
# One sweep over the requests handed to the managers (app/reoffer.py).
REOFFER_SWEEP = "mentorship_reoffer"
SWEEP_KEY = "handed-over"


def next_local_midnight(now: datetime, settings) -> datetime:
    """The start of the program's next local day (when away-until dates pass)."""
    zone = settings.policy.zone
    return datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(), tzinfo=zone)


def offer_key(request_id: int, attempt: int) -> str:
    return f"{request_id}:{attempt}"


def save(uow, before: MentorshipRequest, after: MentorshipRequest, now: datetime) -> MentorshipRequest:
    """Write `after` (loaded as `before`) and schedule or cancel its timers; returns `after`."""
    uow.requests.save(after, now=now)
    request_id = after.id
    for index, offer in enumerate(after.offers):
        key = offer_key(request_id, index + 1)
        was_pending = index < len(before.offers) and before.offers[index].state == OfferState.PENDING
        if offer.state == OfferState.PENDING and not was_pending:
            job = {"request_id": request_id, "attempt": index + 1}
            uow.schedule(OFFER_REMINDER, key, offer.reminder_at, job)
            uow.schedule(OFFER_EXPIRY, key, offer.deadline, job)
        elif was_pending and offer.state != OfferState.PENDING:
            uow.cancel_job(OFFER_REMINDER, key)
            uow.cancel_job(OFFER_EXPIRY, key)
    if after.state == RequestState.ACCEPTED and before.state != RequestState.ACCEPTED:
        uow.schedule(MENTORSHIP_OVERDUE, str(request_id), after.due_at, {"request_id": request_id})
    elif before.state == RequestState.ACCEPTED and after.state != RequestState.ACCEPTED:
        uow.cancel_job(MENTORSHIP_OVERDUE, str(request_id))
    return after
