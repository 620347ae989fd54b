from datetime import datetime, timedelta, timezone

import pytest

from services.leaders.domain.applications import (
    APPLICATION_STATUSES,
    APPLICATION_TRANSITIONS,
    Application,
    Reference,
    approve,
    decline,
    ensure_not_duplicate,
    is_duplicate_email,
    leader_from_application,
    submit_application,
    waitlist,
)
from services.leaders.domain.program import DEFAULT_ROSTER_TARGET
from services.runtime.errors import Conflict, ValidationFailed

NOW = datetime(2025, 3, 10, 15, 30, tzinfo=timezone.utc)
LATER = NOW + timedelta(days=2)

FORM = {
    "name": "Sam Carter",
    "email": " Sam.Carter@MetroPD.org ",
    "agency": "Metro Police Department",
    "title": "Sergeant",
    "state": "ga",
    "why": "To bring the films to our academy.",
    "experience": "Ran our department's hate crime unit for six years.",
    "reference": {"name": "Chief Ana Ruiz", "contact": "ana.ruiz@metropd.org"},
}


def fields_of(exc: ValidationFailed) -> set[str]:
    return {e["field"] for e in exc.errors}


def application(status="pending", **overrides) -> Application:
    return Application(
        id=7, name="Sam Carter", email="sam@metropd.org", agency="Metro PD", title="Sergeant",
        state="GA", why="why", experience="experience", reference=Reference("Ana Ruiz", "+14045550100"),
        submitted_at=NOW, status=status, **overrides,
    )


def move(app: Application, status: str) -> Application:
    if status == "approved":
        return approve(app, active_leaders=0, now=LATER)
    if status == "declined":
        return decline(app, now=LATER)
    return waitlist(app, now=LATER)


def test_submitting_a_valid_application():
    app = submit_application({**FORM, "phone": "404 555 0100"}, now=NOW)
    assert app.status == "pending"
    assert app.email == "sam.carter@metropd.org"  # stored as compared: normalise_email
    assert app.state == "GA"
    assert app.phone == "+14045550100"
    assert app.reference == Reference("Chief Ana Ruiz", "ana.ruiz@metropd.org")
    assert app.submitted_at == NOW
    assert app.decline_reason is None and app.decided_at is None


def test_phone_is_optional_and_the_reference_may_be_a_phone_number():
    app = submit_application({**FORM, "reference": {"name": "Ana", "contact": "(404) 555-0100"}}, now=NOW)
    assert app.phone is None
    assert app.reference.contact == "+14045550100"


def test_every_bad_field_of_an_application_is_named():
    with pytest.raises(ValidationFailed) as caught:
        submit_application(
            {"name": "", "email": "sam@", "phone": "12", "agency": "PD", "title": "", "state": "ZZ",
             "why": "", "experience": "x", "reference": {"name": "", "contact": "call me"}, "ssn": "1"},
            now=NOW,
        )
    assert fields_of(caught.value) == {
        "name", "email", "phone", "title", "state", "why", "reference.name", "reference.contact", "ssn",
    }


def test_a_missing_reference_is_named():
    with pytest.raises(ValidationFailed) as caught:
        submit_application({k: v for k, v in FORM.items() if k != "reference"}, now=NOW)
    assert fields_of(caught.value) == {"reference"}


def test_now_must_carry_a_zone():
    with pytest.raises(ValueError):
        submit_application(FORM, now=datetime(2025, 3, 10, 12, 0))


LEGAL = [(a, b) for a, targets in APPLICATION_TRANSITIONS.items() for b in sorted(targets)]
ILLEGAL = [(a, b) for a in APPLICATION_STATUSES for b in ("approved", "declined", "waitlisted")
           if b not in APPLICATION_TRANSITIONS[a]]


def test_the_transition_table():
    assert LEGAL == [
        ("pending", "approved"), ("pending", "declined"), ("pending", "waitlisted"),
        ("waitlisted", "approved"), ("waitlisted", "declined"),
    ]
    assert sorted(ILLEGAL) == sorted([
        ("approved", "approved"), ("approved", "declined"), ("approved", "waitlisted"),
        ("declined", "approved"), ("declined", "declined"), ("declined", "waitlisted"),
        ("waitlisted", "waitlisted"),
    ])


@pytest.mark.parametrize(("current", "new"), LEGAL)
def test_legal_transitions(current, new):
    moved = move(application(current), new)
    assert moved.status == new
    if new == "waitlisted":
        assert moved.waitlisted_at == LATER and moved.decided_at is None
    else:
        assert moved.decided_at == LATER


@pytest.mark.parametrize(("current", "new"), ILLEGAL)
def test_illegal_transitions_conflict(current, new):
    decided_at = NOW if current in ("approved", "declined") else None
    with pytest.raises(Conflict) as caught:
        move(application(current, decided_at=decided_at), new)
    assert current in caught.value.message
    assert "application 7" in caught.value.message


def test_deciding_twice_says_when_it_was_decided():
    approved = approve(application(), active_leaders=3, now=NOW)
    with pytest.raises(Conflict, match="already approved on 2025-03-10"):
        decline(approved, now=LATER, reason="changed our mind")


def test_decline_keeps_the_managers_reason_and_never_invents_one():
    assert decline(application(), now=NOW).decline_reason is None
    assert decline(application(), now=NOW, reason="   ").decline_reason is None
    assert decline(application(), now=NOW, reason=" Outside the program's scope. ").decline_reason == (
        "Outside the program's scope."
    )


def test_an_overlong_decline_reason_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        decline(application(), now=NOW, reason="r" * 1001)
    assert fields_of(caught.value) == {"reason"}


def test_approving_at_or_past_the_target_needs_confirmation():
    assert DEFAULT_ROSTER_TARGET == 50
    assert approve(application(), active_leaders=49, now=NOW).status == "approved"
    for active in (50, 51, 175):
        with pytest.raises(Conflict) as caught:
            approve(application(), active_leaders=active, now=NOW)
        assert caught.value.field == "confirm_over_target"
        assert approve(application(), active_leaders=active, now=NOW, confirm_over_target=True).status == "approved"


def test_the_roster_target_is_configurable():
    with pytest.raises(Conflict):
        approve(application("waitlisted"), active_leaders=10, now=NOW, roster_target=10)
    assert approve(application("waitlisted"), active_leaders=9, now=NOW, roster_target=10).status == "approved"


def test_an_approved_application_becomes_an_active_leader():
    leader = leader_from_application(approve(application(), active_leaders=0, now=NOW), leader_id=12)
    assert (leader.id, leader.name, leader.email, leader.state, leader.status, leader.version) == (
        12, "Sam Carter", "sam@metropd.org", "GA", "active", 1,
    )
    with pytest.raises(Conflict):
        leader_from_application(application("waitlisted"))


def test_duplicate_emails_compare_in_their_normal_form():
    assert is_duplicate_email("SAM.carter@metropd.org ", ["other@pd.gov", "sam.Carter@MetroPD.org"])
    assert not is_duplicate_email("sam@metropd.org", ["sam.carter@metropd.org"])
    with pytest.raises(Conflict) as caught:
        ensure_not_duplicate("Sam.Carter@metropd.org", ["sam.carter@METROPD.org"])
    assert caught.value.field == "email"
    ensure_not_duplicate("new@metropd.org", ["sam.carter@metropd.org"])


def test_the_zip_code_where_an_applicant_works_goes_with_them_to_the_roster():
    app = submit_application({**FORM, "postal_code": " 30303-1234 "}, now=NOW)
    assert app.postal_code == "30303"
    assert submit_application({**FORM, "postal_code": ""}, now=NOW).postal_code is None
    leader = leader_from_application(approve(application(postal_code="30303"), active_leaders=0, now=NOW), leader_id=3)
    assert leader.postal_code == "30303"


@pytest.mark.parametrize("code", ["3030", "ABCDE", "00000"])
def test_a_zip_code_that_is_not_one_is_named(code):
    with pytest.raises(ValidationFailed) as refused:
        submit_application({**FORM, "postal_code": code}, now=NOW)
    assert fields_of(refused.value) == {"postal_code"}
