"""The weekly digest against the regions' targets: the timer says it is due, the figures
the gateway gathers become a table with what changed and the gaps, and the week's
digest is stored once."""
from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta, timezone

from services.contracts.mailer import CoverageDigestDue
from services.contracts import rpc as rpc_contracts
from services.gateway.digest import regions_for_digest
from services.mailer.app import digest, queueing

from .events import NOW, event
from .fakes import FakeUnitOfWork
from .test_use_cases import stored

WEEK_END = datetime(2026, 7, 6, 12, tzinfo=timezone.utc)
STRICT = email.policy.default.clone(raise_on_defect=True)


def region(**overrides) -> dict:
    values = {"id": "great-lakes", "name": "Great Lakes", "target": 5, "active_leaders": 3, "status": "amber",
              "reasons": ["3 active leaders, below the target of 5"], "screenings_held": 2,
              "screenings_held_week_before": 3, "screenings_upcoming": 4, "partners": 6, "ratings": 5,
              "average_rating": 4.4, "no_screening_in_gap": False}
    values.update(overrides)
    return values


def test_the_timer_says_the_digest_is_due_and_schedules_next_weeks(settings):
    uow = FakeUnitOfWork()
    uow.jobs.append({"kind": "coverage_digest", "key": "2026-07-06", "due_at": WEEK_END,
                     "payload": {"week_end": WEEK_END.isoformat()}, "done": True})
    digest.digest_due(uow, {"week_end": WEEK_END.isoformat()}, WEEK_END, settings)
    [due] = uow.published
    assert isinstance(due, CoverageDigestDue)
    assert (due.week_start, due.week_end) == (WEEK_END - timedelta(days=7), WEEK_END)
    assert stored(uow, template="coverage_digest") == []  # the mail waits for the regions' figures
    assert [job["key"] for job in uow.jobs] == ["2026-07-06", "2026-07-13"]


def test_each_region_against_its_target_with_what_changed_and_the_gaps(settings):
    uow = FakeUnitOfWork()
    queueing.queue_event(uow, event("application_approved"), settings, NOW)  # a new leader in Great Lakes
    regions = [region(), region(id="southeast", name="Southeast", target=4, active_leaders=4, status="green",
                                reasons=[], screenings_held=0, screenings_held_week_before=0, ratings=0,
                                average_rating=None, no_screening_in_gap=True),
               region(id="northwest", name="Northwest", target=2, active_leaders=2, status="green", reasons=[])]
    assert digest.send_coverage_digest(uow, {"week_end": WEEK_END.isoformat()}, WEEK_END, settings,
                                       regions=regions, gap_weeks=8) == 2
    [first, _] = stored(uow, template="coverage_digest")
    text = first.text_body
    assert "Regions against their targets" in text
    assert "Leaders:     3 of 5 (+1 approved this week)" in text
    assert "2 held this week (-1 on the week before), 4 upcoming" in text
    assert "4.4 out of 5 from 5 ratings" in text and "no rating this week" in text
    gaps = text.split("Gaps")[1]
    assert "Great Lakes: 3 of 5 leaders" in gaps and "Southeast: no screening held in 8 weeks" in gaps
    assert "Northwest" not in gaps
    parsed = email.message_from_bytes(first.mime, policy=STRICT)
    html = parsed.get_body(("html",)).get_content()
    assert "3 / 5 (+1)" in html and "<li>Southeast: no screening held in 8 weeks</li>" in html
    # Asked again for the same week (a redelivered event, a second gateway): nothing more.
    assert digest.send_coverage_digest(uow, {"week_end": WEEK_END.isoformat()}, WEEK_END, settings,
                                       regions=regions) == 0


def test_the_gateway_gathers_the_regions_figures_from_the_aggregates():
    week = {"regions": [{"id": "great-lakes", "name": "Great Lakes", "target": 5, "active_leaders": 3,
                         "status": "amber", "reasons": ["below"], "screenings_held": 2, "screenings_upcoming": 1,
                         "partners": 3},
                        {"id": "southeast", "name": "Southeast", "target": 2, "active_leaders": 0, "status": "red",
                         "reasons": ["no active leader"], "screenings_held": 0, "screenings_upcoming": 0,
                         "partners": 0}]}
    before = {"regions": [{"region": "great-lakes", "held": 4}]}
    recent = {"regions": [{"region": "great-lakes", "held": 9}]}
    feedback = {"by_region": [{"key": "great-lakes", "count": 3, "average": 4.7}]}
    found = regions_for_digest(week, before, recent, feedback)
    # What the gateway sends is what the mailer's method takes.
    rpc_contracts.bind("mailer", "send_coverage_digest", (), {"week_end": WEEK_END.isoformat(), "regions": found,
                                                             "gap_weeks": 8}, check_types=True)
    assert [(r["id"], r["screenings_held_week_before"], r["ratings"], r["average_rating"], r["no_screening_in_gap"])
            for r in found] == [("great-lakes", 4, 3, 4.7, False), ("southeast", 0, 0, None, True)]
