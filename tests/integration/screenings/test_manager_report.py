"""A program manager may file the post-event report for the host (the route allows
managers; the service used to refuse them with 403)."""
from __future__ import annotations

from datetime import datetime, timedelta

from services.runtime import clock

from .conftest import MANAGER, details


def test_a_program_manager_files_the_report_for_the_host(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        view = client.screenings.register_screening({"role": "leader", "leader_id": 1}, 1, details(days=1, hour=10))
        clock.advance(datetime.fromisoformat(view["end_utc"]) + timedelta(hours=1) - clock.now())
        filed = client.screenings.file_report(MANAGER, view["id"], {"head_count": 9, "audiences": ["students"]})
        assert filed["head_count"] == 9
        [mail] = harness.wait_for_mail("screening_report_filed", 1)
    assert mail["filed_by"]["name"].startswith("A program manager, for ")
    assert harness.scalar("SELECT filed_by FROM reports") == 1
