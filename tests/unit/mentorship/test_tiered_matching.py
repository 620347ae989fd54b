"""Loading candidates place tier by place tier ranks exactly as loading everyone does."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.leaders import regions
from services.leaders.mentorship.domain.matching import MatchRequest, rank_candidates
from services.leaders.mentorship.repository import gather_candidates, load_candidates
from services.leaders.mentorship.roster import EXPERTISE, MENTORING_MODULES
from services.leaders.mentorship.views import match_candidates
from services.leaders.models import (
    Base, LeaderExpertiseRow, LeaderRow, MentorshipOfferRow, MentorshipRequestRow, TrainingCompletionRow,
)

NOW = datetime(2024, 5, 6, 15, tzinfo=timezone.utc)
TODAY = NOW.date()
STATES = ("OH", "MI", "IN", "IL", "TX", "NY", "CA")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    engine = sa.create_engine(f"sqlite:///{tmp_path_factory.mktemp('tiers') / 'leaders.db'}")
    Base.metadata.create_all(engine)
    rng = random.Random(5)
    with Session(engine) as s:
        for i in range(1, 121):
            s.add(LeaderRow(
                id=i, name=f"Leader {i}", agency="PD", title="Sgt", email=f"l{i}@pd.gov", email_key=f"l{i}@pd.gov",
                state=rng.choice(STATES), max_mentees=rng.randint(0, 3),
                status=rng.choice(("active",) * 5 + ("alumni",)),
                away_until=TODAY + timedelta(days=3) if rng.random() < 0.1 else
                (TODAY if rng.random() < 0.1 else None),
                created_at=NOW, updated_at=NOW,
            ))
            s.add_all(LeaderExpertiseRow(leader_id=i, expertise=t) for t in rng.sample(list(EXPERTISE), 2))
            if rng.random() < 0.8:
                s.add_all(TrainingCompletionRow(leader_id=i, module=m, completed_at=NOW)
                          for m in MENTORING_MODULES)
        s.flush()
        for r in range(1, 81):
            leader_id = rng.randint(1, 120)
            s.add(MentorshipRequestRow(
                id=r, requester_name="P", agency="A", role="R", email="p@a.gov", requester_state="OH",
                topic="prosecution", description="x" * 30, urgency="normal",
                state=rng.choice(("accepted", "completed")), leader_id=leader_id, created_at=NOW,
                confirm_token_digest=f"c{r}", confirm_token_expires_at=NOW, status_token_digest=f"s{r}",
                updated_at=NOW,
            ))
            s.flush()
            s.add(MentorshipOfferRow(request_id=r, attempt=1, leader_id=leader_id, state="accepted",
                                     offered_at=NOW - timedelta(hours=rng.randint(1, 900)), deadline=NOW,
                                     reminder_at=NOW))
        s.commit()
        yield s
    engine.dispose()


def test_tiers_give_the_same_best_leaders(session):
    region_of = {s: r.name for r in regions.regions("federal") for s in r.states}
    rng = random.Random(9)
    for _ in range(60):
        state = rng.choice(STATES + ("WI", "GU"))
        topic = rng.choice(list(EXPERTISE))
        match = MatchRequest(state=state, region=region_of[state], topics=frozenset({topic}),
                             exclude=frozenset(rng.sample(range(1, 121), 3)))
        everyone = load_candidates(session, match, today=TODAY, grouping="federal")
        for limit in (1, 3, 10, None):
            expected = rank_candidates(match, everyone, today=TODAY, limit=limit, labels=EXPERTISE)
            got = match_candidates(session, match, today=TODAY, local_today=TODAY, grouping="federal", limit=limit)
            assert [r.leader_id for r in got] == [r.leader_id for r in expected]
            assert [r.reasons for r in got] == [r.reasons for r in expected]


def test_the_candidate_query_applies_every_eligibility_rule(session):
    match = MatchRequest(state="OH", region="Region 5 (Chicago)", topics=frozenset({"prosecution"}))
    found = {c.leader_id: c for c in gather_candidates(session, match, today=TODAY, grouping="federal", enough=None)}
    for leader in session.execute(sa.select(LeaderRow)).scalars():
        trained = session.execute(sa.select(sa.func.count()).where(
            TrainingCompletionRow.leader_id == leader.id)).scalar_one() == len(MENTORING_MODULES)
        load = session.execute(sa.select(sa.func.count()).where(
            MentorshipRequestRow.leader_id == leader.id, MentorshipRequestRow.state == "accepted")).scalar_one()
        eligible = (leader.status == "active" and trained and load < leader.max_mentees
                    and (leader.away_until is None or leader.away_until <= TODAY))
        assert (leader.id in found) == eligible, leader.id
        if eligible:
            candidate = found[leader.id]
            assert candidate.current_load == load
            has_topic = "prosecution" in session.execute(sa.select(LeaderExpertiseRow.expertise).where(
                LeaderExpertiseRow.leader_id == leader.id)).scalars().all()
            assert candidate.expertise == (frozenset({"prosecution"}) if has_topic else frozenset())
