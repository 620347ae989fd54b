"""Rolling attendees' ratings up: how many, the average and how many gave each rating,
for one screening or a group of them (a region, a film)."""
from __future__ import annotations

from typing import Iterable, Mapping

RATINGS = (1, 2, 3, 4, 5)


def roll_up(counts: Mapping[int, int]) -> dict:
    """From how many gave each rating (1 to 5) to the count, the average (one decimal,
    None without any rating) and the distribution keyed "1" to "5"."""
    distribution = {str(r): int(counts.get(r, 0)) for r in RATINGS}
    total = sum(distribution.values())
    average = round(sum(r * distribution[str(r)] for r in RATINGS) / total, 1) if total else None
    return {"count": total, "average": average, "distribution": distribution}


def merged(groups: Iterable[Mapping[int, int]]) -> dict[int, int]:
    total: dict[int, int] = {}
    for counts in groups:
        for rating, n in counts.items():
            total[rating] = total.get(rating, 0) + n
    return total


def region_label(region: str) -> str:
    """A region id as people read it ("region-5" -> "Region 5", "great-lakes" -> "Great Lakes")."""
    return region.replace("-", " ").replace("_", " ").strip().title() or "No region"
