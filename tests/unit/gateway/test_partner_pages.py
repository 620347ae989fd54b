"""The managers' partners page groups each partner under the region its state is in,
regions in the grouping's order, with a group for states no region holds."""
from __future__ import annotations

from services.gateway.pages.manager_partners import by_region

REGIONS = [{"id": "region-4", "name": "Region 4 (Atlanta)", "states": [{"code": "GA", "name": "Georgia"}]},
           {"id": "region-5", "name": "Region 5 (Chicago)", "states": [{"code": "IL", "name": "Illinois"},
                                                                      {"code": "OH", "name": "Ohio"}]}]


def partner(name: str, state: str) -> dict:
    return {"id": hash(name) % 1000, "name": name, "state": state}


def test_partners_are_grouped_by_the_region_of_their_state():
    groups = by_region([partner("A", "IL"), partner("B", "GA"), partner("C", "OH"), partner("D", "GU")], REGIONS)
    assert [(g["name"], [p["name"] for p in g["partners"]]) for g in groups] == [
        ("Region 4 (Atlanta)", ["B"]), ("Region 5 (Chicago)", ["A", "C"]), ("Outside every region", ["D"])]
    assert by_region([], REGIONS) == []
