"""The managers' daily summary as the gateway sorts what the services answered."""
from __future__ import annotations

from datetime import datetime, timezone

from services.contracts import rpc as rpc_contracts
from services.gateway.summary import sort_items

SINCE = datetime(2026, 7, 6, 11, tzinfo=timezone.utc)


def application(name: str, submitted_at: str) -> dict:
    return {"id": len(name), "name": name, "submitted_at": submitted_at}


def test_new_applications_are_apart_from_older_ones_and_only_waiting_urgent_requests_count():
    items = sort_items(
        [application("New", "2026-07-06T20:00:00+00:00"), application("Old", "2026-06-30T09:00:00+00:00"),
         application("On the hour", "2026-07-06T11:00:00+00:00")],
        [{"id": 17}], [{"id": 1, "state": "waiting"}, {"id": 2, "state": "offered"}], [], since=SINCE)
    assert [a["name"] for a in items["applications"]] == ["New", "On the hour"]
    assert [a["name"] for a in items["waiting_applications"]] == ["Old"]
    assert items["urgent"] == [{"id": 1, "state": "waiting"}] and items["unassigned"] == [{"id": 17}]
    rpc_contracts.bind("mailer", "send_managers_summary", (), {"day": "2026-07-07", "items": items},
                       check_types=True)
