"""Applications to join the network, through the use cases on an in-memory unit of work."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.contracts.leaders import (
    ApplicationApproved,
    ApplicationDeclined,
    ApplicationRepeated,
    ApplicationSubmitted,
    ApplicationWaitlisted,
)
from services.leaders.app import applications
from services.leaders.app.training import TRAINING_REMINDER
from services.leaders.domain.leader import EmailInUse, Leader
from services.leaders.domain.program import ProgramSettings
from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed

from .builders import MANAGER, NOW, approved_leader, form
from .fakes import FakeUnitOfWork

LATER = NOW + timedelta(hours=2)


@pytest.fixture
def uow():
    return FakeUnitOfWork()


def submitted(uow, **overrides) -> dict:
    return applications.submit_application(uow, form(**overrides), now=NOW)["application"]


def test_a_submitted_application_is_stored_pending_and_announced(uow):
    answer = submitted(uow)
    assert (answer["status"], answer["email"], answer["phone"], answer["state_name"]) == (
        "pending", "maria.lopez@oakcreekpd.gov", "+14145550134", "Wisconsin")
    assert answer["submitted_at"] == NOW.isoformat() and answer["decided_by"] is None
    assert uow.applications.get(answer["id"]).status == "pending"
    [event] = uow.published
    assert isinstance(event, ApplicationSubmitted)
    assert (event.application_id, event.email, event.submitted_at) == (answer["id"], "maria.lopez@oakcreekpd.gov", NOW)


def test_an_open_application_or_a_leader_with_the_address_files_nothing_and_tells_the_owner(uow):
    first = submitted(uow)
    assert submitted(uow, email="MARIA.lopez@oakcreekpd.gov", name="Someone Else") is None
    applications.approve_application(uow, first["id"], actor=MANAGER, now=LATER)
    assert submitted(uow, email="maria.lopez@oakcreekpd.gov") is None
    assert len(uow.applications.by_id) == 1 and uow.types_published() == [
        "ApplicationSubmitted", "ApplicationRepeated", "ApplicationApproved", "ApplicationRepeated"]
    under_review, on_roster = [e for e in uow.published if isinstance(e, ApplicationRepeated)]
    assert (under_review.standing, under_review.email) == ("under_review", "maria.lopez@oakcreekpd.gov")
    assert (on_roster.standing, on_roster.repeated_at) == ("on_roster", NOW)


def test_after_a_decline_the_same_address_may_apply_again(uow):
    first = submitted(uow)
    applications.decline_application(uow, first["id"], actor=MANAGER, now=LATER)
    assert submitted(uow)["status"] == "pending"


def test_an_invalid_application_names_each_field_and_stores_nothing(uow):
    with pytest.raises(ValidationFailed) as refused:
        applications.submit_application(uow, form(email="not an address", state="Atlantis"), now=NOW)
    assert {e["field"] for e in refused.value.errors} == {"email", "state"}
    with pytest.raises(ValidationFailed) as refused:
        applications.submit_application(uow, "Maria Lopez", now=NOW)
    assert refused.value.field == "application"
    assert uow.applications.by_id == {} and uow.published == []


def test_approval_makes_an_active_leader_records_the_manager_and_plans_the_training_reminder(uow):
    application = submitted(uow)
    answer = applications.approve_application(uow, application["id"], actor=MANAGER, now=LATER)

    decided, leader = answer["application"], answer["leader"]
    assert (decided["status"], decided["decided_at"], decided["decided_by"]) == (
        "approved", LATER.isoformat(), "manager:7")
    assert decided["leader_id"] == leader["id"]
    assert (leader["name"], leader["email"], leader["status"], leader["region"], leader["mentoring_ready"]) == (
        "Maria Lopez", "maria.lopez@oakcreekpd.gov", "active", "region-5", False)
    assert uow.leaders.get(leader["id"]).version == 1
    assert uow.applications.get(application["id"]).leader_id == leader["id"]
    assert uow.applications.approval_locks == 1

    event = uow.published[-1]
    assert isinstance(event, ApplicationApproved)
    assert (event.application_id, event.leader_id, event.leader_version, event.region, event.approved_at) == (
        application["id"], leader["id"], 1, "region-5", LATER)
    assert uow.jobs == {(TRAINING_REMINDER, str(leader["id"])): (LATER + timedelta(days=7),
                                                                 {"leader_id": leader["id"]})}


def test_approval_past_the_roster_target_needs_confirmation(uow):
    uow.program.settings = ProgramSettings(roster_target=1)
    approved_leader(uow, email="first@pd.gov")
    second = submitted(uow, email="second@pd.gov")
    published = len(uow.published)
    with pytest.raises(Conflict) as refused:
        applications.approve_application(uow, second["id"], actor=MANAGER, now=LATER)
    assert refused.value.field == "confirm_over_target"
    assert uow.leaders.active_count() == 1 and len(uow.published) == published
    answer = applications.approve_application(uow, second["id"], confirm_over_target=True, actor=MANAGER, now=LATER)
    assert answer["leader"]["status"] == "active" and uow.leaders.active_count() == 2


def test_an_application_whose_address_joined_the_roster_meanwhile_is_not_approved(uow):
    application = submitted(uow)
    uow.leaders.add(Leader(name="Maria Lopez", agency="Oak Creek PD", title="Lieutenant",
                           email="maria.lopez@oakcreekpd.gov", state="WI"), NOW)  # imported from a roster CSV
    with pytest.raises(Conflict) as refused:
        applications.approve_application(uow, application["id"], actor=MANAGER, now=LATER)
    assert refused.value.field == "email"
    assert uow.applications.get(application["id"]).status == "pending"


def test_an_address_taken_while_approving_is_a_conflict(uow, monkeypatch):
    application = submitted(uow)

    def taken(leader, now):
        raise EmailInUse()

    monkeypatch.setattr(uow.leaders, "add", taken)
    with pytest.raises(Conflict) as refused:
        applications.approve_application(uow, application["id"], actor=MANAGER, now=LATER)
    assert refused.value.field == "email" and uow.types_published() == ["ApplicationSubmitted"]


@pytest.mark.parametrize("decide", [
    lambda uow, i: applications.approve_application(uow, i, actor=MANAGER, now=LATER),
    lambda uow, i: applications.decline_application(uow, i, actor=MANAGER, now=LATER),
    lambda uow, i: applications.waitlist_application(uow, i, actor=MANAGER, now=LATER),
])
def test_a_decided_application_cannot_be_decided_again(uow, decide):
    application = submitted(uow)
    applications.decline_application(uow, application["id"], reason="Not this year.", actor=MANAGER, now=NOW)
    published = len(uow.published)
    with pytest.raises(Conflict) as refused:
        decide(uow, application["id"])
    assert refused.value.field == "status" and len(uow.published) == published


def test_decisions_need_a_known_application_and_a_manager(uow):
    application = submitted(uow)
    with pytest.raises(NotFound):
        applications.approve_application(uow, 999, actor=MANAGER, now=LATER)
    with pytest.raises(ValidationFailed) as refused:
        applications.waitlist_application(uow, "one", actor=MANAGER, now=LATER)
    assert refused.value.field == "application_id"
    leader = {"role": "leader", "leader_id": 3, "account_id": 9}
    with pytest.raises(Forbidden) as forbidden:
        applications.approve_application(uow, application["id"], actor=leader, now=LATER)
    assert forbidden.value.field == "actor"
    with pytest.raises(ValidationFailed) as refused:
        applications.decline_application(uow, application["id"], actor={"role": "boss"}, now=LATER)
    assert refused.value.field == "actor"
    assert uow.applications.get(application["id"]).status == "pending" and len(uow.published) == 1


def test_a_decline_keeps_the_reason_given_and_invents_none(uow):
    with_reason, without = submitted(uow), submitted(uow, email="sam@metropd.org")
    declined = applications.decline_application(uow, with_reason["id"], reason="  We have three leaders here. ",
                                                actor=MANAGER, now=LATER)
    assert (declined["status"], declined["decline_reason"], declined["decided_by"]) == (
        "declined", "We have three leaders here.", "manager:7")
    assert applications.decline_application(uow, without["id"], now=LATER)["decline_reason"] is None
    events = [e for e in uow.published if isinstance(e, ApplicationDeclined)]
    assert [(e.application_id, e.reason, e.declined_at) for e in events] == [
        (with_reason["id"], "We have three leaders here.", LATER), (without["id"], None, LATER)]
    with pytest.raises(ValidationFailed) as refused:
        applications.decline_application(uow, submitted(uow, email="x@pd.gov")["id"], reason="r" * 1001,
                                         actor=MANAGER, now=LATER)
    assert refused.value.field == "reason"


def test_a_waitlisted_application_can_still_be_approved(uow):
    application = submitted(uow)
    waitlisted = applications.waitlist_application(uow, application["id"], actor=MANAGER, now=LATER)
    assert (waitlisted["status"], waitlisted["waitlisted_at"], waitlisted["decided_at"]) == (
        "waitlisted", LATER.isoformat(), None)
    event = uow.published[-1]
    assert isinstance(event, ApplicationWaitlisted) and event.waitlisted_at == LATER
    approved = applications.approve_application(uow, application["id"], actor=MANAGER, now=LATER + timedelta(days=1))
    assert approved["application"]["status"] == "approved"
