"""What several use cases need: a leader loaded by the id a caller sent, the grouping a
caller asked for, and a leader answered as the RPC answers one."""
from __future__ import annotations

from datetime import date
from typing import Any

from services.runtime.errors import NotFound

from .. import regions, records
from ..domain.leader import Leader
from ..domain.training import can_receive_mentorship_requests
from ..schemas import LeaderRef, validated


def load_leader(uow, leader_id: Any, *, for_update: bool = False) -> Leader:
    ref = validated(LeaderRef, leader_id=leader_id)
    leader = uow.leaders.get(ref.leader_id, for_update=for_update)
    if leader is None:
        raise NotFound(f"no leader with id {ref.leader_id}", field="leader_id")
    return leader


def grouping_or_current(uow, grouping: str | None) -> str:
    """The grouping asked for (validated), or the program's current one."""
    if grouping is None:
        return uow.program.get().region_grouping
    regions.regions(grouping)  # raises ValidationFailed naming `grouping` when unknown
    return grouping


def leader_answer(uow, leader: Leader, *, today: date) -> dict[str, Any]:
    ready = can_receive_mentorship_requests(uow.training.completions(leader.id))
    return records.leader_record(leader, uow.program.get().region_grouping, today=today, mentoring_ready=ready)
