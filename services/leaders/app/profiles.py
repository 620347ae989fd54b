"""A leader's profile: changes to it, availability and status, each announced by one
leader_* event (domain.leader.leader_event_type) when anything changed."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.contracts import Payload
from services.contracts.leaders import LeaderAvailabilityChanged, LeaderDeactivated, LeaderUpdated
from services.runtime.errors import Conflict

from ..domain import leader as rules
from ..domain.leader import EmailInUse, Leader
from ..schemas import mapping
from .common import leader_answer, load_leader
from .training import plan_training_reminder

_EMAIL_IN_USE = "another leader already uses this email address"


def update_leader(uow, leader_id: Any, changes: Any, *, now: datetime) -> dict[str, Any]:
    changes = mapping(changes, "changes")
    before = load_leader(uow, leader_id, for_update=True)
    after = rules.update_leader(before, changes, today=now.date())
    if after is before:
        return leader_answer(uow, before, today=now.date())
    if after.email != before.email and uow.leaders.email_taken(after.email, except_leader=before.id):
        raise Conflict(_EMAIL_IN_USE, field="email")
    try:
        uow.leaders.save(after, now)
    except EmailInUse:
        raise Conflict(_EMAIL_IN_USE, field="email") from None
    event = _leader_event(before, after, uow.program.get().region_grouping)
    if event is not None:
        uow.publish(event)
    if after.status != before.status:
        plan_training_reminder(uow, after, uow.training.completions(after.id))
    return leader_answer(uow, after, today=now.date())


def set_availability(uow, leader_id: Any, away_until: Any = None, *, now: datetime) -> dict[str, Any]:
    """Away until a future date (ISO YYYY-MM-DD), or available again when None."""
    if away_until is None:
        changes: dict[str, Any] = {"availability": "available"}
    else:
        changes = {"availability": "away", "away_until": away_until}
    return update_leader(uow, leader_id, changes, now=now)


def set_status(uow, leader_id: Any, status: Any, *, now: datetime) -> dict[str, Any]:
    return update_leader(uow, leader_id, {"status": status}, now=now)


def _leader_event(before: Leader, after: Leader, grouping: str) -> Payload | None:
    kind = rules.leader_event_type(before, after)
    if kind is None:
        return None
    snapshot = rules.leader_snapshot(after, grouping)
    if kind == "leader_deactivated":
        return LeaderDeactivated(**snapshot)
    if kind == "leader_availability_changed":
        return LeaderAvailabilityChanged(**snapshot)
    return LeaderUpdated(**snapshot, changed=rules.changed_fields(before, after))
