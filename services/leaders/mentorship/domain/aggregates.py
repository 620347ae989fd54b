"""Aggregates for coverage, in plain Python: the reference the SQL versions are tested against."""
from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import datetime, timedelta

from .deadlines import require_aware

OfferRecord = tuple[datetime, datetime, "datetime | None"]  # (offered_at, deadline, accepted_at)


def median_time_to_acceptance(records: Iterable[OfferRecord]) -> timedelta | None:
    """Median time from offer to acceptance over accepted offers; None when there are none."""
    waits = [accepted_at - offered_at for offered_at, _deadline, accepted_at in records if accepted_at is not None]
    return statistics.median(waits) if waits else None


def share_answered_within_deadline(records: Iterable[OfferRecord], *, now: datetime) -> float | None:
    """Share of decided offers that were accepted by their deadline.

    An offer still inside its deadline and not yet accepted is undecided and left out;
    None when no offer is decided.
    """
    require_aware(now, "now")
    decided = on_time = 0
    for _offered_at, deadline, accepted_at in records:
        if accepted_at is None and now < deadline:
            continue
        decided += 1
        if accepted_at is not None and accepted_at <= deadline:
            on_time += 1
    return on_time / decided if decided else None
