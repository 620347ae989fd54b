"""The coverage status rules, the merge of the services' aggregates, and the CSV guard."""
from __future__ import annotations

import csv
import io

from services.gateway.coverage import AMBER, GREEN, RED, Figures, csv_safe, merge, status, to_csv


def figures(**changes) -> Figures:
    base = dict(active_leaders=4, leaders_with_capacity=2, screenings_held=1, screenings_upcoming=1, attendance=30,
                reports_filed=1, open_requests=1, unassigned_requests=0, overdue_requests=0,
                median_hours_to_acceptance=5.0, target=4)
    return Figures(**{**base, **changes})


def test_green_when_at_target_with_screenings_and_nothing_overdue():
    assert status(figures()) == (GREEN, [])


def test_red_rules():
    assert status(figures(active_leaders=0))[0] == RED
    assert status(figures(active_leaders=1, target=4)) == (RED, ["1 active leaders, below half the target of 4"])
    colour, reasons = status(figures(overdue_requests=2, screenings_held=0, screenings_upcoming=0))
    assert colour == RED
    assert reasons == ["2 mentorships past the agreed length", "no screening held or upcoming in the window"]


def test_amber_rules_and_exactly_half_the_target_is_amber():
    assert status(figures(active_leaders=2, target=4)) == (AMBER, ["2 active leaders, below the target of 4"])
    assert status(figures(screenings_held=0, screenings_upcoming=0))[0] == AMBER
    assert status(figures(unassigned_requests=1)) == (AMBER, ["1 request waiting with no leader"])


def test_states_have_no_target_so_only_the_other_rules_apply():
    assert status(figures(active_leaders=1, target=None)) == (GREEN, [])


LEADERS = {"grouping": "federal", "roster_target": 50, "active_leaders": 3, "regions": [
    {"id": "region-4", "name": "Region 4 (Atlanta)", "target": 2, "active_leaders": 3, "leaders_with_capacity": 1,
     "states": [{"code": "GA", "name": "Georgia", "active_leaders": 3, "leaders_with_capacity": 1},
                {"code": "AL", "name": "Alabama", "active_leaders": 0, "leaders_with_capacity": 0}]},
    {"id": "region-5", "name": "Region 5 (Chicago)", "target": 6, "active_leaders": 0, "leaders_with_capacity": 0,
     "states": [{"code": "IL", "name": "Illinois", "active_leaders": 0, "leaders_with_capacity": 0}]},
]}
MENTORING = {"as_of": "2026-05-01T00:00:00+00:00", "national": {"median_seconds_to_acceptance": 7200},
             "regions": [{"id": "region-4", "open_requests": 2, "unassigned_requests": 0, "overdue_mentorships": 1,
                          "median_seconds_to_acceptance": 5400,
                          "states": [{"code": "GA", "open_requests": 2, "unassigned_requests": 0,
                                      "overdue_mentorships": 1, "median_seconds_to_acceptance": 5400}]}]}
SCREENINGS = {"regions": [{"region": "region-4", "held": 2, "upcoming": 1, "attendance": 45, "reports_filed": 2,
                           "states": [{"state": "GA", "held": 2, "upcoming": 1, "attendance": 45,
                                       "reports_filed": 2}]}]}
OVERDUE = [{"id": 9, "state": "accepted", "requester_state": "GA", "region": "region-4",
            "due_at": "2026-04-01T00:00:00+00:00", "leader": {"id": 3, "name": "Alex Able"}}]


def test_merge_per_region_and_state_with_gaps():
    report = merge(LEADERS, MENTORING, SCREENINGS, OVERDUE, window_start="2026-02-01", window_end="2026-07-31")
    south, midwest = report["regions"]
    assert (south["status"], south["reasons"]) == (RED, ["1 mentorship past the agreed length"])
    assert (south["screenings_held"], south["attendance"], south["open_requests"]) == (2, 45, 2)
    assert south["median_hours_to_acceptance"] == 1.5 and report["median_hours_to_acceptance"] == 2.0
    georgia, alabama = south["states"]
    assert georgia["status"] == RED and alabama["status"] == RED and "target" not in georgia
    assert midwest["status"] == RED and "no active leader" in midwest["reasons"]
    assert report["summary"] == {RED: 2, AMBER: 0, GREEN: 0}
    assert report["gaps"]["states_without_leaders"] == ["AL", "IL"]
    assert report["gaps"]["states_without_screenings"] == ["AL", "IL"]
    assert report["gaps"]["requests_past_deadline"] == [
        {"id": 9, "state": "accepted", "requester_state": "GA", "region": "region-4",
         "due_at": "2026-04-01T00:00:00+00:00", "leader": "Alex Able"}]


def test_csv_has_a_row_per_region_and_state_and_no_formulas():
    assert [csv_safe(v) for v in ("=1+1", "+x", "-2", "@SUM(A1)", "plain", None, 3)] == \
        ["'=1+1", "'+x", "'-2", "'@SUM(A1)", "plain", "", "3"]
    leaders = {**LEADERS, "regions": [{**LEADERS["regions"][1], "name": "=HYPERLINK(\"http://x\")"}]}
    report = merge(leaders, MENTORING, SCREENINGS, [], window_start="2026-02-01", window_end="2026-07-31")
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert [(r["level"], r["state"]) for r in rows] == [("region", ""), ("state", "IL")]
    assert rows[0]["name"].startswith("'=") and rows[0]["status"] == RED
