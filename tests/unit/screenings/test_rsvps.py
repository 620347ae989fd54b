import csv
import io
from datetime import timedelta

import pytest

from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.screenings.domain.rsvps import AttendeeList, RsvpStatus, hash_token, new_cancel_token, \
    verify_cancel_token
from services.screenings.domain.screening import Status

from .factories import NOW, scheduled, submitted

LATER = NOW + timedelta(hours=1)


def event_with(capacity=2, **overrides):
    screening = scheduled(capacity=capacity, **overrides)
    return screening, AttendeeList(screening.id)


def test_rsvp_confirms_until_full_then_waitlists_in_order():
    screening, attendees = event_with(capacity=2)
    results = [
        attendees.rsvp(screening, name=name, email=f"{name.lower()}@example.org", now=LATER)
        for name in ("Ana", "Ben", "Cy", "Di")
    ]
    assert [r.rsvp.status for r in results] == [
        RsvpStatus.CONFIRMED, RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED, RsvpStatus.WAITLISTED,
    ]
    assert all(r.created and r.cancel_token for r in results)
    assert [r.name for r in attendees.waitlist] == ["Cy", "Di"]


def test_same_email_twice_is_idempotent():
    screening, attendees = event_with()
    first = attendees.rsvp(screening, name="Ana", email="Ana@Example.org", now=LATER)
    again = attendees.rsvp(screening, name="Ana B.", email="  ana@example.ORG ", now=LATER)
    assert again.created is False
    assert again.rsvp is first.rsvp
    assert again.cancel_token is None  # the token exists only in the first reply
    assert len(attendees.rsvps) == 1


def test_same_email_on_the_waitlist_is_idempotent_too():
    screening, attendees = event_with(capacity=1)
    attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER)
    waiting = attendees.rsvp(screening, name="Ben", email="ben@example.org", now=LATER)
    again = attendees.rsvp(screening, name="Ben", email="ben@example.org", now=LATER)
    assert again.rsvp is waiting.rsvp and again.rsvp.status is RsvpStatus.WAITLISTED


def test_rsvp_input_is_validated():
    screening, attendees = event_with()
    with pytest.raises(ValidationFailed) as excinfo:
        attendees.rsvp(screening, name="", email="not-an-email", now=LATER)
    assert {e["field"] for e in excinfo.value.errors} == {"name", "email"}
    assert attendees.rsvps == []


def test_rsvp_to_a_cancelled_event_is_a_conflict():
    screening, attendees = event_with()
    existing = attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER)
    screening.cancel(message="Postponed", now=LATER)
    with pytest.raises(Conflict):
        attendees.rsvp(screening, name="Ben", email="ben@example.org", now=LATER)
    with pytest.raises(Conflict):
        attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER)
    assert attendees.rsvps == [existing.rsvp]


def test_rsvp_to_a_past_or_started_event_is_a_conflict():
    screening, attendees = event_with()
    with pytest.raises(Conflict):
        attendees.rsvp(screening, name="Ana", email="ana@example.org", now=screening.details.start)
    with pytest.raises(Conflict):
        attendees.rsvp(screening, name="Ana", email="ana@example.org", now=screening.details.end + timedelta(days=1))
    assert attendees.rsvps == []


def test_rsvp_to_an_unapproved_event_is_a_conflict():
    screening = submitted()
    with pytest.raises(Conflict):
        AttendeeList(screening.id).rsvp(screening, name="Ana", email="ana@example.org", now=LATER)


def test_invitation_only_event_refuses_public_rsvps():
    screening, attendees = event_with(visibility="invitation_only")
    with pytest.raises(Forbidden):
        attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER)
    assert attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER, invited=True).created


def test_an_invited_email_cannot_use_the_public_form_to_learn_its_place():
    screening, attendees = event_with(visibility="invitation_only")
    invited = attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER, invited=True)
    with pytest.raises(Forbidden, match="invitation only"):
        attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER)
    assert attendees.rsvps == [invited.rsvp] and invited.rsvp.invited is True


def test_invitations_fill_seats_then_the_waitlist_and_repeat_invitations_are_no_ops():
    screening, attendees = event_with(capacity=1, visibility="invitation_only")
    ana = attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER, invited=True)
    ben = attendees.rsvp(screening, name="Ben", email="ben@example.org", now=LATER, invited=True)
    again = attendees.rsvp(screening, name="Ana", email="ANA@example.org", now=LATER, invited=True)
    assert (ana.rsvp.status, ben.rsvp.status) == (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED)
    assert again.created is False and again.rsvp is ana.rsvp and len(attendees.rsvps) == 2
    promoted = attendees.cancel(screening, ana.rsvp.id, now=LATER).promoted
    assert promoted is ben.rsvp and promoted.status is RsvpStatus.CONFIRMED


def test_invitations_follow_the_same_rules_as_rsvps():
    screening, attendees = event_with(visibility="invitation_only")
    screening.cancel(message="Postponed", now=LATER)
    with pytest.raises(Conflict):
        attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER, invited=True)
    pending = submitted(visibility="invitation_only")
    with pytest.raises(Conflict):
        AttendeeList(pending.id).rsvp(pending, name="Ana", email="ana@example.org", now=LATER, invited=True)


def test_public_rsvps_are_not_marked_invited():
    screening, attendees = event_with()
    assert attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER).rsvp.invited is False


def test_cancelling_a_confirmed_seat_promotes_the_first_waitlisted():
    screening, attendees = event_with(capacity=1)
    ana = attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER).rsvp
    ben = attendees.rsvp(screening, name="Ben", email="ben@example.org", now=LATER).rsvp
    cy = attendees.rsvp(screening, name="Cy", email="cy@example.org", now=LATER).rsvp
    result = attendees.cancel(screening, ana.id, now=LATER)
    assert result.cancelled is ana and ana.status is RsvpStatus.CANCELLED
    assert result.promoted is ben and ben.status is RsvpStatus.CONFIRMED and ben.promoted_at == LATER
    assert cy.status is RsvpStatus.WAITLISTED
    assert [r.name for r in attendees.confirmed] == ["Ben"]


def test_cancelling_a_waitlist_place_promotes_nobody():
    screening, attendees = event_with(capacity=1)
    attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER)
    ben = attendees.rsvp(screening, name="Ben", email="ben@example.org", now=LATER).rsvp
    attendees.rsvp(screening, name="Cy", email="cy@example.org", now=LATER)
    assert attendees.cancel(screening, ben.id, now=LATER).promoted is None
    assert [r.name for r in attendees.waitlist] == ["Cy"]


def test_cancelled_rsvp_cannot_be_cancelled_again_and_can_rsvp_anew():
    screening, attendees = event_with(capacity=1)
    ana = attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER).rsvp
    attendees.cancel(screening, ana.id, now=LATER)
    with pytest.raises(Conflict):
        attendees.cancel(screening, ana.id, now=LATER)
    again = attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER)
    assert again.created and again.rsvp is not ana
    with pytest.raises(NotFound):
        attendees.cancel(screening, "no-such-id", now=LATER)


def test_cancel_link_with_the_right_token():
    screening, attendees = event_with(capacity=1)
    ana = attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER)
    ben = attendees.rsvp(screening, name="Ben", email="ben@example.org", now=LATER)
    assert ana.rsvp.cancel_token_hash == hash_token(ana.cancel_token)
    assert ana.cancel_token not in ana.rsvp.cancel_token_hash
    result = attendees.cancel_with_token(screening, ana.rsvp.id, ana.cancel_token, now=LATER)
    assert result.promoted is ben.rsvp


@pytest.mark.parametrize("forged", ["", "x" * 43, None, 12345])
def test_forged_cancel_link_changes_nothing(forged):
    screening, attendees = event_with(capacity=1)
    ana = attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER)
    ben = attendees.rsvp(screening, name="Ben", email="ben@example.org", now=LATER)
    with pytest.raises(NotFound):
        attendees.cancel_with_token(screening, ana.rsvp.id, forged, now=LATER)
    # Another attendee's genuine token does not work on this RSVP either.
    with pytest.raises(NotFound):
        attendees.cancel_with_token(screening, ana.rsvp.id, ben.cancel_token, now=LATER)
    with pytest.raises(NotFound):
        attendees.cancel_with_token(screening, "unknown", ana.cancel_token, now=LATER)
    assert ana.rsvp.status is RsvpStatus.CONFIRMED and ben.rsvp.status is RsvpStatus.WAITLISTED


def test_cancel_tokens_are_random_and_verified_by_hash():
    token, stored = new_cancel_token()
    other, _ = new_cancel_token()
    assert token != other and len(token) >= 40
    assert verify_cancel_token(token, stored)
    assert not verify_cancel_token(other, stored)
    assert not verify_cancel_token(token, None)


def test_cancelling_after_the_start_is_a_conflict():
    screening, attendees = event_with()
    ana = attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER).rsvp
    with pytest.raises(Conflict):
        attendees.cancel(screening, ana.id, now=screening.details.start)
    assert ana.status is RsvpStatus.CONFIRMED


def test_capacity_cannot_drop_below_confirmed_seats():
    screening, attendees = event_with(capacity=3)
    for name in ("Ana", "Ben", "Cy"):
        attendees.rsvp(screening, name=name, email=f"{name}@example.org", now=LATER)
    with pytest.raises(ValidationFailed) as excinfo:
        attendees.change_capacity(screening, 2, now=LATER)
    assert excinfo.value.field == "capacity"
    assert screening.details.capacity == 3
    with pytest.raises(ValidationFailed) as excinfo:
        attendees.change_capacity(screening, 0, now=LATER)
    assert excinfo.value.field == "capacity"
    assert attendees.change_capacity(screening, 3, now=LATER) == []


def test_raising_capacity_promotes_from_the_waitlist_in_order():
    screening, attendees = event_with(capacity=1)
    for name in ("Ana", "Ben", "Cy", "Di"):
        attendees.rsvp(screening, name=name, email=f"{name}@example.org", now=LATER)
    promoted = attendees.change_capacity(screening, 3, now=LATER)
    assert [r.name for r in promoted] == ["Ben", "Cy"]
    assert [r.name for r in attendees.waitlist] == ["Di"]


def test_walk_ins_are_confirmed_even_when_full():
    screening, attendees = event_with(capacity=1)
    attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER)
    walk_in = attendees.add_walk_in(screening, name="Eve", now=screening.details.start)
    assert walk_in.walk_in and walk_in.status is RsvpStatus.CONFIRMED and walk_in.email is None
    assert walk_in.cancel_token_hash is None
    assert len(attendees.confirmed) == 2


def test_walk_in_who_was_waitlisted_is_confirmed_not_duplicated():
    screening, attendees = event_with(capacity=1)
    attendees.rsvp(screening, name="Ana", email="ana@example.org", now=LATER)
    ben = attendees.rsvp(screening, name="Ben", email="ben@example.org", now=LATER).rsvp
    walk_in = attendees.add_walk_in(screening, name="Ben", email="BEN@example.org", now=screening.details.start)
    assert walk_in is ben and ben.status is RsvpStatus.CONFIRMED
    assert len(attendees.rsvps) == 2


def test_walk_ins_are_refused_on_cancelled_events():
    screening, attendees = event_with()
    screening.cancel(message="Storm warning", now=LATER)
    with pytest.raises(Conflict):
        attendees.add_walk_in(screening, name="Eve", now=LATER)


def test_after_the_event_walk_ins_can_still_be_recorded():
    screening, attendees = event_with()
    screening.complete(now=screening.details.end)
    assert attendees.add_walk_in(screening, name="Eve", now=screening.details.end).walk_in
    assert screening.status is Status.COMPLETED


def test_attendee_csv_export_is_spreadsheet_safe():
    screening, attendees = event_with(capacity=1)
    attendees.rsvp(screening, name="=HYPERLINK(\"x\")", email="ana@example.org", now=LATER)
    attendees.rsvp(screening, name="Ben, Jr.", email="ben@example.org", now=LATER)
    rows = list(csv.reader(io.StringIO(attendees.to_csv())))
    assert rows[0] == ["name", "email", "status", "walk_in", "registered_at"]
    assert rows[1][0] == "'=HYPERLINK(\"x\")" and rows[1][2] == "confirmed"
    assert rows[2][:3] == ["Ben, Jr.", "ben@example.org", "waitlisted"]
