"""Regional coverage: the figures of the leaders and screenings services merged per region
and per state, a red/amber/green status with its reasons, the gaps, and the CSV form.

Plain Python with no I/O: the gateway fetches the three aggregates over RPC (each computed
in SQL by its service) and hands them here.

Status rules (the first matching colour wins; every matching reason is listed):

- red:   no active leader; fewer active leaders than half the region's target;
         mentorships past their agreed length (overdue).
- amber: fewer active leaders than the target; no screening held or upcoming in the
         window; confirmed requests waiting with no leader left to offer them to.
- green: none of the above.

States have no target of their own, so only the other rules apply to them.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Iterable

RED, AMBER, GREEN = "red", "amber", "green"

FIGURES = ("active_leaders", "leaders_with_capacity", "screenings_held", "screenings_upcoming", "attendance",
           "reports_filed", "partners", "open_requests", "unassigned_requests", "overdue_requests")


@dataclass(frozen=True)
class Figures:
    active_leaders: int
    leaders_with_capacity: int
    screenings_held: int
    screenings_upcoming: int
    attendance: int
    reports_filed: int
    open_requests: int
    unassigned_requests: int
    overdue_requests: int
    median_hours_to_acceptance: float | None
    target: int | None = None
    partners: int = 0  # distinct partners the window's events were held with


def status(figures: Figures) -> tuple[str, list[str]]:
    """(colour, reasons) by the rules in the module docstring."""
    red: list[str] = []
    amber: list[str] = []
    target = figures.target
    if figures.active_leaders == 0:
        red.append("no active leader")
    elif target and figures.active_leaders * 2 < target:
        red.append(f"{figures.active_leaders} active leaders, below half the target of {target}")
    elif target and figures.active_leaders < target:
        amber.append(f"{figures.active_leaders} active leaders, below the target of {target}")
    if figures.overdue_requests:
        red.append(f"{_count(figures.overdue_requests, 'mentorship')} past the agreed length")
    if figures.screenings_held + figures.screenings_upcoming == 0:
        amber.append("no screening held or upcoming in the window")
    if figures.unassigned_requests:
        amber.append(f"{_count(figures.unassigned_requests, 'request')} waiting with no leader")
    if red:
        return RED, red + amber
    if amber:
        return AMBER, amber
    return GREEN, []


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _hours(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


def _figures(leaders: dict, screenings: dict, mentoring: dict, target: int | None) -> Figures:
    return Figures(
        active_leaders=int(leaders.get("active_leaders") or 0),
        leaders_with_capacity=int(leaders.get("leaders_with_capacity") or 0),
        screenings_held=int(screenings.get("held") or 0),
        screenings_upcoming=int(screenings.get("upcoming") or 0),
        attendance=int(screenings.get("attendance") or 0),
        reports_filed=int(screenings.get("reports_filed") or 0),
        open_requests=int(mentoring.get("open_requests") or 0),
        unassigned_requests=int(mentoring.get("unassigned_requests") or 0),
        overdue_requests=int(mentoring.get("overdue_mentorships") or 0),
        median_hours_to_acceptance=_hours(mentoring.get("median_seconds_to_acceptance")),
        target=target,
        partners=int(screenings.get("partners") or 0),
    )


def _row(figures: Figures, **identity: Any) -> dict[str, Any]:
    colour, reasons = status(figures)
    row = {**identity, **{name: getattr(figures, name) for name in FIGURES},
           "median_hours_to_acceptance": figures.median_hours_to_acceptance, "status": colour, "reasons": reasons}
    if figures.target is not None:
        row["target"] = figures.target
    return row


def merge(leaders: dict, mentoring: dict, screenings: dict, overdue: Iterable[dict], *,
          window_start: str, window_end: str) -> dict[str, Any]:
    """One report from leaders.coverage_leaders, leaders.coverage_mentorship,
    screenings.coverage_screenings and the overdue requests (leaders.list_requests).
    The leaders service's grouping decides the regions and their states."""
    screening_regions = {r["region"]: r for r in screenings.get("regions", [])}
    screening_states = {s["state"]: s for r in screenings.get("regions", []) for s in r.get("states", [])}
    mentoring_regions = {r["id"]: r for r in mentoring.get("regions", [])}
    mentoring_states = {s["code"]: s for r in mentoring.get("regions", []) for s in r.get("states", [])}
    regions = []
    for region in leaders.get("regions", []):
        states = [
            _row(_figures(state, screening_states.get(state["code"], {}), mentoring_states.get(state["code"], {}), None),
                 code=state["code"], name=state["name"])
            for state in region.get("states", [])
        ]
        figures = _figures(region, screening_regions.get(region["id"], {}), mentoring_regions.get(region["id"], {}),
                           int(region.get("target") or 0))
        regions.append({**_row(figures, id=region["id"], name=region["name"]), "states": states})
    all_states = [s for r in regions for s in r["states"]]
    summary = {colour: sum(1 for r in regions if r["status"] == colour) for colour in (RED, AMBER, GREEN)}
    return {
        "window_start": window_start, "window_end": window_end, "grouping": leaders.get("grouping"),
        "as_of": mentoring.get("as_of"), "roster_target": leaders.get("roster_target"),
        "active_leaders": leaders.get("active_leaders"), "summary": summary,
        "median_hours_to_acceptance": _hours((mentoring.get("national") or {}).get("median_seconds_to_acceptance")),
        "regions": regions,
        "gaps": {
            "states_without_leaders": [s["code"] for s in all_states if s["active_leaders"] == 0],
            "states_without_screenings": [s["code"] for s in all_states
                                          if s["screenings_held"] + s["screenings_upcoming"] == 0],
            "requests_past_deadline": [
                {"id": r["id"], "state": r.get("state"), "requester_state": r.get("requester_state"),
                 "region": r.get("region"), "due_at": r.get("due_at"),
                 "leader": (r.get("leader") or {}).get("name") if isinstance(r.get("leader"), dict) else r.get("leader")}
                for r in overdue
            ],
        },
    }


CSV_COLUMNS = ("level", "region", "state", "name", "status", "reasons", "target") + FIGURES + (
    "median_hours_to_acceptance",)


def csv_safe(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection guard)."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for region in report["regions"]:
        rows = [("region", region["id"], "", region)] + [("state", region["id"], s["code"], s) for s in region["states"]]
        for level, region_id, code, row in rows:
            writer.writerow([csv_safe(v) for v in (
                level, region_id, code, row["name"], row["status"], "; ".join(row["reasons"]), row.get("target", ""),
                *(row[f] for f in FIGURES), row["median_hours_to_acceptance"])])
    return out.getvalue()
