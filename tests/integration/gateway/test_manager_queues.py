"""The program manager's queues and the routes their pages use, through the gateway on the
real broker: the counts, held events with no report, and the delivery log by id."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from services.runtime.db import make_engine
from tests.integration.kit.helpers import wait_for

from .conftest import APPLICATION, wait_until_mail_settles
from .test_api import register_when_projected

QUEUES = {"applications", "screenings_awaiting_approval", "requests_without_leader", "overdue_reports",
          "materials_to_send", "dead_letters", "failed_deliveries"}


def test_queues_count_what_waits(full_stack):
    manager = full_stack.manager
    before = manager.get("/api/manage/queues")
    assert before.status_code == 200, before.text
    assert set(before.json()) == QUEUES and all(isinstance(n, int) for n in before.json().values())
    assert full_stack.clients["a"].get("/api/manage/queues").status_code == 403

    public = full_stack.browser(full_stack.base_url)
    assert public.post("/api/applications", json={**APPLICATION, "name": "Drew Dale",
                                                  "email": "drew@pd.example.gov"}).status_code == 202
    register_when_projected(full_stack.clients["a"], full_stack.leader_ids["a"])
    after = manager.get("/api/manage/queues").json()
    assert after["applications"] == before.json()["applications"] + 1
    assert after["screenings_awaiting_approval"] == before.json()["screenings_awaiting_approval"] + 1


def test_held_events_without_a_report_are_found(stack):
    leader = stack.clients["a"]
    held = register_when_projected(leader, stack.leader_ids["a"])
    upcoming = register_when_projected(stack.clients["b"], stack.leader_ids["b"])
    for screening in (held, upcoming):
        assert stack.manager.post(f"/api/screenings/{screening['id']}/approve").status_code == 200
    # The first event took place three days ago (moved back in its own table: no route moves an event into the past).
    engine = make_engine(stack.config["DB_URIS"]["screenings"])
    past = datetime.now(timezone.utc) - timedelta(days=3)

    def move_back() -> bool:
        try:
            with engine.begin() as connection:
                connection.execute(sa.text("UPDATE screenings SET start_at = :start, end_at = :end WHERE id = :id"),
                                   {"start": past, "end": past + timedelta(hours=2), "id": held["id"]})
        except OperationalError:  # SQLite: the service is writing; try again
            return False
        return True

    wait_for(move_back, timeout=20, interval=0.2)
    engine.dispose()

    cutoff = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    found = stack.manager.get("/api/manage/screenings", params={"report_missing": "true", "ends_before": cutoff})
    assert found.status_code == 200, found.text
    assert [s["id"] for s in found.json()["items"]] == [held["id"]]
    everything = stack.manager.get("/api/manage/screenings", params={"report_missing": "false"}).json()
    assert {held["id"], upcoming["id"]} <= {s["id"] for s in everything["items"]}
    naive = stack.manager.get("/api/manage/screenings", params={"ends_before": "2026-01-01T00:00:00"})
    assert naive.status_code == 422


def test_one_delivery_by_its_id_and_resent(full_stack):
    wait_until_mail_settles(full_stack.config)
    log = full_stack.manager.get("/api/deliveries").json()
    assert log, "approving the leaders sent mail"
    first = log[0]
    one = full_stack.manager.get(f"/api/deliveries/{first['id']}")
    assert one.status_code == 200, one.text
    assert one.json()["id"] == first["id"] and one.json()["recipient"] == first["recipient"]
    resent = full_stack.manager.post(f"/api/deliveries/{first['id']}/resend")
    assert resent.status_code == 200, resent.text
    assert resent.json()["recipient"] == first["recipient"]
    assert full_stack.manager.get("/api/deliveries/999999").status_code == 404
    assert full_stack.manager.get("/api/deliveries/not-a-number").status_code == 404


ROSTER_HEADER = "name,agency,title,email,phone,state,expertise,bio,max_mentees,availability,away_until,trusted_host,status"


def test_a_roster_import_is_checked_first_then_imported_and_found_by_name(stack):
    csv_text = "\r\n".join([ROSTER_HEADER, "Kim Parkhurst,Seattle PD,Officer,kim@spd.example.gov,,WA,,,,,,,",
                            "Lee Wongsam,Portland PB,Sergeant,lee@ppb.example.gov,,Atlantis,,,,,,,"]) + "\r\n"
    preview = stack.manager.post("/api/roster/import", json={"csv": csv_text, "dry_run": True})
    assert preview.status_code == 200, preview.text
    assert preview.json()["accepted_rows"] == [2] and preview.json()["leader_ids"] == []
    assert [(r["row"], [e["field"] for e in r["errors"]]) for r in preview.json()["rejected"]] == [(3, ["state"])]
    assert stack.manager.get("/api/roster", params={"name": "parkhurst"}).json()["total"] == 0

    imported = stack.manager.post("/api/roster/import", json={"csv": csv_text.replace("Atlantis", "OR")})
    assert imported.status_code == 200 and len(imported.json()["leader_ids"]) == 2
    found = stack.manager.get("/api/roster", params={"name": "PARKH"}).json()
    assert [leader["name"] for leader in found["leaders"]] == ["Kim Parkhurst"]
    assert stack.manager.get("/api/roster", params={"name": "x" * 65}).status_code == 422
    assert stack.clients["a"].post("/api/roster/import", json={"csv": csv_text, "dry_run": True}).status_code == 403
