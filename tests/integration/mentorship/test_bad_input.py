"""Refused mentorship calls say why, name the field, and leave the database as it was."""
from __future__ import annotations

import pytest

from services.runtime.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from tests.integration.kit.helpers import wait_for

from .conftest import MANAGER, request_details


@pytest.fixture
def world(mentorship):
    leaders = mentorship.add_roster()
    olivia, omar = leaders["Olivia Hart"], leaders["Omar Reed"]
    offered, offered_status = mentorship.open_request()
    accepted, _ = mentorship.open_request(email="b@springfield.gov")
    mentorship.rpc.accept_offer(accepted, olivia)
    cancelled, cancelled_status = mentorship.open_request(email="c@springfield.gov")
    mentorship.rpc.cancel_request(cancelled_status)
    unconfirmed, confirm, _ = mentorship.submit(email="d@springfield.gov")
    used_request, used_confirm, _ = mentorship.submit(email="e@springfield.gov")
    mentorship.rpc.confirm_request(used_confirm)
    wait_for(mentorship.published)
    return {"olivia": olivia, "omar": omar, "offered": offered, "offered_status": offered_status,
            "accepted": accepted, "cancelled": cancelled, "cancelled_status": cancelled_status,
            "unconfirmed": unconfirmed, "used_confirm": used_confirm}


BAD_CALLS = [
    # (call, error class, fields the error must name)
    (lambda s, w: s.submit_request(request_details(topic="juggling")), ValidationFailed, {"topic"}),
    (lambda s, w: s.submit_request(request_details(state="XX")), ValidationFailed, {"state"}),
    (lambda s, w: s.submit_request(request_details(state="Atlantis", email="nope")), ValidationFailed,
     {"state", "email"}),
    (lambda s, w: s.submit_request(request_details(description="help")), ValidationFailed, {"description"}),
    (lambda s, w: s.submit_request(request_details(urgency="yesterday")), ValidationFailed, {"urgency"}),
    (lambda s, w: s.submit_request(request_details(requester_name="Eve\r\nBcc: x@y.z")), ValidationFailed,
     {"requester_name"}),
    (lambda s, w: s.submit_request({**request_details(), "salary": 1}), ValidationFailed, {"salary"}),
    (lambda s, w: s.submit_request("please help"), ValidationFailed, {"request"}),
    (lambda s, w: s.confirm_request("forged-token"), Forbidden, {"token"}),
    (lambda s, w: s.confirm_request(None), Forbidden, {"token"}),
    (lambda s, w: s.confirm_request("x" * 5000), Forbidden, {"token"}),
    (lambda s, w: s.confirm_request(w["used_confirm"]), Conflict, {"token"}),
    (lambda s, w: s.request_status("forged-token"), Forbidden, {"token"}),
    (lambda s, w: s.cancel_request("forged-token"), Forbidden, {"token"}),
    (lambda s, w: s.cancel_request(w["cancelled_status"]), Conflict, {None}),
    (lambda s, w: s.accept_offer(w["accepted"], w["olivia"]), Conflict, {None}),
    (lambda s, w: s.accept_offer(w["cancelled"], w["olivia"]), Conflict, {None}),
    (lambda s, w: s.accept_offer(w["unconfirmed"], w["olivia"]), Conflict, {None}),
    (lambda s, w: s.accept_offer(w["offered"], w["omar"]), Forbidden, {None}),
    (lambda s, w: s.accept_offer(w["offered"], w["olivia"], 0), ValidationFailed, {"agreed_days"}),
    (lambda s, w: s.accept_offer(w["offered"], "olivia"), ValidationFailed, {"leader_id"}),
    (lambda s, w: s.accept_offer(999, w["olivia"]), NotFound, {"request_id"}),
    (lambda s, w: s.decline_offer(w["offered"], w["olivia"], "r" * 1001), ValidationFailed, {"reason"}),
    (lambda s, w: s.decline_offer(w["accepted"], w["olivia"]), Conflict, {None}),
    (lambda s, w: s.complete_mentorship(w["accepted"], w["olivia"], "  "), ValidationFailed, {"outcome_note"}),
    (lambda s, w: s.complete_mentorship(w["accepted"], w["omar"], "done"), Forbidden, {None}),
    (lambda s, w: s.complete_mentorship(w["offered"], w["olivia"], "done"), Conflict, {None}),
    (lambda s, w: s.assign(w["offered"], w["olivia"], MANAGER), Conflict, {"leader_id"}),
    (lambda s, w: s.assign(w["offered"], 999, MANAGER), NotFound, {"leader_id"}),
    (lambda s, w: s.assign(w["accepted"], w["omar"], MANAGER), Conflict, {None}),
    (lambda s, w: s.assign(w["offered"], w["omar"], None), ValidationFailed, {"actor"}),
    (lambda s, w: s.assign(w["offered"], w["omar"], {"role": "manager"}), ValidationFailed, {"actor.account_id"}),
    (lambda s, w: s.assign(w["offered"], w["omar"], {"role": "boss", "account_id": 3}), ValidationFailed,
     {"actor.role"}),
    (lambda s, w: s.assign(w["offered"], w["omar"], {"role": "leader", "leader_id": w["omar"]}), Forbidden,
     {"actor"}),
    (lambda s, w: s.close_unanswered(w["accepted"], MANAGER), Conflict, {None}),
    (lambda s, w: s.close_unanswered(w["offered"], {"role": "leader", "leader_id": w["olivia"]}), Forbidden,
     {"actor"}),
    (lambda s, w: s.list_requests(state="lost"), ValidationFailed, {"state"}),
    (lambda s, w: s.list_requests(state_code="Atlantis"), ValidationFailed, {"state_code"}),
    (lambda s, w: s.list_requests(region="region-11"), ValidationFailed, {"region"}),
    (lambda s, w: s.list_requests(overdue="maybe"), ValidationFailed, {"overdue"}),
    (lambda s, w: s.get_request(0), ValidationFailed, {"request_id"}),
    (lambda s, w: s.candidates(w["offered"], 10_000), ValidationFailed, {"limit"}),
    (lambda s, w: s.coverage_mentorship(window_start="someday"), ValidationFailed, {"window_start"}),
    (lambda s, w: s.coverage_mentorship(window_start="2025-02-01", window_end="2025-01-01"), ValidationFailed,
     {"window_end"}),
    (lambda s, w: s.coverage_mentorship(grouping="zodiac"), ValidationFailed, {"grouping"}),
]


def fields_of(error: DomainError) -> set:
    if isinstance(error, ValidationFailed):
        return {e["field"] for e in error.errors}
    # An error without a field arrives over RPC with the text "None" as its field.
    return {None if error.field in (None, "None") else error.field}


def test_each_bad_call_is_refused_and_changes_nothing(mentorship, world):
    for number, (call, error_class, fields) in enumerate(BAD_CALLS):
        before = mentorship.contents()
        with pytest.raises(error_class) as refused:
            call(mentorship.rpc, world)
        assert fields_of(refused.value) == fields, (number, refused.value.args)
        assert refused.value.message, number
        assert mentorship.contents() == before, f"bad call {number} changed the database"
