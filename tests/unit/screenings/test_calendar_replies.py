"""Answers from the calendar: invitations that ask for one, the token in the reply
address, the matching rules (UID, attendee, token) and applying an answer to a place,
through the use cases on an in-memory unit of work."""
from __future__ import annotations

import uuid
from datetime import timedelta

import icalendar
import pytest
import vobject

from services.contracts import screenings as events
from services.runtime.errors import Forbidden, ValidationFailed
from services.screenings.app import rsvps
from services.screenings.domain.rsvps import RsvpStatus
from services.screenings.domain.screening import Status
from services.screenings.replies import app as replies
from services.screenings.replies.domain import (
    CalendarReply, Outcome, ReplyAttendee, match, reply_token, rsvp_of_token,
)

from .factories import NOW
from .scenarios import MANAGER, SETTINGS, answered, as_leader, network, registered, seat

STAMP = "2026-02-02T10:00:00+00:00"


def invited(uow, screening_id: str, name: str) -> dict:
    return rsvps.invite(uow.next(), as_leader(1), screening_id, name, f"{name.lower()}@example.org", now=NOW,
                        settings=SETTINGS)

def vevent(payload):
    return icalendar.Calendar.from_ical(payload.invitation_ics).walk("VEVENT")[0]


def token_of(payload) -> str:
    organizer = str(vevent(payload)["ORGANIZER"])
    local = organizer.removeprefix("mailto:").split("@")[0]
    assert local.startswith("replies+")
    return local.split("+", 1)[1]


def reply(uid: str, email: str, partstat: str = "ACCEPTED", *, method: str = "REPLY", stamp: str = STAMP,
          message_id: str | None = None, **extra) -> dict:
    return {"message_id": message_id or f"<{uuid.uuid4().hex}@example.org>", "method": method, "uid": uid,
            "sequence": 0, "dtstamp": stamp, "attendees": [{"email": email, "partstat": partstat}],
            "client": "-//Example//EN", **extra}


def apply(uow, token: str, body: dict) -> dict:
    return answered("apply_calendar_reply", replies.apply_reply(uow, token, body, now=NOW, settings=SETTINGS))


# --- the invitation -------------------------------------------------------------------


def test_an_invitee_is_asked_to_answer_at_their_own_reply_address_and_a_public_rsvp_is_not():
    uow = network()
    view = registered(uow, 1, capacity=5)
    ann_uow = uow.next()
    ann = rsvps.invite(ann_uow, as_leader(1), view["id"], "Ann", "ann@example.org", now=NOW, settings=SETTINGS)
    pat_uow = uow.next()
    rsvps.rsvp(pat_uow, view["id"], "Pat", "pat@example.org", now=NOW, settings=SETTINGS)
    [to_ann], [to_pat] = ann_uow.published, pat_uow.published
    assert to_ann.invited and to_ann.invitation_method == "REQUEST"

    event = vevent(to_ann)
    attendee = event["ATTENDEE"]
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION" and attendee.params["RSVP"] == "TRUE"
    organizer = str(event["ORGANIZER"])
    assert organizer.endswith("@niot.example.org") and event["ORGANIZER"].params["CN"] == "Leader 1"
    token = token_of(to_ann)
    assert rsvp_of_token(uow.store.link_secret, token) == ann["rsvp_id"]
    assert "ann" not in organizer and ann["rsvp_id"] not in organizer  # the address names nobody
    # An independent parser reads the same.
    parsed = vobject.readOne(to_ann.invitation_ics)
    assert parsed.method.value == "REQUEST"
    assert parsed.vevent.attendee.params["PARTSTAT"] == ["NEEDS-ACTION"]

    public = vevent(to_pat)
    assert public["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED" and public["ATTENDEE"].params["RSVP"] == "FALSE"
    assert str(public["ORGANIZER"]) == "mailto:network@niot.example.org"


def test_a_token_is_bound_to_its_rsvp_and_the_service_secret():
    rsvp_id = str(uuid.uuid4())
    token = reply_token("kept secret", rsvp_id)
    assert len(token) == 42 and token == token.lower()
    assert rsvp_of_token("kept secret", token) == rsvp_id
    assert rsvp_of_token("kept secret", token.upper()) == rsvp_id  # a relay may change its case
    assert rsvp_of_token("another secret", token) is None
    other = reply_token("kept secret", str(uuid.uuid4()))
    assert rsvp_of_token("kept secret", token[:26] + other[26:]) is None  # another RSVP's MAC
    for junk in ("", "x" * 42, token[:-1], None, 42, token + "a"):
        assert rsvp_of_token("kept secret", junk) is None


# --- the matching rules ---------------------------------------------------------------


def _seat_and_screening():
    uow = network()
    view = registered(uow, 1, capacity=5)
    place = invited(uow, view["id"], "Ann")
    store = uow.store
    return store.rsvps[place["rsvp_id"]], store.screenings[view["id"]]


@pytest.mark.parametrize("change, reason", [
    ({"method": "REQUEST"}, "not an iTIP REPLY (METHOD:REQUEST)"),
    ({"method": None}, "not an iTIP REPLY (METHOD:none)"),
    ({"uid": "someone-else@niot.example.org"}, "the REPLY's UID is not the event of the invitation"),
    ({"uid": None}, "the REPLY has no UID"),
    ({"attendees": (ReplyAttendee("mallory@example.org", "DECLINED"),)},
     "the REPLY's attendee is not the invitee the reply address was issued to"),
    ({"attendees": ()}, "the REPLY names no attendee"),
    ({"attendees": (ReplyAttendee("mailto:ANN@example.org", "DECLINED"),
                    ReplyAttendee("bo@example.org", "DECLINED"))},
     "a REPLY answers for one attendee only, and this one names several"),
    ({"attendees": (ReplyAttendee("ann@example.org", "NEEDS-ACTION"),)},
     "PARTSTAT NEEDS-ACTION is not an answer (ACCEPTED, DECLINED or TENTATIVE)"),
    ({"problem": "the mail has no calendar part"}, "the mail has no calendar part"),
])
def test_a_reply_is_refused_with_the_first_rule_it_breaks(change, reason):
    seat_, screening = _seat_and_screening()
    fields = {"method": "REPLY", "uid": screening.uid, "attendees": (ReplyAttendee("ann@example.org", "ACCEPTED"),),
              **change}
    verdict = match(CalendarReply(**fields), seat=seat_, screening=screening)
    assert verdict.outcome is Outcome.REFUSED and verdict.reason == reason


def test_a_genuine_reply_matches_whatever_case_and_mailto_the_client_writes():
    seat_, screening = _seat_and_screening()
    verdict = match(CalendarReply(method="reply", uid=screening.uid,
                                  attendees=(ReplyAttendee("MAILTO:Ann@Example.ORG", "tentative"),)),
                    seat=seat_, screening=screening)
    assert verdict.outcome is Outcome.APPLIED and verdict.answer.value == "TENTATIVE"


def test_a_token_for_no_invitation_or_a_public_seat_is_refused():
    seat_, screening = _seat_and_screening()
    genuine = CalendarReply(method="REPLY", uid=screening.uid, attendees=(ReplyAttendee("ann@example.org", "ACCEPTED"),))
    assert match(genuine, seat=None, screening=None).reason == "the reply address's token names no invitation"
    seat_.invited = False
    assert match(genuine, seat=seat_, screening=screening).reason == "the token's place was not taken by an invitation"


# --- applying answers through the use case ------------------------------------------


def setup_invitation(capacity: int = 1):
    uow = network()
    view = registered(uow, 1, capacity=capacity)
    first = uow.next()
    place = rsvps.invite(first, as_leader(1), view["id"], "Ann", "ann@example.org", now=NOW, settings=SETTINGS)
    [mail] = first.published
    return uow, view, place, token_of(mail)


def test_accepted_records_the_answer_and_mails_the_usual_confirmation_once():
    uow, view, place, token = setup_invitation()
    body = reply(uow.store.screenings[view["id"]].uid, "ann@example.org")
    step = uow.next()
    result = apply(step, token, body)
    assert result["outcome"] == "applied" and result["answer"] == "ACCEPTED" and result["duplicate"] is False
    kept = uow.store.rsvps[place["rsvp_id"]]
    assert kept.partstat == "ACCEPTED" and kept.status is RsvpStatus.CONFIRMED
    [mail] = step.published
    assert isinstance(mail, events.RsvpConfirmed) and mail.invited is False
    attendee = vevent(mail)["ATTENDEE"]
    assert attendee.params["PARTSTAT"] == "ACCEPTED" and attendee.params["RSVP"] == "FALSE"

    again = uow.next()
    assert apply(again, token, body) == {**result, "duplicate": True}  # the same mail delivered twice
    later = uow.next()
    answer = apply(later, token, {**body, "message_id": "<another@example.org>"})
    assert answer["outcome"] == "unchanged" and answer["reason"] == "this answer is already applied"
    assert again.published == [] and later.published == []


def test_declined_frees_the_seat_and_promotes_the_waitlist_and_accepting_again_takes_a_place():
    uow, view, place, token = setup_invitation(capacity=1)
    uid = uow.store.screenings[view["id"]].uid
    waiting = seat(uow, view["id"], "Ben")
    assert waiting["status"] == "waitlisted"

    step = uow.next()
    result = apply(step, token, reply(uid, "ann@example.org", "DECLINED"))
    assert result["outcome"] == "applied"
    assert uow.store.rsvps[place["rsvp_id"]].status is RsvpStatus.CANCELLED
    assert uow.store.rsvps[waiting["rsvp_id"]].status is RsvpStatus.CONFIRMED
    cancelled, promoted = step.published
    assert isinstance(cancelled, events.RsvpCancelled) and cancelled.invitation_method == "CANCEL"
    assert isinstance(promoted, events.RsvpPromoted) and promoted.recipient.email == "ben@example.org"

    # A change of mind: Ann is back, on the waitlist now that Ben has the seat.
    back = uow.next()
    answer = apply(back, token, reply(uid, "ann@example.org", "ACCEPTED", stamp="2026-02-02T11:00:00+00:00"))
    assert answer["outcome"] == "applied"
    kept = uow.store.rsvps[place["rsvp_id"]]
    assert kept.status is RsvpStatus.WAITLISTED and kept.partstat == "ACCEPTED"
    [mail] = back.published
    assert isinstance(mail, events.RsvpWaitlisted) and mail.position == 1


def test_an_older_answer_arriving_late_changes_nothing():
    uow, view, place, token = setup_invitation(capacity=3)
    uid = uow.store.screenings[view["id"]].uid
    apply(uow.next(), token, reply(uid, "ann@example.org", "ACCEPTED", stamp="2026-02-02T11:00:00+00:00"))
    late = apply(uow.next(), token, reply(uid, "ann@example.org", "DECLINED", stamp="2026-02-02T10:00:00+00:00"))
    assert late["outcome"] == "unchanged" and late["reason"] == "older than the answer already applied"
    assert uow.store.rsvps[place["rsvp_id"]].status is RsvpStatus.CONFIRMED


def test_tentative_is_recorded_and_keeps_the_seat_without_mail():
    uow, view, place, token = setup_invitation(capacity=3)
    step = uow.next()
    result = apply(step, token, reply(uow.store.screenings[view["id"]].uid, "ann@example.org", "TENTATIVE"))
    assert result["outcome"] == "applied" and step.published == []
    kept = uow.store.rsvps[place["rsvp_id"]]
    assert kept.partstat == "TENTATIVE" and kept.status is RsvpStatus.CONFIRMED
    assert kept.calendar_answer == ("TENTATIVE", True)


def test_forged_and_unmatched_replies_are_kept_with_the_reason_and_change_nothing():
    uow, view, place, token = setup_invitation(capacity=3)
    uid = uow.store.screenings[view["id"]].uid
    other = registered(uow, 2, capacity=3)
    bo = rsvps.invite(uow.next(), as_leader(1), view["id"], "Bo", "bo@example.org", now=NOW, settings=SETTINGS)
    before = {k: (r.status, r.partstat) for k, r in uow.store.rsvps.items()}
    forged = [
        (token, reply(uid, "bo@example.org", "DECLINED"), "the REPLY's attendee is not the invitee"),
        (token[:-4] + "aaaa", reply(uid, "ann@example.org", "DECLINED"), "token names no invitation"),
        (token, reply(uow.store.screenings[other["id"]].uid, "ann@example.org", "DECLINED"), "UID is not the event"),
        (token, reply(uid, "ann@example.org", "DECLINED", method="REQUEST"), "not an iTIP REPLY"),
        ("not-a-token", reply(uid, "ann@example.org", "DECLINED"), "token names no invitation"),
    ]
    for given, body, reason in forged:
        step = uow.next()
        result = apply(step, given, body)
        assert result["outcome"] == "refused" and reason in result["reason"]
        assert step.published == []
    assert {k: (r.status, r.partstat) for k, r in uow.store.rsvps.items()} == before
    assert bo["status"] == "confirmed"

    listed = answered("calendar_replies", replies.list_replies(uow.next(), MANAGER, "refused", 50))
    assert len(listed) == len(forged) and all(r["reason"] for r in listed)
    with pytest.raises(Forbidden):
        replies.list_replies(uow.next(), as_leader(1), None, 50)
    with pytest.raises(ValidationFailed, match="outcome"):
        replies.list_replies(uow.next(), MANAGER, "lost", 50)


def test_no_answer_changes_a_place_once_the_event_has_started():
    uow, view, place, token = setup_invitation(capacity=3)
    screening = uow.store.screenings[view["id"]]
    step = uow.next()
    result = answered("apply_calendar_reply", replies.apply_reply(
        step, token, reply(screening.uid, "ann@example.org", "DECLINED"),
        now=screening.details.start + timedelta(minutes=1), settings=SETTINGS))
    assert result["outcome"] == "refused" and result["reason"] == "the event has already started"
    assert uow.store.rsvps[place["rsvp_id"]].status is RsvpStatus.CONFIRMED


def test_a_reply_that_breaks_the_contract_is_a_validation_error_naming_the_field():
    uow, view, place, token = setup_invitation()
    with pytest.raises(ValidationFailed, match="reply.attendees"):
        replies.apply_reply(uow.next(), token, {"attendees": "ann"}, now=NOW, settings=SETTINGS)
    with pytest.raises(ValidationFailed, match="reply.dtstamp"):
        replies.apply_reply(uow.next(), token, reply("x", "ann@example.org", stamp="yesterday"), now=NOW,
                            settings=SETTINGS)


def test_accepting_again_waits_for_an_event_that_is_taking_places():
    uow, view, place, token = setup_invitation(capacity=3)
    uid = uow.store.screenings[view["id"]].uid
    apply(uow.next(), token, reply(uid, "ann@example.org", "DECLINED"))
    uow.store.screenings[view["id"]].status = Status.SENT_BACK  # back with its host for changes
    result = apply(uow.next(), token, reply(uid, "ann@example.org", "ACCEPTED", stamp="2026-02-02T12:00:00+00:00"))
    assert result["outcome"] == "refused" and result["reason"] == "the event is not taking places now"
    assert uow.store.rsvps[place["rsvp_id"]].status is RsvpStatus.CANCELLED
