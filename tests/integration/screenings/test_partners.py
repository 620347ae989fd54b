"""Partners and feedback roll-ups through the running screenings service: names on
screenings and reports linked to records, coverage counting them per region, managers'
and leaders' changes, and ratings rolled up per screening, region and film."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from nameko.exceptions import RemoteError

from services.runtime import clock
from tests.integration.kit.helpers import wait_for

from .conftest import MANAGER, details

HOST = {"role": "leader", "leader_id": 1}
CA_HOST = {"role": "leader", "leader_id": 2}
FRESNO = {"name": "City Hall", "address": "1 Main St", "city": "Fresno", "state": "CA"}


def test_partners_are_linked_counted_per_region_and_kept_by_managers(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        harness.add_leader(client, 2, trusted_host=True, region="region-9", state="CA")
        school = client.screenings.add_partner(MANAGER, {
            "name": "Fresno Unified", "kind": "school", "city": "Fresno", "state": "CA", "postal_code": "93721",
            "website": "https://fresno.example.org", "contact_role": "Superintendent"})
        il = client.screenings.register_screening(HOST, 1, details(days=2, partners=[
            "Springfield Interfaith Council", "Lanphier High School"]))
        # Two spellings of one new name on one event: one record (the second insert meets the first).
        client.screenings.register_screening(HOST, 1, details(days=3, partners=[
            "springfield interfaith council", "Springfield Youth League", "springfield youth league"]))
        ca = client.screenings.register_screening(CA_HOST, 2, details(days=2, venue=FRESNO,
                                                                      partners=["FRESNO UNIFIED"]))
        assert [p["id"] for p in client.screenings.screening_partners(ca["id"])] == [school["id"]]
        named = client.screenings.screening_partners(il["id"])
        assert [(p["name"], p["kind"], p["state"], p["to_complete"]) for p in named] == [
            ("Lanphier High School", "other", "IL", True), ("Springfield Interfaith Council", "other", "IL", True)]

        clock.advance(datetime.fromisoformat(ca["end_utc"]) + timedelta(hours=1) - clock.now())
        wait_for(lambda: client.screenings.get_screening(ca["id"])["status"] == "completed")
        client.screenings.file_report(CA_HOST, ca["id"], {
            "head_count": 40, "audiences": ["students"], "partners": ["Fresno Unified", "Sikh Council of Fresno"]})
        now = clock.now()
        coverage = client.screenings.coverage_screenings((now - timedelta(days=30)).isoformat(),
                                                         (now + timedelta(days=30)).isoformat())

        found = client.screenings.search_partners({"states": ["CA"]})
        assert [p["name"] for p in found["items"]] == ["Fresno Unified", "Sikh Council of Fresno"]
        completed = client.screenings.edit_partner(MANAGER, named[0]["id"], {"kind": "school",
                                                                             "postal_code": "62703"})
        assert (completed["kind"], completed["to_complete"]) == ("school", False)
        leader_added = client.screenings.add_partner(HOST, {"name": "Springfield NAACP", "kind": "community_group",
                                                            "city": "Springfield", "state": "IL"})
        assert client.screenings.search_partners({"state": "IL", "kind": "community_group"})["items"] == [
            leader_added]
        with pytest.raises(RemoteError) as refused:
            client.screenings.edit_partner(HOST, named[0]["id"], {"city": "Chatham"})
        assert refused.value.exc_type == "Forbidden"
        with pytest.raises(RemoteError) as refused:
            client.screenings.add_partner(MANAGER, {"name": "fresno unified", "kind": "school", "city": "Fresno",
                                                    "state": "CA"})
        assert refused.value.exc_type == "Conflict"
        with pytest.raises(RemoteError) as refused:
            client.screenings.add_partner(MANAGER, {"name": "X", "kind": "school", "city": "Y", "state": "CA",
                                                    "contact_role": "someone@example.org"})
        assert refused.value.exc_type == "ValidationFailed" and "contact_role" in refused.value.value

    regions = {r["region"]: r for r in coverage["regions"]}
    assert regions["region-9"]["partners"] == 2 and regions["region-5"]["partners"] == 3
    assert [s["partners"] for s in regions["region-9"]["states"]] == [2]
    assert harness.scalar("SELECT count(*) FROM partners") == 6


def test_feedback_rolls_up_per_screening_region_and_film(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        harness.add_leader(client, 2, trusted_host=True, region="region-9", state="CA")
        il = client.screenings.register_screening(HOST, 1, details(days=1, hour=10))
        ca = client.screenings.register_screening(CA_HOST, 2, details(days=1, hour=10, venue=FRESNO,
                                                                      film="light-in-the-darkness"))
        seats = {}
        for view, people in ((il, ("Ana", "Ben")), (ca, ("Cy",))):
            for name in people:
                seats[name] = client.screenings.rsvp(view["id"], name, f"{name.lower()}@example.org")
        asked = harness.wait_for_mail("rsvp_confirmed", 3)
        tokens = {m["rsvp_id"]: m["cancel_path"].split("token=")[1] for m in asked}
        window = ((clock.now() - timedelta(days=1)).isoformat(), (clock.now() + timedelta(days=5)).isoformat())
        clock.advance(max(datetime.fromisoformat(v["end_utc"]) for v in (il, ca)) + timedelta(hours=1) - clock.now())
        for view in (il, ca):
            wait_for(lambda v=view: client.screenings.get_screening(v["id"])["status"] == "completed")
        for name, rating, comment in (("Ana", 5, "Moving."), ("Ben", 4, ""), ("Cy", 2, "Too short.")):
            rsvp_id = seats[name]["rsvp_id"]
            client.screenings.give_feedback(rsvp_id, tokens[rsvp_id], rating, comment)

        mine = client.screenings.screening_feedback(HOST, il["id"])
        with pytest.raises(RemoteError) as refused:
            client.screenings.screening_feedback(CA_HOST, il["id"])
        assert refused.value.exc_type == "Forbidden"
        summary = client.screenings.feedback_summary(MANAGER, *window)
        with pytest.raises(RemoteError) as refused:
            client.screenings.feedback_summary(HOST, *window)
        assert refused.value.exc_type == "Forbidden"
        only_ca = client.screenings.feedback_summary(MANAGER, *window, region="region-9")

    assert (mine["count"], mine["average"], mine["distribution"]["5"]) == (2, 4.5, 1)
    assert [c["comment"] for c in mine["comments"]] == ["Moving."]  # an empty comment is not listed
    assert (summary["overall"]["count"], summary["overall"]["average"]) == (3, 3.7)
    assert [(r["key"], r["average"]) for r in summary["by_region"]] == [("region-5", 4.5), ("region-9", 2.0)]
    assert [f["key"] for f in summary["by_film"]] == ["waking-in-oak-creek", "light-in-the-darkness"]
    assert {c["comment"] for c in summary["latest_comments"]} == {"Moving.", "Too short."}
    assert only_ca["overall"]["count"] == 1 and [r["key"] for r in only_ca["by_region"]] == ["region-9"]
