"""The weekly digest's regional figures, gathered by the gateway (the only part of the
system that asks several services) when the mailer says the digest is due: each region
against its target with its status (services.gateway.coverage's rules), screenings held
in the week and the week before, partners, attendees' ratings, and whether it went
`GAP_WEEKS` weeks without a screening. `regions_for_digest` is plain Python;
`hand_over` makes the calls and gives the figures to the mailer."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import coverage
from .http import call_service

GAP_WEEKS = 8
# The feedback roll-up is for program managers; the gateway asks on their behalf.
_MANAGERS = {"role": "manager"}


def regions_for_digest(week: dict, week_before: dict, recent: dict, feedback: dict) -> list[dict[str, Any]]:
    """From the week's merged coverage report (coverage.merge), the screenings aggregates
    of the week before and of the gap window, and the week's feedback summary."""
    held_before = {r["region"]: int(r.get("held") or 0) for r in week_before.get("regions", [])}
    held_recently = {r["region"]: int(r.get("held") or 0) for r in recent.get("regions", [])}
    ratings = {r["key"]: r for r in feedback.get("by_region", [])}
    found = []
    for region in week["regions"]:
        rated = ratings.get(region["id"], {})
        found.append({
            "id": region["id"], "name": region["name"], "target": int(region.get("target") or 0),
            "active_leaders": region["active_leaders"], "status": region["status"], "reasons": region["reasons"],
            "screenings_held": region["screenings_held"], "screenings_held_week_before": held_before.get(region["id"], 0),
            "screenings_upcoming": region["screenings_upcoming"], "partners": region.get("partners", 0),
            "ratings": int(rated.get("count") or 0), "average_rating": rated.get("average"),
            "no_screening_in_gap": held_recently.get(region["id"], 0) == 0,
        })
    return found


def hand_over(gateway, week_start: datetime, week_end: datetime) -> dict:
    """Gather the figures for the week [week_start, week_end) and hand them to the mailer,
    which stores the digest once for the week however often this runs."""
    start, end = week_start.isoformat(), week_end.isoformat()
    before = (week_start - timedelta(days=7)).isoformat()
    gap_start = (week_end - timedelta(weeks=GAP_WEEKS)).isoformat()
    leaders = call_service(gateway, "leaders", "coverage_leaders")
    mentoring = call_service(gateway, "leaders", "coverage_mentorship", window_start=start, window_end=end)
    screenings = call_service(gateway, "screenings", "coverage_screenings", start, end)
    overdue = call_service(gateway, "leaders", "list_requests", overdue=True, limit=50)
    week = coverage.merge(leaders, mentoring, screenings, overdue.get("requests", []),
                          window_start=start, window_end=end)
    week_before = call_service(gateway, "screenings", "coverage_screenings", before, start)
    recent = call_service(gateway, "screenings", "coverage_screenings", gap_start, end)
    feedback = call_service(gateway, "screenings", "feedback_summary", _MANAGERS, start, end)
    regions = regions_for_digest(week, week_before, recent, feedback)
    return call_service(gateway, "mailer", "send_coverage_digest", week_end=end, regions=regions,
                        gap_weeks=GAP_WEEKS)
