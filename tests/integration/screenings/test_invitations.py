"""Invitation-only events and co-hosted leader feeds, on the real broker."""
from __future__ import annotations

import pytest
from nameko.exceptions import RemoteError

from services.contracts.screenings import RsvpConfirmed, RsvpWaitlisted
from services.mailer import render
from services.mailer.notifications import RenderContext, notifications_for
from .conftest import MANAGER, details

HOST = {"role": "leader", "leader_id": 1}
COHOST = {"role": "leader", "leader_id": 2}
OUTSIDER = {"role": "leader", "leader_id": 3}
JOIN_URL = "https://meet.example.org/roll-call-7"


def private_event(**overrides) -> dict:
    return details(visibility="invitation_only", format="roll_call", cohost_ids=[2], **overrides)


def token(cancel_path: str) -> str:
    return cancel_path.split("token=")[1]


def vevent_of(feed: str, uid: str) -> str:
    unfolded = feed.replace("\r\n ", "")
    [event] = [block for block in unfolded.split("BEGIN:VEVENT")[1:] if f"\r\nUID:{uid}\r\n" in block]
    return event


def rendered_mail(event_type: str, payload: dict) -> render.RenderedParts:
    model = {"rsvp_confirmed": RsvpConfirmed, "rsvp_waitlisted": RsvpWaitlisted}[event_type]
    data = model.model_validate({k: v for k, v in payload.items() if k != "type"})
    [note] = notifications_for(event_type, data, RenderContext("https://niot.example.org", ("pm@example.org",)))
    # The mailer adds these per message when it stores one.
    per_message = {"greeting": f"Hello {note.to_name},", "unsubscribe_url": None, "kind_label": "reminder"}
    return render.render(note.template, note.subject, {**note.context, **per_message})


def test_organisers_invite_to_a_private_online_event_and_the_public_cannot_get_in(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True, name="Chief Lee")
        harness.add_leader(client, 2)
        harness.add_leader(client, 3)
        view = client.screenings.register_screening(
            HOST, 1, private_event(venue=None, join_url=JOIN_URL, state="IL", capacity=2))
        assert view["status"] == "scheduled" and view["visibility"] == "invitation_only"

        with pytest.raises(RemoteError) as public:
            client.screenings.rsvp(view["id"], "Ana Diaz", "ana@example.org")
        assert public.value.exc_type == "Forbidden" and "invitation only" in public.value.value

        ana = client.screenings.invite(HOST, view["id"], "Ana Diaz", "ana@example.org")
        ben = client.screenings.invite(COHOST, view["id"], "Ben Ode", "ben@example.org")
        cy = client.screenings.invite(MANAGER, view["id"], "Cy Park", "cy@example.org")
        again = client.screenings.invite(HOST, view["id"], "Ana Diaz", " ANA@example.org ")
        assert (ana["status"], ben["status"], cy["status"]) == ("confirmed", "confirmed", "waitlisted")
        assert cy["waitlist_position"] == 1
        assert again["rsvp_id"] == ana["rsvp_id"] and again["created"] is False

        # Being invited does not open the public door, and does not leak the invitee's link.
        with pytest.raises(RemoteError) as invited_email:
            client.screenings.rsvp(view["id"], "Ana Diaz", "ana@example.org")
        assert invited_email.value.exc_type == "Forbidden"
        with pytest.raises(RemoteError) as outsider:
            client.screenings.invite(OUTSIDER, view["id"], "Di", "di@example.org")
        assert outsider.value.exc_type == "Forbidden"
        with pytest.raises(RemoteError) as bad_email:
            client.screenings.invite(HOST, view["id"], "Di", "not-an-email")
        assert bad_email.value.exc_type == "ValidationFailed"

        confirmed = harness.wait_for_mail("rsvp_confirmed", 2)
        [waitlisted] = harness.wait_for_mail("rsvp_waitlisted", 1)
        people = client.screenings.attendees(HOST, view["id"])
        seat_view = client.screenings.attendee_view(ana["rsvp_id"], token(ana["cancel_path"]))

    assert [m["recipient"]["email"] for m in confirmed] == ["ana@example.org", "ben@example.org"]
    for mail in confirmed:
        assert mail["invited"] is True and mail["recipient_role"] == "attendee"
        assert mail["join_url"] == JOIN_URL and mail["invitation_method"] == "REQUEST"
        assert f"mailto:{mail['recipient']['email']}" in mail["invitation_ics"].replace("\r\n ", "")
        assert mail["cancel_path"] == f"/rsvps/{mail['rsvp_id']}/cancel?token={token(mail['cancel_path'])}"
    assert waitlisted["invited"] is True and waitlisted.get("join_url") is None
    assert waitlisted.get("invitation_ics") is None and waitlisted["position"] == 1
    assert [(p["email"], p["invited"]) for p in people] == [
        ("ana@example.org", True), ("ben@example.org", True), ("cy@example.org", True)]
    assert seat_view["join_url"] == JOIN_URL and seat_view["rsvp"]["status"] == "confirmed"

    invitation = rendered_mail("rsvp_confirmed", confirmed[0])
    assert "Chief Lee has invited you" in invitation.text and "Chief Lee has invited you" in invitation.html
    assert "Your place is reserved." not in invitation.text
    assert JOIN_URL in invitation.text and "/cancel?token=" in invitation.text


def test_uninviting_is_cancelling_and_promotes_the_next_invitee(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        harness.add_leader(client, 2)
        view = client.screenings.register_screening(HOST, 1, private_event(capacity=1))
        ana = client.screenings.invite(HOST, view["id"], "Ana Diaz", "ana@example.org")
        ben = client.screenings.invite(HOST, view["id"], "Ben Ode", "ben@example.org")
        result = client.screenings.cancel_rsvp(ana["rsvp_id"], token(ana["cancel_path"]))
        assert result["promoted_rsvp_id"] == ben["rsvp_id"]
        [cancelled] = harness.wait_for_mail("rsvp_cancelled", 1)
        [promoted] = harness.wait_for_mail("rsvp_promoted", 1)
        # Invited again after being uninvited: a new seat is not free, so the waitlist.
        back = client.screenings.invite(HOST, view["id"], "Ana Diaz", "ana@example.org")
        assert back["created"] is True and back["rsvp_id"] != ana["rsvp_id"] and back["status"] == "waitlisted"
    assert cancelled["invitation_method"] == "CANCEL" and cancelled["recipient"]["email"] == "ana@example.org"
    assert promoted["recipient"]["email"] == "ben@example.org" and promoted["invitation_method"] == "REQUEST"


def test_an_invitation_to_a_public_event_is_a_personal_invitation(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True, name="Chief Lee")
        view = client.screenings.register_screening(HOST, 1, details())
        public = client.screenings.rsvp(view["id"], "Ana Diaz", "ana@example.org")
        invited = client.screenings.invite(HOST, view["id"], "Ben Ode", "ben@example.org")
        # Inviting someone who already registered changes nothing and sends nothing.
        same = client.screenings.invite(HOST, view["id"], "Ana Diaz", "ana@example.org")
        assert same["rsvp_id"] == public["rsvp_id"] and same["created"] is False
        mails = harness.wait_for_mail("rsvp_confirmed", 2)
    assert [(m["recipient"]["email"], m["invited"]) for m in mails] == [
        ("ana@example.org", False), ("ben@example.org", True)]
    assert invited["status"] == "confirmed"
    registered = rendered_mail("rsvp_confirmed", mails[0])
    assert "Your place is reserved." in registered.text and "invited you" not in registered.text


def test_invitation_only_events_stay_out_of_public_feeds_search_and_pages(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        harness.add_leader(client, 2)
        harness.add_leader(client, 3)
        private = client.screenings.register_screening(HOST, 1, private_event(title="Roll call briefing"))
        listed = client.screenings.register_screening(HOST, 1, details(days=12, title="Community night"))
        national = client.screenings.national_feed()["body"]
        region = client.screenings.region_feed("region-5")["body"]
        host_feed = client.screenings.leader_feed(1)["body"]
        anonymous = client.screenings.search_screenings({})
        outsider = client.screenings.search_screenings({}, actor=OUTSIDER)
        by_leader = client.screenings.search_screenings({"leader_id": 1})
        cohost_search = client.screenings.search_screenings({}, actor=COHOST)
        manager_search = client.screenings.search_screenings({}, actor=MANAGER)
        with pytest.raises(RemoteError) as page:
            client.screenings.get_screening(private["id"])
        with pytest.raises(RemoteError) as ics:
            client.screenings.event_ics(private["id"])
        cohost_view = client.screenings.get_screening(private["id"], actor=COHOST)
    for body in (national, region, host_feed):
        assert "Community night" in body and "Roll call briefing" not in body and private["uid"] not in body
    assert [i["id"] for i in anonymous["items"]] == [listed["id"]] and anonymous["total"] == 1
    assert [i["id"] for i in outsider["items"]] == [listed["id"]]
    assert [i["id"] for i in by_leader["items"]] == [listed["id"]]
    assert {i["id"] for i in cohost_search["items"]} == {private["id"], listed["id"]}
    assert {i["id"] for i in manager_search["items"]} == {private["id"], listed["id"]}
    assert page.value.exc_type == "NotFound" and ics.value.exc_type == "NotFound"
    assert cohost_view["visibility"] == "invitation_only"


def test_leader_feeds_list_co_hosted_events_and_follow_changes(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        harness.add_leader(client, 2, name="Lt. Maria Lopez")
        harness.add_leader(client, 3, trusted_host=True)
        hosted_by_one = client.screenings.register_screening(
            HOST, 1, details(title="Oak Creek evening", cohost_ids=[2]))
        first = client.screenings.leader_feed(2)
        assert "Oak Creek evening" in first["body"] and "Lt. Maria Lopez" in first["body"]
        assert client.screenings.leader_feed(2, if_none_match=first["etag"])["not_modified"] is True

        # Another host adds leader 2 as co-host: the cached feed must not be served as current.
        client.screenings.register_screening(OUTSIDER, 3, details(days=14, title="Academy session", cohost_ids=[2]))
        second = client.screenings.leader_feed(2, if_none_match=first["etag"])
        assert second["not_modified"] is False
        assert "Oak Creek evening" in second["body"] and "Academy session" in second["body"]
        assert "Academy session" not in client.screenings.leader_feed(1)["body"]

        client.screenings.cancel_screening(HOST, hosted_by_one["id"], "The venue is closed.")
        third = client.screenings.leader_feed(2, if_none_match=second["etag"])
        assert third["not_modified"] is False
        co_hosted = client.screenings.search_screenings({"leader_id": 2})
        harness.wait_for_mail("screening_cancelled", 1)
    assert "STATUS:CANCELLED" in vevent_of(third["body"], hosted_by_one["uid"])
    assert {i["title"] for i in co_hosted["items"]} == {"Oak Creek evening", "Academy session"}
    assert harness.scalar("SELECT count(*) FROM screening_cohosts WHERE leader_id = 2") == 2
