"""Refused input names the field or row, and leaves the database exactly as it was."""
from __future__ import annotations

import pytest

from services.leaders.domain.leader import BIO_MAX_LENGTH
from services.leaders.domain.roster_csv import ROSTER_COLUMNS
from services.runtime.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from tests.integration.kit.helpers import wait_for

from .conftest import application, count, table_contents

HEADER = ",".join(ROSTER_COLUMNS)


@pytest.fixture
def world(leaders, leaders_db):
    """Two leaders (Maria active, Sam alumni), a pending and a declined application."""
    maria = leaders.approve_application(leaders.submit_application(application())["application"]["id"])["leader"]["id"]
    sam = leaders.approve_application(
        leaders.submit_application(application(name="Sam Reed", email="sam@metropd.org"))["application"]["id"])["leader"]["id"]
    leaders.set_status(sam, "alumni")
    pending = leaders.submit_application(application(name="Ana Ruiz", email="ana@bpd.gov", state="TX"))["application"]["id"]
    declined = leaders.submit_application(application(name="Lee Wong", email="lee@sfpd.org", state="CA"))["application"]["id"]
    leaders.decline_application(declined, "We have three leaders in your county already.")
    wait_for(lambda: count(leaders_db, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0)
    return {"maria": maria, "sam": sam, "pending": pending, "declined": declined}


BAD_CALLS = [
    # (call, error class, fields the error must name)
    (lambda s, w: s.submit_application(application(email="a@b.gov", state="Atlantis")), ValidationFailed, {"state"}),
    (lambda s, w: s.submit_application(application(email="not an address")), ValidationFailed, {"email"}),
    (lambda s, w: s.submit_application(application(email="a@b.gov", phone="555-01")), ValidationFailed, {"phone"}),
    (lambda s, w: s.submit_application(application(email="a@b.gov", reference={"name": "X"})),
     ValidationFailed, {"reference.contact"}),
    (lambda s, w: s.submit_application("Maria Lopez"), ValidationFailed, {"application"}),
    (lambda s, w: s.update_leader(w["maria"], {"max_mentees": -1}), ValidationFailed, {"max_mentees"}),
    (lambda s, w: s.update_leader(w["maria"], {"bio": "x" * (BIO_MAX_LENGTH + 1)}), ValidationFailed, {"bio"}),
    (lambda s, w: s.update_leader(w["maria"], {"bio": "ok", "state": "XX", "email": "@"}),
     ValidationFailed, {"state", "email"}),
    (lambda s, w: s.update_leader(w["maria"], {"salary": 1}), ValidationFailed, {"salary"}),
    (lambda s, w: s.update_leader(w["maria"], {"email": "SAM@metropd.org"}), Conflict, {"email"}),
    (lambda s, w: s.update_leader(w["maria"], {"expertise": ["juggling"]}), ValidationFailed, {"expertise"}),
    (lambda s, w: s.update_leader(w["maria"], ["bio"]), ValidationFailed, {"changes"}),
    (lambda s, w: s.update_leader("one", {"bio": "x"}), ValidationFailed, {"leader_id"}),
    (lambda s, w: s.update_leader(999, {"bio": "x"}), NotFound, {"leader_id"}),
    (lambda s, w: s.set_availability(w["maria"], "2020-01-01"), ValidationFailed, {"away_until"}),
    (lambda s, w: s.set_availability(w["maria"], "next week"), ValidationFailed, {"away_until"}),
    (lambda s, w: s.set_status(w["sam"], "inactive"), Conflict, {"status"}),
    (lambda s, w: s.set_status(w["maria"], "retired"), ValidationFailed, {"status"}),
    (lambda s, w: s.approve_application(w["declined"]), Conflict, {"status"}),
    (lambda s, w: s.decline_application(w["declined"], "again"), Conflict, {"status"}),
    (lambda s, w: s.waitlist_application(w["declined"]), Conflict, {"status"}),
    (lambda s, w: s.approve_application(w["pending"], confirm_over_target="yes"), ValidationFailed,
     {"confirm_over_target"}),
    (lambda s, w: s.decline_application(w["pending"], "r" * 1001), ValidationFailed, {"reason"}),
    (lambda s, w: s.approve_application(12345), NotFound, {"application_id"}),
    (lambda s, w: s.waitlist_application(w["pending"], actor={"role": "leader", "leader_id": w["maria"]}),
     Forbidden, {"actor"}),
    (lambda s, w: s.approve_application(w["pending"], actor={"role": "manager", "account_id": "x"}),
     ValidationFailed, {"actor"}),
    (lambda s, w: s.list_applications(status="lost"), ValidationFailed, {"status"}),
    (lambda s, w: s.import_roster_csv("name,email\r\nMaria,m@x.gov\r\n"), ValidationFailed, {"columns"}),
    (lambda s, w: s.import_roster_csv(""), ValidationFailed, {"file"}),
    (lambda s, w: s.import_roster_csv(["not", "text"]), ValidationFailed, {"file"}),
    (lambda s, w: s.submit_training_answers(w["maria"], "juggling", {}), ValidationFailed, {"module"}),
    (lambda s, w: s.submit_training_answers(999, "mentoring-peers", {}), NotFound, {"leader_id"}),
    (lambda s, w: s.submit_training_answers(w["maria"], "mentoring-peers", {"who-asks": "q"}), ValidationFailed,
     {"answers.who-asks"}),
    (lambda s, w: s.submit_training_answers(w["maria"], "mentoring-peers", "b"), ValidationFailed, {"answers"}),
    (lambda s, w: s.training_module("juggling"), ValidationFailed, {"module"}),
    (lambda s, w: s.training_progress(grouping="galaxies"), ValidationFailed, {"grouping"}),
    (lambda s, w: s.directory(region="region-11"), ValidationFailed, {"region"}),
    (lambda s, w: s.directory(state="Atlantis"), ValidationFailed, {"state"}),
    (lambda s, w: s.directory(expertise="juggling"), ValidationFailed, {"expertise"}),
    (lambda s, w: s.directory(limit=100_000), ValidationFailed, {"limit"}),
    (lambda s, w: s.roster(status="retired"), ValidationFailed, {"status"}),
    (lambda s, w: s.set_region_grouping("zodiac"), ValidationFailed, {"grouping"}),
    (lambda s, w: s.set_roster_target(-1), ValidationFailed, {"target"}),
    (lambda s, w: s.set_coverage_target("region-5", -3), ValidationFailed, {"target"}),
    (lambda s, w: s.set_coverage_target("midwest", 3), ValidationFailed, {"region"}),
    (lambda s, w: s.coverage_leaders(as_of="someday"), ValidationFailed, {"as_of"}),
    (lambda s, w: s.public_leader(w["sam"]), NotFound, {"leader_id"}),
]


def fields_of(error: DomainError) -> set[str]:
    if isinstance(error, ValidationFailed):
        return {e["field"] for e in error.errors}
    return {error.field}


def test_each_bad_call_names_its_field_and_changes_nothing(leaders, leaders_db, world):
    for number, (call, error_class, fields) in enumerate(BAD_CALLS):
        before = table_contents(leaders_db)
        with pytest.raises(error_class) as refused:
            call(leaders, world)
        assert fields_of(refused.value) == fields, (number, refused.value.args)
        assert table_contents(leaders_db) == before, f"bad call {number} changed the database"


def test_a_csv_with_bad_rows_stores_only_whole_valid_rows(leaders, leaders_db, world):
    before = count(leaders_db, "SELECT count(*) FROM leaders")
    csv_text = (
        f"{HEADER}\r\n"
        "Kim Park,Seattle PD,Officer,kim@spd.gov,206-555-0100,WA,school-safety,,2,,,,\r\n"
        "Bad Phone,Seattle PD,Officer,bad@spd.gov,12,WA,school-safety;juggling,,2,,,,\r\n"
        "Short,Row\r\n"
        "Again,Seattle PD,Officer,MARIA.LOPEZ@oakcreekpd.gov,,WA,,,,,,,\r\n"
    )
    report = leaders.import_roster_csv(csv_text)
    assert report["accepted_rows"] == [2]
    assert {r["row"]: {e["field"] for e in r["errors"]} for r in report["rejected"]} == {
        3: {"phone", "expertise"}, 4: {"row"}, 5: {"email"}}
    assert count(leaders_db, "SELECT count(*) FROM leaders") == before + 1
    assert count(leaders_db, "SELECT count(*) FROM leaders WHERE email_key = 'bad@spd.gov'") == 0
    assert count(leaders_db, "SELECT count(*) FROM leader_expertise e JOIN leaders l ON l.id = e.leader_id "
                             "WHERE l.email_key = 'kim@spd.gov'") == 1
