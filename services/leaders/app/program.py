"""Program settings and regions: the region grouping, the roster target and each
region's coverage target."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from services.contracts.leaders import LeaderUpdated

from .. import records, regions
from ..domain.leader import leader_snapshot
from ..schemas import TargetChange, text, validated
from .common import grouping_or_current


def set_region_grouping(uow, grouping: Any, *, now: datetime) -> dict[str, Any]:
    """Switch grouping. Regions are derived, so only the setting changes; every leader's
    version is bumped and their snapshot republished so projections re-derive too."""
    grouping = grouping_or_current(uow, text(grouping, "grouping"))
    current = uow.program.get()
    if grouping == current.region_grouping:
        return {"region_grouping": grouping, "republished": 0}
    uow.program.save(replace(current, region_grouping=grouping), now)
    uow.leaders.bump_versions(now)
    republished = 0
    for leader in uow.leaders.all():
        uow.publish(LeaderUpdated(**leader_snapshot(leader, grouping), changed=("region", "region_grouping")))
        republished += 1
    return {"region_grouping": grouping, "republished": republished}


def set_roster_target(uow, target: Any, *, now: datetime) -> dict[str, Any]:
    change = validated(TargetChange, target=target)
    uow.program.save(replace(uow.program.get(), roster_target=change.target), now)
    return records.settings_record(uow.program.get(), active_leaders=uow.leaders.active_count())


def set_coverage_target(uow, region_id: Any, target: Any, *, grouping: str | None = None) -> dict[str, Any]:
    """A region's target of active leaders; the default target removes the region's own."""
    grouping = grouping_or_current(uow, grouping)
    change = validated(TargetChange, target=target)
    region = regions.get_region(text(region_id, "region"), grouping)
    own_target = None if change.target == regions.DEFAULT_COVERAGE_TARGET else change.target
    uow.program.set_coverage_target(grouping, region.id, own_target)
    return records.regions_record(grouping, current_grouping=uow.program.get().region_grouping,
                                  target_overrides=uow.program.coverage_targets(grouping))
