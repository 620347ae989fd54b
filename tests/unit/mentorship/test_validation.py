from __future__ import annotations

import pytest

from services.leaders.mentorship.domain.details import RequestDetails, Urgency, validate_request
from services.runtime.errors import ValidationFailed

from .builders import STATES, TOPICS


@pytest.fixture
def form() -> dict:
    return {
        "requester_name": "  Dana Reyes ",
        "agency": "Springfield PD",
        "role": "Patrol sergeant",
        "email": "Dana.Reyes@Springfield.GOV",
        "state": "oh",
        "topic": "hate-crime-investigation",
        "description": "We had our first bias-motivated assault and want advice on the investigation.",
        "urgency": "urgent",
    }


def fields_of(exc: pytest.ExceptionInfo) -> set[str]:
    return {e["field"] for e in exc.value.errors}


def test_valid_request_is_normalised(form):
    details = validate_request(form, topics=TOPICS, states=STATES)
    assert details == RequestDetails(
        requester_name="Dana Reyes", agency="Springfield PD", role="Patrol sergeant",
        email="dana.reyes@springfield.gov", state="OH", topic="hate-crime-investigation",
        description=form["description"], urgency=Urgency.URGENT,
    )


def test_urgency_defaults_to_normal(form):
    del form["urgency"]
    assert validate_request(form, topics=TOPICS, states=STATES).urgency == Urgency.NORMAL


def test_states_may_be_a_predicate(form):
    details = validate_request(form, topics=list(TOPICS), states=lambda code: code == "OH")
    assert details.state == "OH"
    with pytest.raises(ValidationFailed) as exc:
        validate_request(form, topics=TOPICS, states=lambda code: False)
    assert exc.value.errors == [{"field": "state", "message": "OH is not a known state or territory"}]


def test_every_bad_field_is_named_at_once():
    bad = {
        "requester_name": "",
        "agency": 42,
        "role": "Line one\nBcc: someone@example.com",
        "email": "not-an-address",
        "state": "Ohio",
        "topic": "knitting",
        "description": "too short",
        "urgency": "yesterday",
        "favourite_colour": "blue",
    }
    with pytest.raises(ValidationFailed) as exc:
        validate_request(bad, topics=TOPICS, states=STATES)
    assert fields_of(exc) == {
        "requester_name", "agency", "role", "email", "state", "topic", "description", "urgency", "favourite_colour",
    }
    messages = {e["field"]: e["message"] for e in exc.value.errors}
    assert messages["requester_name"] == "is required"
    assert messages["agency"] == "must be text"
    assert messages["role"] == "must be a single line"
    assert messages["topic"] == "'knitting' is not one of the expertise topics"
    assert messages["description"] == "must be at least 20 characters"
    assert messages["favourite_colour"] == "is not a field of a mentorship request"


def test_missing_fields_are_required():
    with pytest.raises(ValidationFailed) as exc:
        validate_request({}, topics=TOPICS, states=STATES)
    assert fields_of(exc) == {"requester_name", "agency", "role", "email", "state", "topic", "description"}


@pytest.mark.parametrize("state, message", [
    ("ZZ", "ZZ is not a known state or territory"),
    ("O1", "must be a two-letter state code"),
    ("OHIO", "must be a two-letter state code"),
])
def test_unknown_or_malformed_state(form, state, message):
    form["state"] = state
    with pytest.raises(ValidationFailed) as exc:
        validate_request(form, topics=TOPICS, states=STATES)
    assert exc.value.errors == [{"field": "state", "message": message}]


@pytest.mark.parametrize("email", ["dana@", "dana reyes@springfield.gov", "dana@springfield", "@springfield.gov"])
def test_malformed_email(form, email):
    form["email"] = email
    with pytest.raises(ValidationFailed) as exc:
        validate_request(form, topics=TOPICS, states=STATES)
    assert fields_of(exc) == {"email"}


def test_description_limits(form):
    form["description"] = "x" * 4001
    with pytest.raises(ValidationFailed) as exc:
        validate_request(form, topics=TOPICS, states=STATES)
    assert exc.value.errors == [{"field": "description", "message": "must be at most 4000 characters"}]
    form["description"] = "Line one of the story.\nLine two, with more detail."
    assert "\n" in validate_request(form, topics=TOPICS, states=STATES).description


def test_control_characters_are_refused(form):
    form["agency"] = "Springfield\x00PD"
    with pytest.raises(ValidationFailed) as exc:
        validate_request(form, topics=TOPICS, states=STATES)
    assert exc.value.errors == [{"field": "agency", "message": "contains control characters"}]


def test_validation_error_maps_to_a_client_error(form):
    form["topic"] = "unknown"
    with pytest.raises(ValidationFailed) as exc:
        validate_request(form, topics=TOPICS, states=STATES)
    assert exc.value.status == 422
    assert exc.value.to_dict()["errors"][0]["field"] == "topic"
