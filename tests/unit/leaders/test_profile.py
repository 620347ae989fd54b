from datetime import date

import pytest

from services.leaders.domain.expertise import EXPERTISE
from services.leaders.domain.leader import (
    BIO_MAX_LENGTH,
    LEADER_STATUS_TRANSITIONS,
    LEADER_STATUSES,
    Leader,
    change_status,
    changed_fields,
    leader_event_type,
    public_profile,
    set_availability,
    update_leader,
    validate_leader,
)
from services.runtime.errors import Conflict, ValidationFailed

TODAY = date(2025, 3, 10)

VALID = {
    "name": "  Maria   Lopez ",
    "agency": "Oak Creek Police Department",
    "title": "Lieutenant",
    "email": "Maria.Lopez@OakCreekPD.gov",
    "phone": "(414) 555-0134",
    "state": "wisconsin",
    "expertise": ["community-policing", "Hate crime investigation"],
    "bio": "Twenty years in patrol and community liaison work.",
    "max_mentees": 4,
    "trusted_host": True,
}


def fields_of(exc: ValidationFailed) -> set[str]:
    return {e["field"] for e in exc.errors}


def make_leader(**overrides) -> Leader:
    return validate_leader({**VALID, **overrides}, today=TODAY)


def test_a_valid_profile_is_normalised():
    leader = make_leader()
    assert leader.name == "Maria Lopez"
    assert leader.email == "maria.lopez@oakcreekpd.gov"
    assert leader.phone == "+14145550134"
    assert leader.state == "WI"
    assert leader.region() == "region-5"
    assert leader.region("census_division") == "east-north-central"
    assert leader.expertise == ("hate-crime-investigation", "community-policing")
    assert leader.max_mentees == 4
    assert leader.trusted_host is True
    assert leader.status == "active"
    assert leader.availability == "available"
    assert leader.version == 1


def test_optional_fields_take_defaults():
    leader = validate_leader(
        {"name": "A B", "agency": "PD", "title": "Chief", "email": "a@pd.gov", "state": "NY"}, today=TODAY
    )
    assert (leader.phone, leader.expertise, leader.bio, leader.trusted_host, leader.status) == (
        None, (), "", False, "active",
    )


def test_every_problem_is_reported_with_its_field():
    with pytest.raises(ValidationFailed) as caught:
        validate_leader(
            {
                "name": "",
                "agency": "PD",
                "title": "x" * 500,
                "email": "not-an-email",
                "phone": "555",
                "state": "Atlantis",
                "expertise": ["juggling"],
                "bio": "b" * (BIO_MAX_LENGTH + 1),
                "max_mentees": -1,
                "trusted_host": "perhaps",
                "status": "retired",
            },
            today=TODAY,
        )
    assert fields_of(caught.value) == {
        "name", "title", "email", "phone", "state", "expertise", "bio", "max_mentees", "trusted_host", "status",
    }
    messages = {e["field"]: e["message"] for e in caught.value.errors}
    assert "Atlantis" in messages["state"]
    assert "juggling" in messages["expertise"]
    assert "negative" in messages["max_mentees"]
    assert str(BIO_MAX_LENGTH) in messages["bio"]


def test_missing_required_fields_are_each_named():
    with pytest.raises(ValidationFailed) as caught:
        validate_leader({}, today=TODAY)
    assert fields_of(caught.value) == {"name", "agency", "title", "email", "state"}


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationFailed) as caught:
        make_leader(version=7, region="region-1")
    assert fields_of(caught.value) == {"version", "region"}


@pytest.mark.parametrize(("value", "ok"), [(0, True), (20, True), ("3", True), (21, False), (-1, False),
                                           ("many", False), (2.5, False), (True, False)])
def test_max_mentees_bounds(value, ok):
    if ok:
        assert make_leader(max_mentees=value).max_mentees == int(value)
    else:
        with pytest.raises(ValidationFailed) as caught:
            make_leader(max_mentees=value)
        assert fields_of(caught.value) == {"max_mentees"}


def test_bio_at_the_limit_is_accepted():
    assert len(make_leader(bio="b" * BIO_MAX_LENGTH).bio) == BIO_MAX_LENGTH


def test_control_characters_are_refused():
    with pytest.raises(ValidationFailed) as caught:
        make_leader(name="Maria\x00Lopez")
    assert fields_of(caught.value) == {"name"}


def test_expertise_vocabulary_has_slugs_and_labels():
    for slug in ("hate-crime-investigation", "prosecution", "community-policing", "school-safety",
                 "lgbtq-liaison", "immigrant-communities", "victim-services", "faith-communities",
                 "bias-incident-reporting", "youth-outreach"):
        assert EXPERTISE[slug]
    assert make_leader(expertise="LGBTQ+ liaison; prosecution").expertise == ("prosecution", "lgbtq-liaison")


def test_away_needs_a_future_return_date():
    leader = make_leader(availability="away", away_until="2025-04-01")
    assert leader.availability == "away"
    assert not leader.is_available(date(2025, 3, 31))
    assert leader.is_available(date(2025, 4, 1))
    for past_or_today in ("2025-03-10", "2025-01-01"):
        with pytest.raises(ValidationFailed) as caught:
            make_leader(availability="away", away_until=past_or_today)
        assert fields_of(caught.value) == {"away_until"}
    with pytest.raises(ValidationFailed) as caught:
        make_leader(availability="away")
    assert fields_of(caught.value) == {"away_until"}
    with pytest.raises(ValidationFailed) as caught:
        make_leader(availability="away", away_until="next week")
    assert fields_of(caught.value) == {"away_until"}
    with pytest.raises(ValidationFailed) as caught:
        make_leader(availability="on holiday")
    assert fields_of(caught.value) == {"availability"}


def test_a_return_date_alone_means_away_and_available_clears_it():
    leader = make_leader(away_until=date(2025, 5, 1))
    assert leader.away_until == date(2025, 5, 1)
    back = update_leader(leader, {"availability": "available", "away_until": "2025-05-01"}, today=TODAY)
    assert back.away_until is None


def test_update_bumps_the_version_only_when_something_changes():
    leader = make_leader()
    same = update_leader(leader, {"name": "Maria Lopez", "state": "WI"}, today=TODAY)
    assert same is leader
    moved = update_leader(leader, {"state": "Texas", "bio": "New bio"}, today=TODAY)
    assert moved.version == leader.version + 1
    assert moved.region() == "region-6"
    assert changed_fields(leader, moved) == ("state", "bio")


def test_update_reports_all_bad_fields_and_changes_nothing():
    leader = make_leader()
    with pytest.raises(ValidationFailed) as caught:
        update_leader(leader, {"email": "x@", "max_mentees": 99}, today=TODAY)
    assert fields_of(caught.value) == {"email", "max_mentees"}


ALL_STATUS_PAIRS = [(a, b) for a in LEADER_STATUSES for b in LEADER_STATUSES if a != b]


@pytest.mark.parametrize(("current", "new"), ALL_STATUS_PAIRS)
def test_status_transitions(current, new):
    leader = Leader(name="A", agency="PD", title="Chief", email="a@pd.gov", state="NY", status=current)
    if new in LEADER_STATUS_TRANSITIONS[current]:
        assert change_status(leader, new, today=TODAY).status == new
    else:
        with pytest.raises(Conflict) as caught:
            change_status(leader, new, today=TODAY)
        assert caught.value.field == "status"


def test_alumni_cannot_become_inactive_but_can_be_reinstated():
    alumnus = Leader(name="A", agency="PD", title="Chief", email="a@pd.gov", state="NY", status="alumni")
    with pytest.raises(Conflict):
        change_status(alumnus, "inactive", today=TODAY)
    assert change_status(alumnus, "active", today=TODAY).status == "active"


def test_setting_the_same_status_is_a_no_op():
    leader = make_leader()
    assert change_status(leader, "active", today=TODAY) is leader


def test_event_type_follows_what_changed():
    leader = make_leader()
    away = set_availability(leader, date(2025, 6, 1), today=TODAY)
    assert leader_event_type(leader, away) == "leader_availability_changed"
    assert leader_event_type(away, set_availability(away, None, today=TODAY)) == "leader_availability_changed"
    assert leader_event_type(leader, change_status(leader, "alumni", today=TODAY)) == "leader_deactivated"
    paused = change_status(leader, "inactive", today=TODAY)
    assert leader_event_type(paused, change_status(paused, "active", today=TODAY)) == "leader_updated"
    assert leader_event_type(leader, update_leader(leader, {"trusted_host": False}, today=TODAY)) == "leader_updated"
    assert leader_event_type(leader, leader) is None


def test_public_profile_never_shows_contact_details():
    profile = public_profile(make_leader(), "federal")
    assert "email" not in profile and "phone" not in profile
    assert "Maria.Lopez" not in str(profile) and "+1414" not in str(profile)
    assert profile["region_name"] == "Region 5 (Chicago)"
    assert profile["expertise"][0] == {"slug": "hate-crime-investigation", "label": "Hate crime investigation"}
