"""Regional coverage for program managers, as JSON and as CSV (services/gateway/coverage.py
merges the services' aggregates and applies the status rules)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from services.gateway import coverage
from services.gateway.http import Call, Reply
from services.gateway.routing import MANAGER

from .common import Slug
from .table import ROUTES

route = ROUTES.route
TAG = "Coverage"
DEFAULT_DAYS_BACK, DEFAULT_DAYS_AHEAD = 90, 90
MAX_WINDOW_DAYS = 3 * 366
OVERDUE_LISTED = 200


class CoverageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    window_start: date | None = None
    window_end: date | None = None
    grouping: Slug | None = None

    @field_validator("window_end")
    @classmethod
    def _ordered(cls, end: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("window_start")
        if start and end:
            if end < start:
                raise ValueError("must not be before window_start")
            if (end - start).days > MAX_WINDOW_DAYS:
                raise ValueError(f"the window is at most {MAX_WINDOW_DAYS} days")
        return end


def window(call: Call, query: CoverageQuery | None) -> tuple[date, date]:
    today = call.now.date()
    start = query.window_start if query and query.window_start else None
    end = query.window_end if query and query.window_end else None
    start = start or (end - timedelta(days=DEFAULT_DAYS_BACK + DEFAULT_DAYS_AHEAD) if end else
                      today - timedelta(days=DEFAULT_DAYS_BACK))
    end = end or start + timedelta(days=DEFAULT_DAYS_BACK + DEFAULT_DAYS_AHEAD)
    return start, end


def report(call: Call, query: CoverageQuery | None = None) -> dict:
    """The three aggregates and the overdue requests, asked for at once."""
    start, end = window(call, query)
    grouping = query.grouping if query else None
    # The window includes its last day.
    start_at = datetime.combine(start, time(), tzinfo=timezone.utc).isoformat()
    end_at = datetime.combine(end + timedelta(days=1), time(), tzinfo=timezone.utc).isoformat()
    leaders, mentoring, screenings, overdue = call.rpc_many(
        ("leaders", "coverage_leaders", (), {"grouping": grouping}),
        ("leaders", "coverage_mentorship", (), {"grouping": grouping, "window_start": start_at, "window_end": end_at}),
        ("screenings", "coverage_screenings", (start_at, end_at), {"grouping": grouping}),
        ("leaders", "list_requests", (), {"overdue": True, "grouping": grouping, "limit": OVERDUE_LISTED}),
    )
    return coverage.merge(leaders, mentoring, screenings, overdue.get("requests", []),
                          window_start=start.isoformat(), window_end=end.isoformat())


@route("GET", "/api/coverage", access=MANAGER, tag=TAG, query=CoverageQuery, response={
    "type": "object", "required": ["regions", "gaps", "summary"],
    "properties": {"regions": {"type": "array"}, "gaps": {"type": "object"}, "summary": {"type": "object"}}},
    summary="Regional coverage with red/amber/green status and the gaps",
    description="Per region and state for the window (dates, inclusive; default 90 days either side of "
                "today): active leaders against target, leaders with spare mentoring capacity, screenings "
                "held and upcoming, attendance, reports filed, open, unassigned and overdue mentorship "
                "requests, median hours to acceptance, and a status with its reasons. Red: no active "
                "leader, below half the target, or overdue mentorships. Amber: below target, no screening "
                "in the window, or requests waiting with no leader. Green otherwise.")
def coverage_report(call: Call):
    return report(call, call.query)


@route("GET", "/api/coverage.csv", access=MANAGER, tag=TAG, query=CoverageQuery, content_type="text/csv",
       summary="Regional coverage as CSV (one row per region and per state)")
def coverage_csv(call: Call):
    data = report(call, call.query)
    name = f"coverage-{data['window_start']}-{data['window_end']}.csv"
    return Reply(coverage.to_csv(data), content_type="text/csv",
                 headers={"Content-Disposition": f'attachment; filename="{name}"'})
