"""A leader's profile, availability and status, through the use cases on an in-memory unit of work."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.contracts.leaders import LeaderAvailabilityChanged, LeaderDeactivated, LeaderUpdated
from services.leaders.app import profiles
from services.leaders.app.training import TRAINING_REMINDER
from services.leaders.domain.leader import EmailInUse
from services.runtime.errors import Conflict, NotFound, ValidationFailed

from .builders import NOW, approved_leader
from .fakes import FakeUnitOfWork

LATER = NOW + timedelta(days=1)


@pytest.fixture
def uow():
    return FakeUnitOfWork()


@pytest.fixture
def leader_id(uow):
    leader_id = approved_leader(uow)["id"]
    uow.published.clear()
    return leader_id


def test_a_profile_change_is_saved_with_a_new_version_and_announced(uow, leader_id):
    answer = profiles.update_leader(uow, leader_id, {
        "expertise": ["Faith communities", "community-policing"], "bio": "Led the Oak Creek response.",
        "max_mentees": "4", "trusted_host": True}, now=LATER)
    assert [e["slug"] for e in answer["expertise"]] == ["community-policing", "faith-communities"]
    assert (answer["version"], answer["max_mentees"], answer["trusted_host"]) == (2, 4, True)
    stored = uow.leaders.get(leader_id)
    assert (stored.version, stored.bio, stored.expertise) == (
        2, "Led the Oak Creek response.", ("community-policing", "faith-communities"))
    [event] = uow.published
    assert isinstance(event, LeaderUpdated)
    assert (event.leader_version, event.changed) == (2, ("expertise", "bio", "max_mentees", "trusted_host"))


def test_the_same_values_again_change_nothing_and_publish_nothing(uow, leader_id):
    answer = profiles.update_leader(uow, leader_id, {"name": " Maria  Lopez ", "state": "Wisconsin"}, now=LATER)
    assert answer["version"] == 1 and uow.published == []


def test_another_leaders_address_is_refused(uow, leader_id):
    approved_leader(uow, email="sam@metropd.org", name="Sam Reed")
    uow.published.clear()
    with pytest.raises(Conflict) as refused:
        profiles.update_leader(uow, leader_id, {"email": "SAM@metropd.org"}, now=LATER)
    assert refused.value.field == "email"
    assert uow.leaders.get(leader_id).email == "maria.lopez@oakcreekpd.gov" and uow.published == []


def test_an_address_taken_while_saving_is_a_conflict(uow, leader_id, monkeypatch):
    def taken(leader, now):
        raise EmailInUse()

    monkeypatch.setattr(uow.leaders, "save", taken)
    with pytest.raises(Conflict) as refused:
        profiles.update_leader(uow, leader_id, {"email": "new@oakcreekpd.gov"}, now=LATER)
    assert refused.value.field == "email" and uow.published == []


def test_bad_changes_and_unknown_leaders_are_refused(uow, leader_id):
    with pytest.raises(ValidationFailed) as refused:
        profiles.update_leader(uow, leader_id, {"max_mentees": -1, "salary": 1}, now=LATER)
    assert {e["field"] for e in refused.value.errors} == {"max_mentees", "salary"}
    with pytest.raises(ValidationFailed) as refused:
        profiles.update_leader(uow, leader_id, ["bio"], now=LATER)
    assert refused.value.field == "changes"
    with pytest.raises(NotFound):
        profiles.update_leader(uow, 999, {"bio": "x"}, now=LATER)
    assert uow.leaders.get(leader_id).version == 1 and uow.published == []


def test_away_and_back_again(uow, leader_id):
    back_on = (LATER + timedelta(days=10)).date()
    away = profiles.set_availability(uow, leader_id, back_on.isoformat(), now=LATER)
    assert (away["availability"], away["away_until"]) == ("away", back_on.isoformat())
    assert uow.leaders.get(leader_id).away_until == back_on
    available = profiles.set_availability(uow, leader_id, now=LATER)
    assert available["availability"] == "available" and uow.leaders.get(leader_id).away_until is None
    assert [type(e) for e in uow.published] == [LeaderAvailabilityChanged, LeaderAvailabilityChanged]
    assert [e.away_until for e in uow.published] == [back_on, None]


def test_a_return_date_must_be_in_the_future(uow, leader_id):
    for bad in ("2020-01-01", LATER.date().isoformat(), "next week"):
        with pytest.raises(ValidationFailed) as refused:
            profiles.set_availability(uow, leader_id, bad, now=LATER)
        assert refused.value.field == "away_until"
    assert uow.leaders.get(leader_id).away_until is None and uow.published == []


def test_leaving_active_service_is_announced_and_stops_the_training_reminders(uow, leader_id):
    job = (TRAINING_REMINDER, str(leader_id))
    assert job in uow.jobs
    answer = profiles.set_status(uow, leader_id, "inactive", now=LATER)
    assert answer["status"] == "inactive" and job not in uow.jobs
    [event] = uow.published
    assert isinstance(event, LeaderDeactivated) and event.status == "inactive"

    profiles.set_status(uow, leader_id, "active", now=LATER + timedelta(days=2))
    assert uow.jobs[job][0] == NOW + timedelta(days=7)  # reminded on the days counted from approval
    assert isinstance(uow.published[-1], LeaderUpdated) and uow.published[-1].changed == ("status",)


def test_status_changes_follow_the_allowed_transitions(uow, leader_id):
    profiles.set_status(uow, leader_id, "alumni", now=LATER)
    with pytest.raises(Conflict) as refused:
        profiles.set_status(uow, leader_id, "inactive", now=LATER)
    assert refused.value.field == "status"
    with pytest.raises(ValidationFailed) as refused:
        profiles.set_status(uow, leader_id, "retired", now=LATER)
    assert refused.value.field == "status"
    assert uow.leaders.get(leader_id).status == "alumni" and len(uow.published) == 1


def test_the_answer_shows_the_region_of_the_current_grouping_and_training_state(uow, leader_id):
    uow.training.add_completion(leader_id, "mentoring-peers", NOW)
    uow.training.add_completion(leader_id, "responding-to-requests", NOW)
    answer = profiles.update_leader(uow, leader_id, {"bio": "New."}, now=LATER)
    assert (answer["region"], answer["region_grouping"], answer["mentoring_ready"]) == ("region-5", "federal", True)
    assert answer["availability"] == "available" and answer["away_until"] is None
