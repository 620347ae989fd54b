"""The coverage page's monthly trends: month windows, series per region, bar geometry."""
from __future__ import annotations

from datetime import date

from services.gateway import coverage_trends as trends


def test_the_last_months_run_across_a_new_year_and_end_with_this_one():
    windows = trends.months(date(2026, 2, 17), count=3)
    assert windows == [(date(2025, 12, 1), date(2026, 1, 1)), (date(2026, 1, 1), date(2026, 2, 1)),
                       (date(2026, 2, 1), date(2026, 3, 1))]
    assert trends.window_bounds(*windows[0]) == ("2025-12-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00")


def test_each_region_gets_its_own_figures_month_by_month_and_zero_where_a_service_has_none():
    regions = [{"id": "west", "name": "West"}, {"id": "east", "name": "East"}]
    screenings = [{"regions": [{"region": "west", "held": 2, "attendance": 40}]},
                  {"regions": [{"region": "east", "held": 1, "attendance": 9}, {"region": "west", "held": 0}]}]
    mentoring = [{"regions": [{"id": "east", "requests": 3, "offers": 5}]}, {"regions": []}]
    west, east = trends.series(regions, screenings, mentoring)
    assert (west["name"], west["values"]) == ("West", {"screenings": [2, 0], "attendance": [40, 0], "requests": [0, 0]})
    assert east["values"] == {"screenings": [0, 1], "attendance": [0, 9], "requests": [3, 0]}


def test_bars_scale_to_the_largest_value_and_stand_on_one_base():
    placed = trends.bars([0, 5, 10], ["Jan", "Feb", "Mar"])
    assert [b["value"] for b in placed] == [0, 5, 10]
    assert placed[0]["height"] == 0 and placed[2]["height"] == 2 * placed[1]["height"]
    assert len({b["y"] + b["height"] for b in placed}) == 1 and len({b["base"] for b in placed}) == 1
    assert placed[-1]["x"] + placed[-1]["width"] <= trends.CHART_WIDTH
    assert all(b["height"] == 0 for b in trends.bars([0, 0], ["Jan", "Feb"]))
    assert trends.bars([], []) == []
