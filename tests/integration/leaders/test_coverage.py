"""Coverage aggregates, computed in SQL by the views on the test database (no broker)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from services.leaders import views
from services.leaders.app import program, roster_import, training
from services.leaders.domain.learning import answer_key
from services.leaders.repository import LeadersUnitOfWork
from services.runtime.db import make_engine, session_factory
from services.runtime.migrate import upgrade

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=timezone.utc)
HEADER = "name,agency,title,email,phone,state,expertise,bio,max_mentees,availability,away_until,trusted_host,status"


@pytest.fixture
def session(make_db_uri):
    uri = make_db_uri("leaders_coverage")
    upgrade("leaders", uri)
    engine = make_engine(uri)
    with session_factory(engine)() as session, session.begin():
        yield session
    engine.dispose()


def seed(session, *rows: str) -> list[int]:
    report = roster_import.import_roster_csv(LeadersUnitOfWork(session, "leaders"),
                                             "\r\n".join([HEADER, *rows]) + "\r\n", now=NOW)
    assert report["rejected"] == []
    return report["leader_ids"]


def train(session, *leader_ids: int) -> None:
    for leader_id in leader_ids:
        for module in ("mentoring-peers", "responding-to-requests"):
            training.submit_answers(LeadersUnitOfWork(session, "leaders"), leader_id, module, answer_key(module),
                                    now=NOW)


def region(coverage: dict, region_id: str) -> dict:
    return next(r for r in coverage["regions"] if r["id"] == region_id)


def test_capacity_needs_training_availability_and_room(session):
    trained, away, untrained, full, inactive = seed(
        session,
        "A,PD,Sgt,a@pd.gov,,OH,,,3,,,,",
        "B,PD,Sgt,b@pd.gov,,OH,,,3,away,2025-03-20,,",
        "C,PD,Sgt,c@pd.gov,,IN,,,3,,,,",
        "D,PD,Sgt,d@pd.gov,,IN,,,0,,,,",
        "E,PD,Sgt,e@pd.gov,,IN,,,3,,,,inactive",
    )
    train(session, trained, away, full, inactive)

    coverage = views.coverage_leaders(session, today=NOW.date())
    region_5 = region(coverage, "region-5")
    assert region_5["active_leaders"] == 4 and region_5["shortfall"] == 1
    assert region_5["leaders_with_capacity"] == 1 and region_5["free_mentee_places"] == 3
    ohio = next(s for s in region_5["states"] if s["code"] == "OH")
    assert (ohio["active_leaders"], ohio["leaders_with_capacity"]) == (2, 1)
    assert set(region_5["states_without_leaders"]) == {"IL", "MI", "MN", "WI"}
    assert len(coverage["states_without_leaders"]) == 56 - 2
    assert coverage["regions_below_target"] == [r["id"] for r in coverage["regions"]]

    # On the day the away leader is back, they count again.
    back = views.coverage_leaders(session, as_of="2025-03-20", today=NOW.date())
    assert region(back, "region-5")["leaders_with_capacity"] == 2


def test_current_mentee_load_can_be_plugged_in(session):
    first, second = seed(session, "A,PD,Sgt,a@pd.gov,,WA,,,3,,,,", "B,PD,Sgt,b@pd.gov,,OR,,,2,,,,")
    train(session, first, second)
    load = sa.union_all(
        sa.select(sa.literal(first).label("leader_id"), sa.literal(1).label("load")),
        sa.select(sa.literal(second).label("leader_id"), sa.literal(2).label("load")),
    ).subquery("load")
    region_10 = region(views.coverage_leaders(session, today=NOW.date(), mentee_load=load), "region-10")
    assert region_10["leaders_with_capacity"] == 1 and region_10["free_mentee_places"] == 2


def test_targets_follow_overrides_and_grouping(session):
    seed(session, "A,PD,Sgt,a@pd.gov,,PR,,,3,,,,")
    program.set_coverage_target(LeadersUnitOfWork(session, "leaders"), "territories", 1, grouping="census_region")
    coverage = views.coverage_leaders(session, grouping="census_region", today=NOW.date())
    territories = region(coverage, "territories")
    assert (territories["target"], territories["meets_target"]) == (1, True)
    assert region(coverage, "west")["target"] == 5
    assert region(views.coverage_leaders(session, today=NOW.date()), "region-2")["target"] == 5
    # Setting a target back to the default removes the override.
    program.set_coverage_target(LeadersUnitOfWork(session, "leaders"), "territories", 5, grouping="census_region")
    assert session.execute(sa.text("SELECT count(*) FROM coverage_targets")).scalar_one() == 0
    assert views.coverage_leaders(session, as_of=date(2025, 1, 1), today=NOW.date())["as_of"] == "2025-01-01"
