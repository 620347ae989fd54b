"""Re-offer: a request handed to the program managers (nobody eligible was left) is
offered again automatically as soon as an eligible leader may be free: back from away,
training finished, capacity back, a new leader approved.

A change that may free a leader moves one sweep job to now (`leader_may_be_free`); the
sweep runs as a timer job, so with two instances it runs once, and it tries every
handed-over request under its lock. While requests are still waiting, the sweep comes
back at the next local midnight, when away-until dates pass without anyone acting."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ...settings import LeadersSettings
from ..domain.matching import handed_to_managers
from .routing import route
from .store import REOFFER_SWEEP, SWEEP_KEY, next_local_midnight


def leader_may_be_free(uow, *, now: datetime) -> None:
    """A leader's change may make them eligible: look again at once, if anything waits."""
    if uow.requests.handed_over():
        uow.schedule(REOFFER_SWEEP, SWEEP_KEY, now, {})


def reoffer_handed_over(uow, payload: dict[str, Any], now: datetime, *, settings: LeadersSettings) -> list[int]:
    """Offer every handed-over request that now has an eligible leader; returns their ids.
    Requests with still nobody stay with the managers, without a second notice."""
    reoffered = []
    for request_id in uow.requests.handed_over():
        request = uow.requests.get(request_id)
        if not handed_to_managers(request):
            continue  # taken by hand, or closed, since the list was read
        routed = route(uow, request, now=now, settings=settings, escalate=False)
        if routed is not request:
            reoffered.append(request_id)
    if uow.requests.handed_over():
        uow.schedule(REOFFER_SWEEP, SWEEP_KEY, next_local_midnight(now, settings), {})
    return reoffered
