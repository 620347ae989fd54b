"""Every RPC method of the leaders service, called through the running service on the real broker."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from nameko.rpc import Rpc

from services.leaders.domain.learning import answer_key
from services.leaders.domain.roster_csv import ROSTER_COLUMNS
from services.leaders.service import LeadersService, MentorshipEntrypoints
from services.runtime import clock
from services.runtime.errors import Conflict, NotFound

from .conftest import application, count


def rpc_method_names() -> set[str]:
    return {
        name for name in dir(LeadersService)
        if any(isinstance(e, Rpc) for e in getattr(getattr(LeadersService, name), "nameko_entrypoints", ()))
    }


@pytest.fixture
def service(leaders):
    return leaders


def roster_csv(*rows: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ROSTER_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in ROSTER_COLUMNS})
    return out.getvalue()


def csv_leader(n: int, **overrides) -> dict:
    return {"name": f"Officer {n}", "agency": f"Agency {n}", "title": "Sergeant",
            "email": f"officer{n}@agency.gov", "state": "OH", **overrides}


def test_applications_from_submission_to_decision(service):
    maria = service.submit_application(application())["application"]
    sam = service.submit_application(application(name="Sam Reed", email="sam@metropd.org", state="Georgia"))["application"]
    ana = service.submit_application(application(name="Ana Ruiz", email="ana@bpd.gov", state="TX"))["application"]
    assert maria["status"] == "pending" and sam["state"] == "GA" and maria["phone"] == "+14145550134"

    assert service.get_application(sam["id"])["name"] == "Sam Reed"
    listed = service.list_applications(status="pending")
    assert listed["total"] == 3 and [a["id"] for a in listed["applications"]] == [maria["id"], sam["id"], ana["id"]]
    assert service.list_applications(status="pending", page=2, limit=2)["applications"][0]["id"] == ana["id"]

    waitlisted = service.waitlist_application(sam["id"], actor={"role": "manager", "account_id": 7})
    assert waitlisted["status"] == "waitlisted" and waitlisted["waitlisted_at"]
    declined = service.decline_application(ana["id"])
    assert declined["status"] == "declined" and declined["decline_reason"] is None

    approved = service.approve_application(maria["id"], actor={"role": "manager", "account_id": 7})
    assert approved["application"]["status"] == "approved"
    assert approved["application"]["decided_by"] == "manager:7" == waitlisted["decided_by"]
    leader = approved["leader"]
    assert approved["application"]["leader_id"] == leader["id"]
    assert (leader["name"], leader["email"], leader["state"], leader["region"], leader["status"]) == (
        "Maria Lopez", "maria.lopez@oakcreekpd.gov", "WI", "region-5", "active")
    # A waitlisted application can still be approved later.
    assert service.approve_application(sam["id"])["leader"]["region"] == "region-4"
    assert [a["status"] for a in service.list_applications()["applications"]] == ["approved", "approved", "declined"]

    # After a decline the same person may apply again; an open application or a leader files
    # nothing (the owner is mailed instead), with an answer that does not say which.
    assert service.submit_application(application(name="Ana Ruiz", email="ANA@bpd.gov", state="TX"))["application"]["id"]
    assert service.submit_application(application(email="Maria.Lopez@oakcreekpd.gov")) == {"application": None}
    assert service.submit_application(application(name="Ana Ruiz", email="ana@BPD.gov", state="TX")) == {
        "application": None}
    assert service.list_applications()["total"] == 4


def test_roster_target_needs_confirmation_to_go_past(service):
    service.set_roster_target(1)
    assert service.program_settings()["roster_target"] == 1
    first = service.submit_application(application())["application"]
    second = service.submit_application(application(name="Sam Reed", email="sam@metropd.org"))["application"]
    service.approve_application(first["id"])
    with pytest.raises(Conflict) as refused:
        service.approve_application(second["id"])
    assert refused.value.field == "confirm_over_target"
    assert service.approve_application(second["id"], confirm_over_target=True)["leader"]["status"] == "active"
    assert service.program_settings()["active_leaders"] == 2


def test_leader_profile_availability_and_status(service):
    leader_id = service.approve_application(service.submit_application(application())["application"]["id"])["leader"]["id"]

    updated = service.update_leader(leader_id, {
        "expertise": ["community-policing", "Faith communities"], "bio": "Led the Oak Creek response.",
        "max_mentees": 4, "trusted_host": True,
    })
    assert [e["slug"] for e in updated["expertise"]] == ["community-policing", "faith-communities"]
    assert updated["version"] == 2 and updated["max_mentees"] == 4 and updated["trusted_host"] is True
    # The same values again change nothing.
    assert service.update_leader(leader_id, {"max_mentees": 4})["version"] == 2

    back_on = (clock.now() + timedelta(days=10)).date().isoformat()
    away = service.set_availability(leader_id, back_on)
    assert away["availability"] == "away" and away["away_until"] == back_on
    assert service.set_availability(leader_id)["availability"] == "available"

    assert service.set_status(leader_id, "inactive")["status"] == "inactive"
    assert service.get_leader(leader_id)["status"] == "inactive"
    assert service.set_status(leader_id, "active")["status"] == "active"
    assert service.find_leader_by_email("MARIA.LOPEZ@oakcreekpd.gov")["id"] == leader_id
    assert service.find_leader_by_email("nobody@nowhere.org") is None


def test_public_directory_shows_active_leaders_without_contact_details(service):
    report = service.import_roster_csv(roster_csv(
        csv_leader(1, state="OH", expertise="school-safety;prosecution", phone="614-555-0100"),
        csv_leader(2, state="WI", expertise="school-safety"),
        csv_leader(3, state="TX", expertise="school-safety"),
        csv_leader(4, state="OH", status="alumni"),
    ))
    ids = report["leader_ids"]
    page = service.directory(expertise="school-safety")
    assert page["total"] == 3 and page["grouping"] == "federal"
    assert all("email" not in entry and "phone" not in entry for entry in page["leaders"])
    assert {e["state"] for e in service.directory(region="region-5")["leaders"]} == {"OH", "WI"}
    assert [e["id"] for e in service.directory(state="Ohio")["leaders"]] == [ids[0]]
    assert service.directory(region="region-5", expertise=["school-safety", "prosecution"])["total"] == 1
    assert service.directory(region="south", grouping="census_region")["leaders"][0]["state"] == "TX"
    assert [e["name"] for e in service.directory(limit=2, page=2)["leaders"]] == ["Officer 3"]

    assert service.public_leader(ids[0])["region_name"] == "Region 5 (Chicago)"
    with pytest.raises(NotFound):
        service.public_leader(ids[3])  # alumni are not in the directory

    everyone = service.roster()
    assert everyone["total"] == 4 and everyone["leaders"][0]["phone"] == "+16145550100"
    assert [r["status"] for r in service.roster(status="alumni")["leaders"]] == ["alumni"]
    assert {t["slug"] for t in service.expertise_tags()} >= {"school-safety", "lgbtq-liaison"}


def test_csv_import_stores_valid_rows_reports_the_rest_and_exports_again(service, leaders_db):
    service.import_roster_csv(roster_csv(csv_leader(1)))
    report = service.import_roster_csv(roster_csv(
        csv_leader(2, expertise="victim-services", max_mentees="5", trusted_host="yes"),
        csv_leader(3, state="Atlantis"),
        csv_leader(1, name="Officer One Again"),            # already on the roster
        csv_leader(4, email="not-an-address", max_mentees="-2"),
    ))
    assert report["total_rows"] == 4 and report["accepted"] == 1 and report["accepted_rows"] == [2]
    rejected = {r["row"]: {e["field"] for e in r["errors"]} for r in report["rejected"]}
    assert rejected == {3: {"state"}, 4: {"email"}, 5: {"email", "max_mentees"}}
    assert count(leaders_db, "SELECT count(*) FROM leaders") == 2

    exported = list(csv.DictReader(io.StringIO(service.export_roster_csv())))
    assert [r["email"] for r in exported] == ["officer1@agency.gov", "officer2@agency.gov"]
    assert exported[1]["expertise"] == "victim-services" and exported[1]["trusted_host"] == "yes"


def test_regions_grouping_targets_and_coverage(service):
    federal = service.regions()
    assert federal["grouping"] == "federal" and federal["current"] is True and len(federal["regions"]) == 10
    region_2 = next(r for r in federal["regions"] if r["id"] == "region-2")
    assert [s["code"] for s in region_2["states"]] == ["NJ", "NY", "PR", "VI"] and region_2["coverage_target"] == 5
    assert len(service.regions("census_division")["regions"]) == 10

    targets = service.set_coverage_target("region-5", 2)
    assert next(r for r in targets["regions"] if r["id"] == "region-5")["coverage_target"] == 2

    ids = service.import_roster_csv(roster_csv(
        csv_leader(1, state="OH", max_mentees="2"), csv_leader(2, state="WI"), csv_leader(3, state="PR"),
    ))["leader_ids"]
    for module in ("mentoring-peers", "responding-to-requests"):
        service.submit_training_answers(ids[0], module, answer_key(module))
    coverage = service.coverage_leaders()
    region_5 = next(r for r in coverage["regions"] if r["id"] == "region-5")
    assert (region_5["active_leaders"], region_5["target"], region_5["meets_target"]) == (2, 2, True)
    assert region_5["leaders_with_capacity"] == 1 and region_5["free_mentee_places"] == 2
    assert "MI" in region_5["states_without_leaders"] and "OH" not in coverage["states_without_leaders"]

    switched = service.set_region_grouping("census_region")
    assert switched == {"region_grouping": "census_region", "republished": 3}
    assert service.get_leader(ids[2])["region"] == "territories"
    assert service.coverage_leaders(as_of=clock.now().date().isoformat())["grouping"] == "census_region"
    assert service.coverage_leaders(grouping="federal")["grouping"] == "federal"
    assert service.program_settings()["region_grouping"] == "census_region"


def test_distance_learning(service):
    leader_id = service.import_roster_csv(roster_csv(csv_leader(1)))["leader_ids"][0]
    modules = service.training_modules()
    assert {m["slug"] for m in modules if m["required_for_mentoring"]} == {"mentoring-peers", "responding-to-requests"}

    content = service.training_module("mentoring-peers")
    assert content["objectives"] and content["readings"][0]["title"] == "Building Stronger, Safer Communities"
    assert all("answer" not in question for question in content["questions"])

    wrong = {**answer_key("mentoring-peers"), "who-asks": "a", "partners": "d"}
    failed = service.submit_training_answers(leader_id, "mentoring-peers", wrong)
    assert (failed["passed"], failed["correct"], failed["to_revisit"]) == (False, 2, ["who-asks", "partners"])
    assert service.leader_training(leader_id)["modules"][0]["completed_at"] is None

    first = service.submit_training_answers(leader_id, "mentoring-peers", answer_key("mentoring-peers"))
    assert first["passed"] and first["newly_completed"] is True and first["mentoring_ready"] is False
    again = service.submit_training_answers(leader_id, "mentoring-peers", answer_key("mentoring-peers"))
    assert again["newly_completed"] is False
    assert again["modules"][0]["completed_at"] == first["modules"][0]["completed_at"]  # the first pass is kept
    ready = service.submit_training_answers(leader_id, "responding-to-requests", answer_key("responding-to-requests"))
    assert ready["mentoring_ready"] is True
    training = service.leader_training(leader_id)
    assert training["missing_for_mentoring"] == [] and training["modules"][0]["completed_at"]
    assert service.get_leader(leader_id)["mentoring_ready"] is True


def test_training_progress_per_region(service):
    ids = service.import_roster_csv(roster_csv(
        csv_leader(1, state="OH"), csv_leader(2, state="WI"), csv_leader(3, state="CA"), csv_leader(4, state="CA"),
    ))["leader_ids"]
    for module in ("mentoring-peers", "responding-to-requests", "hosting-a-screening", "facilitating-discussion",
                   "recognising-hate-crimes"):
        service.submit_training_answers(ids[0], module, answer_key(module))  # OH: everything
    service.submit_training_answers(ids[1], "mentoring-peers", answer_key("mentoring-peers"))  # WI: one module
    service.submit_training_answers(ids[2], "mentoring-peers", {"who-asks": "a"})  # CA: failed, counts for nothing
    for module in ("mentoring-peers", "responding-to-requests"):
        service.submit_training_answers(ids[3], module, answer_key(module))  # CA: ready to mentor
    service.set_status(ids[1], "alumni")  # only active leaders count

    progress = service.training_progress(grouping="federal")
    assert [m["slug"] for m in progress["modules"]][0] == "mentoring-peers"
    by_id = {r["id"]: r for r in progress["regions"]}
    assert len(by_id) == 10
    region_5, region_9 = by_id["region-5"], by_id["region-9"]  # OH and WI; CA
    assert (region_5["active_leaders"], region_5["all_modules"], region_5["mentoring_ready"]) == (1, 1, 1)
    assert region_5["modules"]["mentoring-peers"] == 1  # not the alumna in WI
    assert region_5["modules"]["hosting-a-screening"] == 1
    assert (region_9["active_leaders"], region_9["all_modules"], region_9["mentoring_ready"]) == (2, 0, 1)
    assert region_9["modules"] == {"mentoring-peers": 1, "responding-to-requests": 1, "hosting-a-screening": 0,
                                   "facilitating-discussion": 0, "recognising-hate-crimes": 0}
    assert by_id["region-1"]["active_leaders"] == 0 and by_id["region-1"]["modules"]["mentoring-peers"] == 0
    assert progress["totals"]["all_modules"] == 1 and progress["totals"]["mentoring_ready"] == 2


def test_health_answers_once_the_database_does(service):
    assert service.health() == {"service": "leaders", "ok": True}


def test_every_rpc_method_is_called_by_a_test_in_this_module():
    """Roster RPCs; mentorship's are checked the same way in tests/integration/mentorship."""
    called = set(re.findall(r"\bservice\.(\w+)\(", Path(__file__).read_text()))
    roster_methods = rpc_method_names() - set(vars(MentorshipEntrypoints))
    assert len(roster_methods) >= 25
    assert roster_methods - called == set()
