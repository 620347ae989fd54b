"""Monthly trends of regional coverage for the coverage page: the last months as windows,
the services' per-window figures turned into one series per region, and the geometry of a
small bar chart drawn as SVG by the server. Plain Python, no I/O."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any, Iterable

MONTHS_SHOWN = 6
METRICS = (("screenings", "Screenings held"), ("attendance", "Attendance"),
           ("requests", "Mentorship requests"))
CHART_WIDTH, CHART_HEIGHT, BAR_GAP, TOP = 300, 90, 8, 16


def months(today: date, count: int = MONTHS_SHOWN) -> list[tuple[date, date]]:
    """The first day of each of the last `count` calendar months (this one last) and the
    first day of the month after it."""
    starts = []
    year, month = today.year, today.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    starts.reverse()
    return [(start, date(start.year + (start.month == 12), start.month % 12 + 1, 1)) for start in starts]


def window_bounds(start: date, end: date) -> tuple[str, str]:
    return (datetime.combine(start, time(), tzinfo=timezone.utc).isoformat(),
            datetime.combine(end, time(), tzinfo=timezone.utc).isoformat())


def series(regions: Iterable[dict[str, Any]], screenings: list[dict], mentoring: list[dict]) -> list[dict[str, Any]]:
    """One entry per region (in the report's order) with each metric's monthly values;
    `screenings` and `mentoring` are the services' coverage answers, one per month."""
    out = []
    for region in regions:
        rid = region["id"]
        per_month_screenings = [{r["region"]: r for r in answer.get("regions", [])}.get(rid, {}) for answer in screenings]
        per_month_mentoring = [{r["id"]: r for r in answer.get("regions", [])}.get(rid, {}) for answer in mentoring]
        out.append({"id": rid, "name": region["name"], "values": {
            "screenings": [int(s.get("held") or 0) for s in per_month_screenings],
            "attendance": [int(s.get("attendance") or 0) for s in per_month_screenings],
            "requests": [int(m.get("requests") or 0) for m in per_month_mentoring],
        }})
    return out


def bars(values: list[int], labels: list[str]) -> list[dict[str, Any]]:
    """Each bar's place and height in a CHART_WIDTH x CHART_HEIGHT drawing (labels under
    the bars, values above them), scaled to the largest value."""
    if not values:
        return []
    largest = max(values) or 1
    width = (CHART_WIDTH - BAR_GAP * (len(values) - 1)) / len(values)
    plot = CHART_HEIGHT - TOP - 16
    placed = []
    for index, (value, label) in enumerate(zip(values, labels)):
        height = round(plot * value / largest, 1)
        x = round(index * (width + BAR_GAP), 1)
        placed.append({"x": x, "y": round(TOP + plot - height, 1), "width": round(width, 1), "height": height,
                       "value": value, "label": label, "middle": round(x + width / 2, 1),
                       "base": TOP + plot})
    return placed
