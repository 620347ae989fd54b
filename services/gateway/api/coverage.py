"""Regional coverage for program managers, as JSON and as CSV (services/gateway/coverage.py
merges the services' aggregates and applies the status rules)."""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from nameko.extensions import DependencyProvider
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


class ReportCache:
    """The coverage reports computed lately, by window and grouping.

    A report costs the services a few hundred milliseconds over a large network, and
    managers open the same dashboard again and again. A report younger than `max_age` is
    served as it is. Once it is older, the first request computes the next one while the
    others keep getting the previous one (which the RPC timeout keeps from ageing much
    further); requests for a report nobody has yet wait for the computation in flight
    instead of each starting their own. Each report says when it was computed (`as_of`).

    Thread primitives, so it works under green threads (nameko) and real ones alike.
    """

    def __init__(self, size: int = 32):
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, tuple[datetime, Any]] = OrderedDict()
        self._flights: dict[tuple, _Flight] = {}

    def get(self, key: tuple, now: datetime, max_age: timedelta, compute: Callable[[], Any], *,
            fresh: bool = False) -> Any:
        """The report for `key`; `fresh` asks for one computed after this call."""
        with self._lock:
            entry = self._entries.get(key)
            flight = self._flights.get(key)
            if entry is not None and not fresh and (now - entry[0] < max_age or flight is not None):
                self._entries.move_to_end(key)
                return entry[1]
            if flight is None or (fresh and flight.started < now):
                flight = self._flights[key] = _Flight(now)
                mine = True
            else:
                mine = False
        if not mine:
            return flight.wait()
        try:
            report = compute()
        except BaseException as error:
            flight.finish(error=error)
            raise
        finally:
            with self._lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]
        with self._lock:
            latest = self._entries.get(key)
            if latest is None or latest[0] <= flight.started:
                self._entries[key] = (flight.started, report)
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        flight.finish(report=report)
        return report


class _Flight:
    """One computation in progress, which other requests for the same report wait on."""

    def __init__(self, started: datetime):
        self.started = started
        self._done = threading.Event()
        self._report: Any = None
        self._error: BaseException | None = None

    def finish(self, *, report: Any = None, error: BaseException | None = None) -> None:
        self._report, self._error = report, error
        self._done.set()

    def wait(self) -> Any:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._report


class CoverageReports(DependencyProvider):
    """The ReportCache of one gateway container."""

    def setup(self):
        self.cache = ReportCache()

    def get_dependency(self, worker_ctx) -> ReportCache:
        return self.cache


def wants_fresh(call: Call) -> bool:
    """`Cache-Control: no-cache` (a browser's hard reload) asks for figures computed now."""
    return "no-cache" in call.request.headers.get("Cache-Control", "").lower()


@dataclass(frozen=True)
class CachedReport:
    data: dict
    json: bytes  # encoded once for every API request that gets this report


def cached(call: Call, query: CoverageQuery | None) -> CachedReport:
    """The report for the window and grouping asked for, from the gateway's cache."""
    start, end = window(call, query)
    grouping = query.grouping if query else None
    max_age = timedelta(seconds=call.settings.coverage_max_age_seconds)
    return call.service.reports.get((start, end, grouping), call.now, max_age,
                                    lambda: compute(call, start, end, grouping), fresh=wants_fresh(call))


def report(call: Call, query: CoverageQuery | None = None) -> dict:
    return cached(call, query).data


def compute(call: Call, start: date, end: date, grouping: str | None) -> CachedReport:
    """The three aggregates and the overdue requests, asked for at once, merged."""
    # The window includes its last day.
    start_at = datetime.combine(start, time(), tzinfo=timezone.utc).isoformat()
    end_at = datetime.combine(end + timedelta(days=1), time(), tzinfo=timezone.utc).isoformat()
    leaders, mentoring, screenings, overdue = call.rpc_many(
        ("leaders", "coverage_leaders", (), {"grouping": grouping}),
        ("leaders", "coverage_mentorship", (), {"grouping": grouping, "window_start": start_at, "window_end": end_at}),
        ("screenings", "coverage_screenings", (start_at, end_at), {"grouping": grouping}),
        ("leaders", "list_requests", (), {"overdue": True, "grouping": grouping, "limit": OVERDUE_LISTED}),
    )
    data = coverage.merge(leaders, mentoring, screenings, overdue.get("requests", []),
                          window_start=start.isoformat(), window_end=end.isoformat())
    return CachedReport(data, json.dumps(data, default=str).encode())


@route("GET", "/api/coverage", access=MANAGER, tag=TAG, query=CoverageQuery, response={
    "type": "object", "required": ["regions", "gaps", "summary"],
    "properties": {"regions": {"type": "array"}, "gaps": {"type": "object"}, "summary": {"type": "object"}}},
    summary="Regional coverage with red/amber/green status and the gaps",
    description="Per region and state for the window (dates, inclusive; default 90 days either side of "
                "today): active leaders against target, leaders with spare mentoring capacity, screenings "
                "held and upcoming, attendance, reports filed, open, unassigned and overdue mentorship "
                "requests, median hours to acceptance, and a status with its reasons. Red: no active "
                "leader, below half the target, or overdue mentorships. Amber: below target, no screening "
                "in the window, or requests waiting with no leader. Green otherwise. Reports are computed "
                "at most every GATEWAY.coverage_max_age_seconds (default 30) per window and grouping; "
                "`as_of` says when. Send `Cache-Control: no-cache` for figures computed now.")
def coverage_report(call: Call):
    return Reply(cached(call, call.query).json)


@route("GET", "/api/coverage.csv", access=MANAGER, tag=TAG, query=CoverageQuery, content_type="text/csv",
       summary="Regional coverage as CSV (one row per region and per state)")
def coverage_csv(call: Call):
    data = report(call, call.query)
    name = f"coverage-{data['window_start']}-{data['window_end']}.csv"
    return Reply(coverage.to_csv(data), content_type="text/csv",
                 headers={"Content-Disposition": f'attachment; filename="{name}"'})
