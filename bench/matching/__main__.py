"""Matching a mentorship request to leaders: 5,000 leaders and 50,000 historical requests.

A fresh SQLite file is built with the service's migrations and seeded directly (leaders,
expertise, training, 50,000 past requests with their offers, some mentorships still
running so leaders carry a load). Then, for a sample of requests from random states and
topics (some already offered to a leader or two, who are excluded):

- ranking alone: domain.matching.rank_candidates over every eligible leader, already in memory;
- full match: views.match_candidates, the candidate SQL (loaded place tier by
  place tier until enough are found) and the ranking, as routing does it for every offer
  (best 1) and as the managers' ranking view does (best 10);
- for comparison, one query loading every eligible leader of the roster, then ranking.

Prints the median and p99 per match for each, per run and overall (median of the run
medians; p99 over every match of every run).

Run: python -m bench.matching [--leaders N] [--requests N] [--matches N] [--runs R] [--quick]
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from services.leaders import regions
from services.leaders.mentorship.domain.matching import MatchRequest, rank_candidates
from services.leaders.mentorship.repository import gather_candidates, load_candidates
from services.leaders.mentorship.roster import EXPERTISE, MENTORING_MODULES
from services.leaders.mentorship.views import match_candidates
from services.leaders.models import (
    LeaderExpertiseRow,
    LeaderRow,
    MentorshipOfferRow,
    MentorshipRequestRow,
    TrainingCompletionRow,
)
from services.runtime.db import make_engine, session_factory
from services.runtime.migrate import upgrade

_HEAVY_STATES = ("CA", "TX", "NY", "FL", "IL", "PA", "OH", "GA", "NC", "MI")
NOW = datetime(2025, 3, 4, 15, 0, tzinfo=timezone.utc)
GROUPING = regions.DEFAULT_GROUPING


def _state(rng: random.Random, states: list[str]) -> str:
    return rng.choice(_HEAVY_STATES) if rng.random() < 0.4 else rng.choice(states)


def seed(uri: str, *, leaders: int, requests: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    states, tags = list(regions.STATES), list(EXPERTISE)
    modules = sorted(MENTORING_MODULES) + ["hosting-a-screening"]
    engine = make_engine(uri)
    with engine.begin() as conn:
        leader_rows, expertise_rows, training_rows = [], [], []
        capacity = {}
        for i in range(1, leaders + 1):
            status = "active" if rng.random() < 0.9 else rng.choice(("inactive", "alumni"))
            max_mentees = rng.randint(1, 5)
            capacity[i] = max_mentees
            leader_rows.append({
                "id": i, "name": f"Leader {i}", "agency": "Police Department", "title": "Sergeant",
                "email": f"leader{i}@pd.example.gov", "email_key": f"leader{i}@pd.example.gov", "phone": None,
                "state": _state(rng, states), "bio": "", "max_mentees": max_mentees,
                "away_until": NOW.date() + timedelta(days=rng.randint(1, 30)) if rng.random() < 0.1 else None,
                "trusted_host": False, "status": status, "version": 1, "created_at": NOW, "updated_at": NOW,
            })
            expertise_rows += [{"leader_id": i, "expertise": t} for t in rng.sample(tags, rng.randint(1, 3))]
            if rng.random() < 0.85:
                training_rows += [{"leader_id": i, "module": m, "completed_at": NOW} for m in modules]
        conn.execute(sa.insert(LeaderRow.__table__), leader_rows)
        conn.execute(sa.insert(LeaderExpertiseRow.__table__), expertise_rows)
        conn.execute(sa.insert(TrainingCompletionRow.__table__), training_rows)

        load = dict.fromkeys(capacity, 0)
        request_rows, offer_rows = [], []
        offer_id = 0
        for r in range(1, requests + 1):
            created = NOW - timedelta(days=rng.uniform(1, 3 * 365))
            offers = rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
            leader_ids = rng.sample(range(1, leaders + 1), offers)
            final_leader = leader_ids[-1]
            state = rng.choices(("completed", "accepted", "cancelled", "closed_unanswered"), weights=(88, 6, 4, 2))[0]
            if state == "accepted" and load[final_leader] >= capacity[final_leader]:
                state = "completed"
            accepted_at = None
            for attempt, leader_id in enumerate(leader_ids, start=1):
                offered = created + timedelta(hours=attempt * 30)
                last = attempt == offers
                offer_state = ("accepted" if last and state in ("completed", "accepted")
                               else rng.choice(("declined", "expired")))
                decided = offered + timedelta(hours=rng.uniform(1, 40))
                if offer_state == "accepted":
                    accepted_at = decided
                offer_id += 1
                offer_rows.append({
                    "id": offer_id, "request_id": r, "attempt": attempt, "leader_id": leader_id, "state": offer_state,
                    "offered_at": offered, "deadline": offered + timedelta(days=2),
                    "reminder_at": offered + timedelta(days=1),
                    "reminder_sent_at": None, "decided_at": decided, "note": None,
                })
            if state == "accepted":
                load[final_leader] += 1
            request_rows.append({
                "id": r, "requester_name": f"Peer {r}", "agency": "Sheriff's Office", "role": "Deputy",
                "email": f"peer{r}@so.example.gov", "requester_state": _state(rng, states),
                "topic": rng.choice(tags), "description": "Guidance on a bias-motivated incident, please.",
                "urgency": "normal", "state": state,
                "leader_id": final_leader if state in ("accepted", "completed") else None,
                "created_at": created, "confirmed_at": created, "accepted_at": accepted_at,
                "agreed_days": 90 if accepted_at else None,
                "due_at": accepted_at + timedelta(days=90) if accepted_at else None,
                "completed_at": accepted_at + timedelta(days=30) if state == "completed" else None,
                "outcome_note": "Done." if state == "completed" else None,
                "closed_at": created + timedelta(days=5) if state in ("cancelled", "closed_unanswered") else None,
                "confirm_token_digest": f"{r:064x}", "confirm_token_expires_at": created + timedelta(days=7),
                "confirm_token_used_at": created, "status_token_digest": f"{r + 10**9:064x}", "updated_at": created,
            })
        for start in range(0, len(request_rows), 5000):
            conn.execute(sa.insert(MentorshipRequestRow.__table__), request_rows[start:start + 5000])
        for start in range(0, len(offer_rows), 5000):
            conn.execute(sa.insert(MentorshipOfferRow.__table__), offer_rows[start:start + 5000])
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def sample_matches(count: int, leaders: int, seed: int) -> list[MatchRequest]:
    rng = random.Random(seed)
    states, tags = list(regions.STATES), list(EXPERTISE)
    region_of = {s: r.name for r in regions.regions(GROUPING) for s in r.states}
    matches = []
    for _ in range(count):
        state = _state(rng, states)
        exclude = frozenset(rng.sample(range(1, leaders + 1), rng.choice((0, 0, 1, 2))))
        matches.append(MatchRequest(state=state, region=region_of[state], topics=frozenset({rng.choice(tags)}),
                                    exclude=exclude))
    return matches


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _time(action) -> float:
    started = time.perf_counter()
    ranked = action()
    if ranked:
        ranked[0].reasons  # the best candidate's reasons go into the offer
    return time.perf_counter() - started


def run(uri: str, matches: list[MatchRequest], runs: int) -> None:
    engine = make_engine(uri)
    factory = session_factory(engine)
    today = NOW.date()
    kinds = {
        "ranking alone (rank_candidates over every eligible leader, in memory)": [],
        "full match for routing (tiered candidate SQL + ranking, best 1)": [],
        "full match for the managers' view (tiered SQL + ranking, best 10)": [],
        "full match, one query over the whole roster + ranking (for comparison)": [],
    }
    labels = list(kinds)
    sizes = []
    for run_number in range(1, runs + 1):
        times: dict[str, list[float]] = {label: [] for label in labels}
        with factory() as session:
            for match in matches:
                everyone = gather_candidates(session, match, today=today, grouping=GROUPING, enough=None)
                sizes.append(len(everyone))
                times[labels[0]].append(_time(lambda: rank_candidates(
                    match, everyone, today=today, limit=10, labels=EXPERTISE)))
                for label, limit in ((labels[1], 1), (labels[2], 10)):
                    times[label].append(_time(lambda: match_candidates(
                        session, match, today=today, local_today=today, grouping=GROUPING, limit=limit)))
                times[labels[3]].append(_time(lambda: rank_candidates(
                    match, load_candidates(session, match, today=today, grouping=GROUPING), today=today,
                    limit=10, labels=EXPERTISE)))
            session.rollback()
        for label in labels:
            kinds[label].append(times[label])
        print(f"  run {run_number}: " + "; ".join(
            f"{statistics.median(times[label]) * 1000:.2f} ms" for label in labels) + " (medians, in the order below)")
    engine.dispose()
    print(f"eligible leaders per request: median {statistics.median(sizes):.0f}, min {min(sizes)}, max {max(sizes)}")
    for label, per_run in kinds.items():
        everything = [t for times in per_run for t in times]
        print(f"{label}: median {statistics.median(statistics.median(t) for t in per_run) * 1000:.3f} ms, "
              f"p99 {percentile(everything, 0.99) * 1000:.3f} ms per match")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__.splitlines()[0])
    parser.add_argument("--leaders", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--matches", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.leaders, args.requests, args.matches, args.runs = 500, 5000, 50, 2
    with tempfile.TemporaryDirectory(prefix="bench-matching-") as tmp:
        uri = f"sqlite:///{Path(tmp) / 'leaders.db'}"
        started = time.perf_counter()
        upgrade("leaders", uri)
        seed(uri, leaders=args.leaders, requests=args.requests)
        print(f"seeded {args.leaders} leaders and {args.requests} historical requests in "
              f"{time.perf_counter() - started:.1f} s (SQLite file, built by the migrations)")
        run(uri, sample_matches(args.matches, args.leaders, seed=11), args.runs)


if __name__ == "__main__":
    main()
