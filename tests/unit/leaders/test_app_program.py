"""Program settings and regions, through the use cases on an in-memory unit of work."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.contracts.leaders import LeaderUpdated
from services.leaders.app import program
from services.leaders.domain.program import ProgramSettings
from services.runtime.errors import ValidationFailed

from .builders import NOW, approved_leader
from .fakes import FakeUnitOfWork

LATER = NOW + timedelta(days=1)


@pytest.fixture
def uow():
    return FakeUnitOfWork()


def test_a_new_grouping_republishes_every_leader_with_a_new_version(uow):
    ids = [approved_leader(uow, email=f"l{n}@pd.gov", state=state)["id"] for n, state in enumerate(["WI", "PR"])]
    uow.published.clear()
    assert program.set_region_grouping(uow, "census_region", now=LATER) == {
        "region_grouping": "census_region", "republished": 2}
    assert uow.program.get().region_grouping == "census_region"
    assert [leader.version for leader in uow.leaders.all()] == [2, 2]
    assert all(isinstance(e, LeaderUpdated) for e in uow.published)
    assert [(e.leader_id, e.leader_version, e.region, e.region_grouping, e.changed) for e in uow.published] == [
        (ids[0], 2, "midwest", "census_region", ("region", "region_grouping")),
        (ids[1], 2, "territories", "census_region", ("region", "region_grouping"))]


def test_the_grouping_in_use_changes_nothing(uow):
    approved_leader(uow)
    uow.published.clear()
    assert program.set_region_grouping(uow, "federal", now=LATER) == {"region_grouping": "federal", "republished": 0}
    assert uow.leaders.all()[0].version == 1 and uow.published == []


def test_an_unknown_grouping_is_refused(uow):
    for bad in ("zodiac", 3):
        with pytest.raises(ValidationFailed) as refused:
            program.set_region_grouping(uow, bad, now=LATER)
        assert refused.value.field == "grouping"
    assert uow.program.get() == ProgramSettings()


def test_the_roster_target_is_saved_and_answered_with_the_active_count(uow):
    approved_leader(uow)
    answer = program.set_roster_target(uow, 75, now=LATER)
    assert answer["roster_target"] == 75 and answer["active_leaders"] == 1 and answer["region_grouping"] == "federal"
    assert uow.program.get() == ProgramSettings(roster_target=75)
    for bad in (-1, "75", 10_001):
        with pytest.raises(ValidationFailed) as refused:
            program.set_roster_target(uow, bad, now=LATER)
        assert refused.value.field == "target"
    assert uow.program.get().roster_target == 75


def test_a_coverage_target_differs_from_the_default_until_set_back(uow):
    answer = program.set_coverage_target(uow, "region-5", 2)
    assert (answer["grouping"], answer["current"]) == ("federal", True)
    assert next(r for r in answer["regions"] if r["id"] == "region-5")["coverage_target"] == 2
    assert uow.program.targets == {("federal", "region-5"): 2}

    other = program.set_coverage_target(uow, "territories", 1, grouping="census_region")
    assert other["current"] is False and uow.program.targets[("census_region", "territories")] == 1

    program.set_coverage_target(uow, "region-5", 5)
    assert uow.program.targets == {("census_region", "territories"): 1}


def test_a_coverage_target_needs_a_known_region_and_a_whole_target(uow):
    for region, target, field in (("midwest", 3, "region"), ("region-5", -3, "target"), ("region-5", 3.5, "target")):
        with pytest.raises(ValidationFailed) as refused:
            program.set_coverage_target(uow, region, target)
        assert refused.value.field == field
    with pytest.raises(ValidationFailed) as refused:
        program.set_coverage_target(uow, "region-5", 3, grouping="zodiac")
    assert refused.value.field == "grouping"
    assert uow.program.targets == {}
