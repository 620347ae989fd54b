"""The coverage dashboard: a map of the states coloured by status, the table by region,
monthly trends per region, the gaps and the CSV export. A bad window comes back as the
form with its message."""
from __future__ import annotations

from urllib.parse import urlencode

from services.gateway import coverage_trends as trends
from services.gateway import state_map
from services.gateway.api import coverage as coverage_api
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import MANAGER

from . import forms
from .manager_refusals import form_again
from .render import HTML, TAG, page

route = ROUTES.route
WINDOW_LABELS = {"window_start": "From", "window_end": "To"}
STATUS_WORDS = {"red": "Red: needs action", "amber": "Amber: below target or quiet", "green": "Green: covered"}


def state_tiles(report: dict) -> list[dict]:
    known = set(state_map.TILES)
    return state_map.tiles(
        {"code": s["code"], "name": s["name"], "level": s["status"],
         "label": STATUS_WORDS[s["status"]].split(":")[0] + (f" ({'; '.join(s['reasons'])})" if s["reasons"] else "")}
        for region in report["regions"] for s in region["states"] if s["code"] in known)


def monthly(call: Call, report: dict) -> tuple[list[str], list[dict]]:
    windows = trends.months(call.now.date())
    calls = []
    for start, end in windows:
        start_at, end_at = trends.window_bounds(start, end)
        calls.append(("screenings", "coverage_screenings", (start_at, end_at), {}))
        calls.append(("leaders", "coverage_mentorship", (), {"window_start": start_at, "window_end": end_at}))
    answers = call.rpc_many(*calls)
    labels = [f"{start:%b %Y}" for start, _ in windows]
    regions = trends.series(report["regions"], answers[0::2], answers[1::2])
    for region in regions:
        region["charts"] = {metric: trends.bars(region["values"][metric], labels) for metric, _ in trends.METRICS}
    return labels, regions


def coverage_form(call: Call, form: forms.FormState, query: coverage_api.CoverageQuery | None, status: int = 200) -> Reply:
    report = coverage_api.report(call, query)
    labels, regions = monthly(call, report)
    csv_link = "/api/coverage.csv?" + urlencode({"window_start": report["window_start"], "window_end": report["window_end"]})
    return page(call, "manage_coverage.html", status=status, title="Coverage", report=report, form=form,
                tiles=state_tiles(report), map_width=state_map.WIDTH, map_height=state_map.HEIGHT,
                legend=[(level, text) for level, text in STATUS_WORDS.items()], months=labels, trends=regions,
                metrics=trends.METRICS, chart_width=trends.CHART_WIDTH, chart_height=trends.CHART_HEIGHT,
                csv_link=csv_link)


def readable(message: str) -> str:
    """A window problem as the form says it."""
    if "before" in message:
        return "The To date must not be before the From date."
    if "at most" in message:
        return "The window is at most three years; pick a shorter one."
    return "Give a date, for example 2026-05-01."


@form_again("Coverage not shown")
def window_invalid(call: Call, exc: ApiError) -> Reply:
    form = forms.empty(WINDOW_LABELS, {key: call.request.args.get(key, "") for key in WINDOW_LABELS})
    for problem in exc.errors or [{"field": exc.field, "message": exc.message}]:
        name = (problem.get("field") or "").split(".")[-1]
        if name in WINDOW_LABELS:
            form.errors.setdefault(name, readable(problem.get("message") or ""))
        else:
            form.message = "Only a From and a To date can be chosen here."
    return coverage_form(call, form, None, status=422)


@route("GET", "/manage/coverage", access=MANAGER, tag=TAG, content_type=HTML, query=coverage_api.CoverageQuery,
       invalid=window_invalid, summary="Page: the regional coverage dashboard: map, table, monthly trends, gaps")
def coverage_page(call: Call):
    report_window = {"window_start": call.query.window_start, "window_end": call.query.window_end}
    form = forms.empty(WINDOW_LABELS, {k: v.isoformat() for k, v in report_window.items() if v})
    return coverage_form(call, form, call.query)
