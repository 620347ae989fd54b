from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from services.contracts import REGISTRY, InvalidEvent, build, parse
from services.contracts import mentorship as contracts

AT = datetime(2024, 5, 6, 14, 0, tzinfo=timezone.utc)
TOPIC = {"request_id": 41, "topic": "hate-crime-investigation", "topic_label": "hate-crime investigation"}
REQUESTER = {"requester_name": "Dana Reyes", "requester_email": "dana.reyes@springfield.gov"}
LEADER = {"leader_id": 7, "leader_name": "Sam Ortiz"}
MANAGERS = {"manager_emails": ["niot-program@example.org"], "request_path": "/manage/mentorship/41"}
OFFER_LINKS = {
    "accept_path": "/leader/mentorship/41/offers/1/accept",
    "decline_path": "/leader/mentorship/41/offers/1/decline",
}

EXAMPLES: dict[type, dict] = {
    contracts.MentorshipRequested: {
        **TOPIC, **REQUESTER, "urgency": "normal", "requested_at": AT,
        "confirm_path": "/mentorship/41/confirm/Zm9vYmFyYmF6", "confirm_expires_at": AT + timedelta(days=7),
        "status_path": "/mentorship/41/status/cXV4cXV1eA",
    },
    contracts.MentorshipConfirmed: {**TOPIC, **REQUESTER, "urgency": "normal", "confirmed_at": AT},
    contracts.MentorshipOffered: {
        **TOPIC, **LEADER, **OFFER_LINKS, "attempt": 1, "leader_email": "sam.ortiz@ohio.gov",
        "requester_name": "Dana Reyes", "requester_agency": "Springfield PD", "requester_role": "Patrol sergeant",
        "requester_state": "OH", "description": "Advice on our first bias-motivated assault case.",
        "urgency": "urgent", "offered_at": AT, "deadline": AT + timedelta(days=1), "time_zone": "America/New_York",
        "match_reasons": ["same state (OH)", "expertise: hate-crime investigation", "load 0 of 3"],
    },
    contracts.MentorshipOfferReminderDue: {
        **TOPIC, **LEADER, **OFFER_LINKS, "attempt": 1, "leader_email": "sam.ortiz@ohio.gov",
        "requester_name": "Dana Reyes", "requester_agency": "Springfield PD", "urgency": "normal",
        "offered_at": AT, "deadline": AT + timedelta(days=2), "time_zone": "America/New_York",
    },
    contracts.MentorshipOfferExpired: {
        **TOPIC, **LEADER, **MANAGERS, "attempt": 1, "requester_state": "OH", "urgency": "normal",
        "offered_at": AT, "deadline": AT + timedelta(days=2), "expired_at": AT + timedelta(days=2, minutes=1),
        "time_zone": "America/New_York",
    },
    contracts.MentorshipRerouted: {
        **TOPIC, **MANAGERS, "reason": "expired", "from_leader_id": 7, "from_leader_name": "Sam Ortiz",
        "to_leader_id": 9, "to_leader_name": "Lee Park", "attempt": 2, "rerouted_at": AT,
        "requester_state": "OH", "urgency": "normal",
    },
    contracts.MentorshipDeclined: {**TOPIC, **LEADER, **MANAGERS, "attempt": 1, "declined_at": AT},
    contracts.MentorshipAccepted: {
        **TOPIC, **REQUESTER, **LEADER, "requester_agency": "Springfield PD", "leader_email": "sam.ortiz@ohio.gov",
        "leader_agency": "Ohio State Highway Patrol", "leader_title": "Lieutenant", "leader_phone": "+16145550100",
        "accepted_at": AT, "agreed_days": 90, "due_at": AT + timedelta(days=90), "time_zone": "America/New_York",
    },
    contracts.MentorshipCompleted: {
        **TOPIC, **REQUESTER, **LEADER, "accepted_at": AT, "completed_at": AT + timedelta(days=40),
        "time_zone": "America/New_York",
    },
    contracts.MentorshipCancelled: {**TOPIC, **REQUESTER, "previous_state": "open", "cancelled_at": AT},
    contracts.MentorshipUnanswered: {
        **TOPIC, **MANAGERS, "requester_name": "Dana Reyes", "requester_agency": "Springfield PD",
        "requester_state": "OH", "region": "Region 5 (Chicago)", "urgency": "urgent", "attempts": 3,
        "confirmed_at": AT, "detected_at": AT + timedelta(days=6),
    },
    contracts.MentorshipClosed: {**TOPIC, **REQUESTER, "closed_at": AT, "note": "No leader was free in time."},
    contracts.MentorshipOverdue: {
        **TOPIC, **LEADER, "leader_email": "sam.ortiz@ohio.gov", "requester_name": "Dana Reyes",
        "accepted_at": AT, "agreed_days": 90, "due_at": AT + timedelta(days=90), "time_zone": "America/New_York",
        "complete_path": "/leader/mentorship/41/complete",
    },
}

MENTORSHIP_TYPES = {t for t in REGISTRY if t.startswith("mentorship_")}


def test_every_step_has_a_contract():
    assert MENTORSHIP_TYPES == {
        "mentorship_requested", "mentorship_confirmed", "mentorship_offered", "mentorship_offer_reminder_due",
        "mentorship_offer_expired", "mentorship_rerouted", "mentorship_declined", "mentorship_accepted",
        "mentorship_completed", "mentorship_cancelled", "mentorship_unanswered", "mentorship_closed",
        "mentorship_overdue",
    }
    assert {REGISTRY[t].model for t in MENTORSHIP_TYPES} == set(EXAMPLES)


@pytest.mark.parametrize("type_", sorted(MENTORSHIP_TYPES))
def test_produced_by_leaders_for_the_mailer(type_):
    spec = REGISTRY[type_]
    assert (spec.producer, spec.consumers, spec.version) == ("leaders", ("mailer",), 1)


@pytest.mark.parametrize("model", list(EXAMPLES), ids=lambda m: m.event_type)
def test_examples_round_trip_through_the_envelope(model):
    payload = model(**EXAMPLES[model])
    envelope = build("leaders", payload, occurred_at=AT)
    received = parse(envelope.model_dump_json())
    assert received.type == model.event_type
    assert received.data == payload


@pytest.mark.parametrize("model", list(EXAMPLES), ids=lambda m: m.event_type)
def test_unknown_fields_are_refused(model):
    with pytest.raises(ValidationError):
        model(**EXAMPLES[model], surprise="field")


@pytest.mark.parametrize("model", list(EXAMPLES), ids=lambda m: m.event_type)
def test_request_id_is_required(model):
    data = dict(EXAMPLES[model])
    del data["request_id"]
    with pytest.raises(ValidationError):
        model(**data)


def test_times_are_normalised_to_utc():
    eastern = timezone(timedelta(hours=-4))
    payload = contracts.MentorshipConfirmed(**{**EXAMPLES[contracts.MentorshipConfirmed],
                                                "confirmed_at": datetime(2024, 5, 6, 10, tzinfo=eastern)})
    assert payload.confirmed_at == AT
    assert payload.confirmed_at.tzinfo == timezone.utc


@pytest.mark.parametrize("model, field, value", [
    (contracts.MentorshipConfirmed, "confirmed_at", datetime(2024, 5, 6, 14)),
    (contracts.MentorshipConfirmed, "requester_email", "not-an-address"),
    (contracts.MentorshipConfirmed, "urgency", "whenever"),
    (contracts.MentorshipConfirmed, "topic", "Hate Crime"),
    (contracts.MentorshipConfirmed, "request_id", 0),
    (contracts.MentorshipConfirmed, "requester_name", "Dana\r\nBcc: x@example.com"),
    (contracts.MentorshipOffered, "time_zone", "Eastern"),
    (contracts.MentorshipOffered, "requester_state", "Ohio"),
    (contracts.MentorshipOffered, "accept_path", "https://evil.example/accept"),
    (contracts.MentorshipOffered, "attempt", 0),
    (contracts.MentorshipOfferExpired, "manager_emails", []),
    (contracts.MentorshipRerouted, "reason", "bored"),
    (contracts.MentorshipAccepted, "leader_phone", "614-555-0100"),
    (contracts.MentorshipAccepted, "agreed_days", 0),
    (contracts.MentorshipCancelled, "previous_state", "completed"),
])
def test_bad_values_are_refused(model, field, value):
    with pytest.raises(ValidationError) as exc:
        model(**{**EXAMPLES[model], field: value})
    assert field in {err["loc"][0] for err in exc.value.errors()}


def test_the_offer_withholds_the_requesters_address():
    assert "requester_email" not in contracts.MentorshipOffered.model_fields
    assert "requester_email" not in contracts.MentorshipOfferReminderDue.model_fields
    assert "requester_email" in contracts.MentorshipAccepted.model_fields


def test_link_tokens_travel_only_in_the_request_event():
    path_fields = {
        model.event_type: {name for name in model.model_fields if name in ("confirm_path", "status_path")}
        for model in EXAMPLES
    }
    assert {t for t, names in path_fields.items() if names} == {"mentorship_requested"}


def test_decline_reason_is_optional_and_never_invented():
    payload = contracts.MentorshipDeclined(**EXAMPLES[contracts.MentorshipDeclined])
    assert payload.reason is None
    with_reason = contracts.MentorshipDeclined(**EXAMPLES[contracts.MentorshipDeclined], reason="On leave")
    assert with_reason.reason == "On leave"


def test_cancelled_may_name_the_leader_to_tell():
    payload = contracts.MentorshipCancelled(**{**EXAMPLES[contracts.MentorshipCancelled],
                                               "previous_state": "accepted", **LEADER,
                                               "leader_email": "sam.ortiz@ohio.gov"})
    assert payload.leader_email == "sam.ortiz@ohio.gov"


def test_a_message_with_a_bad_payload_is_rejected_whole():
    envelope = json.loads(build("leaders", contracts.MentorshipConfirmed(**EXAMPLES[contracts.MentorshipConfirmed]),
                                occurred_at=AT).model_dump_json())
    envelope["data"]["requester_email"] = "broken"
    with pytest.raises(InvalidEvent, match="requester_email"):
        parse(envelope)


def test_only_the_leaders_service_may_publish():
    payload = contracts.MentorshipConfirmed(**EXAMPLES[contracts.MentorshipConfirmed])
    with pytest.raises(ValueError):
        build("screenings", payload)
