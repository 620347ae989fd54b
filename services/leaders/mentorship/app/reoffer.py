"""Re-offer: a request handed to the program managers (nobody eligible was left) is
offered again automatically as soon as an eligible leader may be free: back from away,
training finished, capacity back, a new leader approved. Urgent requests nobody was left
for get their next round the same way.

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
from .urgent import offer_next_round


def anything_waits(uow) -> bool:
    return bool(uow.requests.handed_over() or uow.urgent.waiting())


def leader_may_be_free(uow, *, now: datetime) -> None:
    """A leader's change may make them eligible: look again at once, if anything waits."""
    if anything_waits(uow):
        uow.schedule(REOFFER_SWEEP, SWEEP_KEY, now, {})


def reoffer_handed_over(uow, payload: dict[str, Any], now: datetime, *, settings: LeadersSettings) -> list[int]:
    """Offer every handed-over request (and waiting urgent request) that now has an
    eligible leader; returns their ids. Those with still nobody stay with the managers,
    without a second notice."""
    reoffered = []
    for request_id in uow.requests.handed_over():
        request = uow.requests.get(request_id)
        if not handed_to_managers(request):
            continue  # taken by hand, or closed, since the list was read
        routed = route(uow, request, now=now, settings=settings, escalate=False)
        if routed is not request:
            reoffered.append(request_id)
    for urgent_id in uow.urgent.waiting():
        urgent = uow.urgent.get(urgent_id)
        if offer_next_round(uow, urgent, now=now, settings=settings, announce_waiting=False) is not urgent:
            reoffered.append(urgent_id)
    if anything_waits(uow):
        uow.schedule(REOFFER_SWEEP, SWEEP_KEY, next_local_midnight(now, settings), {})
    return reoffered
