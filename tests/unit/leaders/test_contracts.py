from datetime import date, datetime, timezone

import pytest
from pydantic import ValidationError

from services.contracts import InvalidEvent, build, parse, spec
from services.contracts.leaders import (
    ApplicationApproved,
    ApplicationDeclined,
    ApplicationSubmitted,
    ApplicationWaitlisted,
    LeaderAvailabilityChanged,
    LeaderDeactivated,
    LeaderUpdated,
    TrainingCompleted,
)
from services.leaders.domain.leader import Leader, leader_snapshot

NOW = datetime(2025, 3, 10, 15, 30, tzinfo=timezone.utc)

LEADER = Leader(
    id=12, version=3, name="Maria Lopez", agency="Oak Creek PD", title="Lieutenant",
    email="maria@oakcreekpd.gov", phone="+14145550134", state="WI",
    expertise=("community-policing",), away_until=date(2025, 4, 1), trusted_host=True,
)

EXPECTED_CONSUMERS = {
    "application_submitted": ("mailer",),
    "application_repeated": ("mailer",),
    "application_approved": ("screenings", "mailer", "gateway"),
    "application_declined": ("mailer",),
    "application_waitlisted": ("mailer",),
    "leader_updated": ("screenings", "gateway"),
    "leader_availability_changed": ("screenings",),
    "leader_deactivated": ("screenings", "gateway"),
    "training_completed": ("mailer",),
    "training_reminder_due": ("mailer",),
}


@pytest.mark.parametrize(("event_type", "consumers"), EXPECTED_CONSUMERS.items())
def test_each_event_is_registered_with_its_producer_and_consumers(event_type, consumers):
    registered = spec(event_type)
    assert registered.producer == "leaders"
    assert set(registered.consumers) == set(consumers)


def test_the_domain_snapshot_fits_every_leader_event():
    snapshot = leader_snapshot(LEADER, "federal")
    assert snapshot["region"] == "region-5" and snapshot["leader_version"] == 3
    assert "phone" not in snapshot
    updated = LeaderUpdated(**snapshot, changed=("bio", "away_until"))
    assert updated.expertise == ("community-policing",) and updated.away_until == date(2025, 4, 1)
    LeaderAvailabilityChanged(**snapshot)
    ApplicationApproved(**{**snapshot, "leader_version": 1}, application_id=4, approved_at=NOW)
    LeaderDeactivated(**{**snapshot, "status": "alumni"})


def test_the_snapshot_needs_a_stored_leader():
    with pytest.raises(ValueError):
        leader_snapshot(Leader(name="A", agency="PD", title="Chief", email="a@pd.gov", state="NY"))


def test_a_deactivation_cannot_say_active():
    with pytest.raises(ValidationError):
        LeaderDeactivated(**leader_snapshot(LEADER))


@pytest.mark.parametrize(
    "change",
    [
        {"leader_id": 0},
        {"leader_version": 0},
        {"email": "not-an-email"},
        {"state": "Wisconsin"},
        {"status": "retired"},
        {"name": ""},
        {"expertise": ["Community Policing"]},
        {"phone": "+14145550134"},
    ],
)
def test_leader_payloads_refuse_bad_or_extra_fields(change):
    with pytest.raises(ValidationError):
        LeaderUpdated(**{**leader_snapshot(LEADER), "changed": (), **change})


def test_every_snapshot_field_is_required():
    snapshot = leader_snapshot(LEADER)
    for field in snapshot:
        with pytest.raises(ValidationError):
            LeaderAvailabilityChanged(**{k: v for k, v in snapshot.items() if k != field})


def test_application_payloads():
    ApplicationSubmitted(application_id=4, name="Sam", email="sam@metropd.org", agency="Metro PD",
                         title="Sergeant", state="GA", submitted_at=NOW)
    ApplicationWaitlisted(application_id=4, name="Sam", email="sam@metropd.org", waitlisted_at=NOW)
    declined = ApplicationDeclined(application_id=4, name="Sam", email="sam@metropd.org", reason=None,
                                   declined_at=NOW)
    assert declined.reason is None
    with pytest.raises(ValidationError):
        ApplicationDeclined(application_id=4, name="Sam", email="sam@metropd.org", declined_at=NOW)
    with pytest.raises(ValidationError):
        ApplicationSubmitted(application_id=4, name="Sam", email="sam@metropd.org", agency="Metro PD",
                             title="Sergeant", state="GA", submitted_at=datetime(2025, 3, 10, 15, 30))


def test_training_completed_payload():
    event = TrainingCompleted(leader_id=12, name="Maria", email="maria@oakcreekpd.gov", module="mentoring-peers",
                              module_title="Mentoring peers", completed_at=NOW, mentoring_ready=False)
    assert event.module == "mentoring-peers"
    with pytest.raises(ValidationError):
        TrainingCompleted(leader_id=12, name="Maria", email="maria@oakcreekpd.gov", module="Mentoring Peers",
                          module_title="Mentoring peers", completed_at=NOW, mentoring_ready=False)


def test_an_event_round_trips_through_the_envelope():
    payload = LeaderUpdated(**leader_snapshot(LEADER), changed=("state",))
    envelope = build("leaders", payload, occurred_at=NOW)
    received = parse(envelope.model_dump_json())
    assert received.type == "leader_updated"
    assert received.data == payload


def test_a_leader_event_from_another_source_is_refused():
    envelope = build("leaders", LeaderAvailabilityChanged(**leader_snapshot(LEADER)), occurred_at=NOW)
    with pytest.raises(InvalidEvent):
        parse({**envelope.model_dump(mode="json"), "source": "screenings"})


def test_a_malformed_payload_is_refused_on_receipt():
    envelope = build("leaders", LeaderAvailabilityChanged(**leader_snapshot(LEADER)), occurred_at=NOW)
    raw = envelope.model_dump(mode="json")
    raw["data"]["leader_version"] = "newest"
    with pytest.raises(InvalidEvent, match="leader_version"):
        parse(raw)
