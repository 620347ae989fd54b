"""The projection of leaders, kept from the leader_* events the leaders service publishes."""
from __future__ import annotations

from datetime import datetime

from services.contracts.leaders import LeaderSnapshot


def apply_leader_snapshot(uow, snapshot: LeaderSnapshot, *, now: datetime) -> bool:
    """Keep the snapshot when it is newer than the one held; False when it was stale."""
    held = uow.leaders.version(snapshot.leader_id)
    if held is not None and held >= snapshot.leader_version:
        return False
    uow.leaders.keep(snapshot, now)
    # A leader's name is shown in their feed's title.
    uow.feed_version.bump()
    return True
