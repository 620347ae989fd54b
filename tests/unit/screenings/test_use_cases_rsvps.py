"""Seats through the use cases on an in-memory unit of work: public RSVPs, invitations,
cancelling from the private link, the capacity and walk-ins."""
from __future__ import annotations

import pytest

from services.contracts import screenings as events
from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.screenings.app import rsvps
from services.screenings.app.payloads import cancel_path
from services.screenings.domain.rsvps import RsvpStatus, verify_cancel_token

from .factories import NOW
from .fakes import stored
from .scenarios import MANAGER, SETTINGS, START, answered, as_leader, network, registered, seat

ONLINE = "https://meet.example.org/niot"


def statuses(uow, screening_id: str) -> dict[str, str]:
    """What the store holds: each RSVP's name and status."""
    return {r.name: r.status.value for r in uow.store.rsvps.values() if r.screening_id == screening_id}


# --- taking a place -------------------------------------------------------------------


def test_a_seat_comes_with_an_invitation_and_a_private_link():
    uow = network()
    view = registered(uow, 1, capacity=1, join_url=ONLINE, venue=None, state="IL")
    uow = uow.next()
    place = answered("rsvp", rsvps.rsvp(uow, view["id"], "Ana Diaz", " Ana@Example.org ", now=NOW, settings=SETTINGS))

    assert place["status"] == "confirmed" and place["created"] is True and place["waitlist_position"] is None
    kept = uow.store.rsvps[place["rsvp_id"]]
    assert place["cancel_path"] == cancel_path(uow, kept)
    assert kept.email == "ana@example.org" and kept.status is RsvpStatus.CONFIRMED
    assert verify_cancel_token(place["cancel_path"].split("token=")[1], kept.cancel_token_hash)
    [mail] = uow.published
    assert isinstance(mail, events.RsvpConfirmed) and mail.invited is False
    assert mail.recipient.email == "ana@example.org" and mail.recipient_role == "attendee"
    assert mail.invitation_method == "REQUEST" and mail.join_url == ONLINE and mail.cancel_path == place["cancel_path"]


def test_when_full_the_next_people_are_waitlisted_in_order():
    uow = network()
    view = registered(uow, 1, capacity=1)
    seat(uow, view["id"], "Ana")
    ben = seat(uow, view["id"], "Ben")
    uow = uow.next()
    cleo = rsvps.rsvp(uow, view["id"], "Cleo", "cleo@example.org", now=NOW, settings=SETTINGS)
    assert ben["status"] == "waitlisted" and ben["waitlist_position"] == 1 and cleo["waitlist_position"] == 2
    [mail] = uow.published
    assert isinstance(mail, events.RsvpWaitlisted) and mail.position == 2 and mail.recipient_role == "waitlisted"
    assert mail.invitation_method is None and mail.cancel_path == cleo["cancel_path"]


def test_the_same_address_again_keeps_its_place_answers_like_a_first_rsvp_and_mails_the_holder():
    uow = network()
    view = registered(uow, 1, capacity=1)
    first = seat(uow, view["id"], "Ana")
    uow = uow.next()
    again = answered("rsvp", rsvps.rsvp(uow, view["id"], "Someone", "ANA@example.org", now=NOW, settings=SETTINGS))
    # What a newcomer would be told now (the one seat is taken), not what Ana holds.
    assert again["status"] == "waitlisted" and again["waitlist_position"] == 1 and again["created"] is True
    assert again["cancel_path"] is None and len(uow.store.rsvps) == 1
    newcomer = answered("rsvp", rsvps.rsvp(uow.next(), view["id"], "Bo", "bo@example.org", now=NOW,
                                           settings=SETTINGS))
    assert {k: again[k] for k in ("status", "waitlist_position", "created", "screening_id")} == \
        {k: newcomer[k] for k in ("status", "waitlist_position", "created", "screening_id")}
    [mail] = uow.published
    assert isinstance(mail, events.RsvpRepeated) and mail.status == "confirmed"
    assert mail.recipient.email == "ana@example.org" and mail.cancel_path == first["cancel_path"]


@pytest.mark.parametrize("name, email, field", [("", "ana@example.org", "name"), ("Ana", "not-an-address", "email"),
                                                ("Ana", ["ana@example.org"], "email")])
def test_an_rsvp_names_the_field_at_fault(name, email, field):
    uow = network()
    view = registered(uow, 1)
    with pytest.raises(ValidationFailed) as refused:
        rsvps.rsvp(uow.next(), view["id"], name, email, now=NOW, settings=SETTINGS)
    assert [e["field"] for e in refused.value.errors] == [field] and uow.store.rsvps == {}


def test_rsvps_wait_for_approval_and_stop_at_the_start():
    uow = network()
    pending = registered(uow, 2, approve=False)
    with pytest.raises(Conflict, match="not open"):
        rsvps.rsvp(uow.next(), pending["id"], "Ana", "ana@example.org", now=NOW, settings=SETTINGS)
    view = registered(uow.next(), 1)
    with pytest.raises(Conflict, match="already taken place"):
        rsvps.rsvp(uow.next(), view["id"], "Ana", "ana@example.org", now=START, settings=SETTINGS)
    with pytest.raises(NotFound):
        rsvps.rsvp(uow.next(), "no-such-screening", "Ana", "ana@example.org", now=NOW, settings=SETTINGS)
    assert uow.store.rsvps == {}


# --- invitations ----------------------------------------------------------------------


def test_organisers_and_managers_invite_to_an_invitation_only_event():
    uow = network()
    view = registered(uow, 1, capacity=1, cohost_ids=[2], visibility="invitation_only")
    with pytest.raises(Forbidden, match="invitation only"):
        rsvps.rsvp(uow.next(), view["id"], "Ana", "ana@example.org", now=NOW, settings=SETTINGS)
    uow = uow.next()
    ana = answered("invite", rsvps.invite(uow, as_leader(2), view["id"], "Ana", "ana@example.org", now=NOW,
                                          settings=SETTINGS))
    ben = rsvps.invite(uow, MANAGER, view["id"], "Ben", "ben@example.org", now=NOW, settings=SETTINGS)
    assert (ana["status"], ben["status"], ben["waitlist_position"]) == ("confirmed", "waitlisted", 1)
    confirmed, waitlisted = uow.published
    assert isinstance(confirmed, events.RsvpConfirmed) and confirmed.invited is True
    assert isinstance(waitlisted, events.RsvpWaitlisted) and waitlisted.invited is True
    assert all(r.invited for r in uow.store.rsvps.values())


def test_a_leader_cannot_invite_to_someone_elses_event():
    uow = network()
    view = registered(uow, 1, visibility="invitation_only")
    with pytest.raises(Forbidden):
        rsvps.invite(uow.next(), as_leader(3), view["id"], "Ana", "ana@example.org", now=NOW, settings=SETTINGS)
    assert uow.store.rsvps == {}


# --- cancelling a place ---------------------------------------------------------------


def test_cancelling_a_seat_gives_it_to_the_first_on_the_waitlist():
    uow = network()
    view = registered(uow, 1, capacity=1)
    ana, ben = seat(uow, view["id"], "Ana"), seat(uow, view["id"], "Ben")
    uow = uow.next()
    result = answered("cancel_rsvp", rsvps.cancel_rsvp(uow, ana["rsvp_id"], ana["token"], now=NOW, settings=SETTINGS))
    assert result == {"rsvp_id": ana["rsvp_id"], "status": "cancelled", "promoted_rsvp_id": ben["rsvp_id"]}
    assert statuses(uow, view["id"]) == {"Ana": "cancelled", "Ben": "confirmed"}
    cancelled, promoted = uow.published
    assert isinstance(cancelled, events.RsvpCancelled) and cancelled.was_confirmed is True
    assert cancelled.invitation_method == "CANCEL" and cancelled.recipient.email == "ana@example.org"
    assert isinstance(promoted, events.RsvpPromoted) and promoted.recipient.email == "ben@example.org"
    assert promoted.invitation_method == "REQUEST"
    assert promoted.cancel_path == cancel_path(uow, uow.store.rsvps[ben["rsvp_id"]])


def test_leaving_the_waitlist_promotes_nobody():
    uow = network()
    view = registered(uow, 1, capacity=1)
    seat(uow, view["id"], "Ana")
    ben = seat(uow, view["id"], "Ben")
    uow = uow.next()
    result = rsvps.cancel_rsvp(uow, ben["rsvp_id"], ben["token"], now=NOW, settings=SETTINGS)
    assert result["promoted_rsvp_id"] is None
    [cancelled] = uow.published
    assert cancelled.recipient_role == "waitlisted" and cancelled.invitation_method is None


def test_a_wrong_token_looks_like_no_rsvp_and_changes_nothing():
    uow = network()
    view = registered(uow, 1)
    ana = seat(uow, view["id"], "Ana")
    for rsvp_id, token in ((ana["rsvp_id"], ana["token"][:-2] + "xx"), (ana["rsvp_id"], None), ("nope", "x")):
        with pytest.raises(NotFound, match="no such RSVP"):
            rsvps.cancel_rsvp(uow.next(), rsvp_id, token, now=NOW, settings=SETTINGS)
    rsvps.cancel_rsvp(uow.next(), ana["rsvp_id"], ana["token"], now=NOW, settings=SETTINGS)
    with pytest.raises(Conflict, match="already cancelled"):
        rsvps.cancel_rsvp(uow.next(), ana["rsvp_id"], ana["token"], now=NOW, settings=SETTINGS)
    assert statuses(uow, view["id"]) == {"Ana": "cancelled"}


# --- the capacity ---------------------------------------------------------------------


def test_more_seats_go_to_the_waitlist_in_order():
    uow = network()
    view = registered(uow, 1, capacity=1, cohost_ids=[2])
    for name in ("Ana", "Ben", "Cleo", "Dee"):
        seat(uow, view["id"], name)
    uow = uow.next()
    bigger = answered("change_capacity", rsvps.change_capacity(uow, as_leader(2), view["id"], 3, now=NOW,
                                                              settings=SETTINGS))
    assert bigger["capacity"] == 3 and bigger["seats_left"] == 0 and bigger["waitlist"] == 1
    assert stored(uow, view["id"]).details.capacity == 3
    assert statuses(uow, view["id"]) == {"Ana": "confirmed", "Ben": "confirmed", "Cleo": "confirmed",
                                         "Dee": "waitlisted"}
    assert [(type(p), p.recipient.name) for p in uow.published] == [(events.RsvpPromoted, "Ben"),
                                                                    (events.RsvpPromoted, "Cleo")]


def test_the_capacity_never_drops_below_the_confirmed_and_is_the_organisers_to_change():
    uow = network()
    view = registered(uow, 1, capacity=5)
    seat(uow, view["id"], "Ana")
    seat(uow, view["id"], "Ben")
    with pytest.raises(ValidationFailed, match="2 people already confirmed"):
        rsvps.change_capacity(uow.next(), as_leader(1), view["id"], 1, now=NOW, settings=SETTINGS)
    with pytest.raises(Forbidden):
        rsvps.change_capacity(uow.next(), as_leader(3), view["id"], 10, now=NOW, settings=SETTINGS)
    assert stored(uow, view["id"]).details.capacity == 5


# --- walk-ins -------------------------------------------------------------------------


def test_a_walk_in_is_counted_beyond_the_capacity():
    uow = network()
    view = registered(uow, 1, capacity=1)
    seat(uow, view["id"], "Ana")
    uow = uow.next()
    walk_in = answered("add_walk_in", rsvps.add_walk_in(uow, as_leader(1), view["id"], "Walt", None, now=START))
    assert walk_in["status"] == "confirmed" and walk_in["walk_in"] is True
    assert statuses(uow, view["id"]) == {"Ana": "confirmed", "Walt": "confirmed"}
    assert uow.published == []


def test_a_waitlisted_person_at_the_door_takes_their_own_place():
    uow = network()
    view = registered(uow, 1, capacity=1)
    seat(uow, view["id"], "Ana")
    ben = seat(uow, view["id"], "Ben")
    walk_in = rsvps.add_walk_in(uow.next(), MANAGER, view["id"], "Ben", "ben@example.org", now=START)
    assert walk_in["rsvp_id"] == ben["rsvp_id"] and statuses(uow, view["id"])["Ben"] == "confirmed"


def test_walk_ins_are_for_organisers_at_a_scheduled_event():
    uow = network()
    view = registered(uow, 1)
    with pytest.raises(Forbidden):
        rsvps.add_walk_in(uow.next(), as_leader(3), view["id"], "Walt", None, now=START)
    pending = registered(uow.next(), 2, approve=False)
    with pytest.raises(Conflict):
        rsvps.add_walk_in(uow.next(), as_leader(2), pending["id"], "Walt", None, now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        rsvps.add_walk_in(uow.next(), as_leader(1), view["id"], "Walt", "walt@", now=START)
    assert refused.value.errors[0]["field"] == "email" and uow.store.rsvps == {}
