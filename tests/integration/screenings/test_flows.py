"""The screenings service on the real broker: projection, approval, RSVPs, changes, feeds."""
from __future__ import annotations

from datetime import timedelta

import pytest
from nameko.exceptions import RemoteError

from services.runtime import clock
from tests.integration.kit.helpers import wait_for

from .conftest import MANAGER, approved, details, snapshot

HOST = {"role": "leader", "leader_id": 1}


def leader(n):
    return {"role": "leader", "leader_id": n}


def test_leader_events_build_the_projection_and_stale_versions_are_ignored(harness):
    with harness.rpc() as client:
        client.leaders.emit("application_approved", approved(7, version=1))
        client.leaders.emit("leader_updated", {**snapshot(7, version=3, name="Lt. Maria Lopez", trusted_host=True),
                                               "changed": ["name", "trusted_host"]})
        harness.wait_for_mail("application_approved", 1)
        wait_for(lambda: harness.scalar("SELECT leader_version FROM leaders WHERE leader_id = 7") == 3)
        client.leaders.emit("leader_availability_changed", snapshot(7, version=2, name="Stale Name"))
        client.leaders.emit("leader_deactivated", snapshot(8, version=1, status="alumni"))
        wait_for(lambda: harness.scalar("SELECT count(*) FROM leaders WHERE leader_id = 8") == 1)
        wait_for(lambda: harness.scalar("SELECT count(*) FROM processed_events") == 4)
        projected = client.screenings.projected_leader(7)
    assert projected["name"] == "Lt. Maria Lopez" and projected["leader_version"] == 3
    assert projected["trusted_host"] is True


def test_untrusted_host_waits_for_approval_then_is_announced(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1)
        submitted = client.screenings.register_screening(HOST, 1, details())
        assert submitted["status"] == "submitted"
        [mail] = harness.wait_for_mail("screening_submitted", 1)
        assert mail["manager_emails"] == ["programs@niot.example.org"] and mail["resubmission"] is False
        assert mail["screening"]["film_title"] == "Waking in Oak Creek"
        with pytest.raises(RemoteError) as denied:
            client.screenings.approve_screening(HOST, submitted["id"])
        assert denied.value.exc_type == "Forbidden"
        approved_view = client.screenings.approve_screening(MANAGER, submitted["id"])
        assert approved_view["status"] == "scheduled" and approved_view["sequence"] == 1
        [mail] = harness.wait_for_mail("screening_approved", 1)
    assert mail["invitation_method"] == "REQUEST"
    assert "SEQUENCE:1\r\n" in mail["invitation_ics"] and "METHOD:REQUEST\r\n" in mail["invitation_ics"]
    assert mail["screening"]["when"]["time_zone"] == "America/Chicago"
    assert harness.mail("screening_scheduled") == []
    jobs = {r[0] for r in harness.rows("SELECT kind FROM scheduled_jobs WHERE done_at IS NULL")}
    assert jobs == {"screening_reminder", "screening_complete"}


def test_send_back_and_resubmit(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1)
        view = client.screenings.register_screening(HOST, 1, details())
        client.screenings.send_back_screening(MANAGER, view["id"], "Please add a partner school.")
        [sent_back] = harness.wait_for_mail("screening_sent_back", 1)
        assert sent_back["note"] == "Please add a partner school."
        again = client.screenings.resubmit_screening(HOST, view["id"], {"partners": ["Lanphier High School"]})
        assert again["status"] == "resubmitted" and again["partners"] == ["Lanphier High School"]
        mails = harness.wait_for_mail("screening_submitted", 2)
    assert mails[-1]["resubmission"] is True


def test_rsvp_waitlist_promotion_and_cancel_link(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        view = client.screenings.register_screening(HOST, 1, details(capacity=1))
        assert view["status"] == "scheduled"
        harness.wait_for_mail("screening_scheduled", 1)
        first = client.screenings.rsvp(view["id"], "Ana Diaz", "ana@example.org")
        second = client.screenings.rsvp(view["id"], "Ben Ode", "ben@example.org")
        again = client.screenings.rsvp(view["id"], "Ana Diaz", " ANA@example.org ")
        assert first["status"] == "confirmed" and second["status"] == "waitlisted"
        assert second["waitlist_position"] == 1
        # Ana again is answered as a newcomer would be now (the seat is taken), so the
        # answer does not tell whether Ana is coming; she keeps her seat, and a mail says so.
        assert again["rsvp_id"] == first["rsvp_id"] and again["created"] is True
        assert again["status"] == "waitlisted" and again["waitlist_position"] == 2
        assert again["cancel_path"] is None  # the private link is only in Ana's mail
        [repeated] = harness.wait_for_mail("rsvp_repeated", 1)
        assert repeated["status"] == "confirmed" and repeated["rsvp_id"] == first["rsvp_id"]

        [confirmed] = harness.wait_for_mail("rsvp_confirmed", 1)
        [waitlisted] = harness.wait_for_mail("rsvp_waitlisted", 1)
        assert confirmed["recipient"]["email"] == "ana@example.org"
        assert "ATTENDEE" in confirmed["invitation_ics"] and "ben@example.org" not in confirmed["invitation_ics"]
        assert waitlisted["position"] == 1 and waitlisted.get("invitation_ics") is None

        token = first["cancel_path"].split("token=")[1]
        before = harness.snapshot_counts()
        with pytest.raises(RemoteError) as forged:
            client.screenings.cancel_rsvp(first["rsvp_id"], token[:-2] + "xx")
        assert forged.value.exc_type == "NotFound"
        assert harness.snapshot_counts() == before

        result = client.screenings.cancel_rsvp(first["rsvp_id"], token)
        assert result["promoted_rsvp_id"] == second["rsvp_id"]
        [cancelled] = harness.wait_for_mail("rsvp_cancelled", 1)
        [promoted] = harness.wait_for_mail("rsvp_promoted", 1)
        assert cancelled["invitation_method"] == "CANCEL" and cancelled["was_confirmed"] is True
        assert promoted["recipient"]["email"] == "ben@example.org" and promoted["invitation_method"] == "REQUEST"
        # The promoted person's link comes with the promotion mail and works.
        assert client.screenings.attendee_view(second["rsvp_id"], promoted["cancel_path"].split("token=")[1])[
            "rsvp"]["status"] == "confirmed"

        people = client.screenings.attendees(HOST, view["id"])
        assert [p["status"] for p in people] == ["cancelled", "confirmed"]
        csv_text = client.screenings.attendees_csv(HOST, view["id"])
        assert csv_text.splitlines()[0] == "name,email,status,walk_in,registered_at"
        with pytest.raises(RemoteError) as nosy:
            client.screenings.attendees(leader(2), view["id"])
        assert nosy.value.exc_type == "Forbidden"
        public = client.screenings.get_screening(view["id"])
        assert "join_url" not in public and "confirmed" not in public


def test_online_join_link_only_for_confirmed_attendees(harness):
    online = details(venue=None, join_url="https://meet.example.org/niot-42", state="IL", capacity=1)
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        view = client.screenings.register_screening(HOST, 1, online)
        a = client.screenings.rsvp(view["id"], "Ana", "ana@example.org")
        b = client.screenings.rsvp(view["id"], "Ben", "ben@example.org")
        [confirmed] = harness.wait_for_mail("rsvp_confirmed", 1)
        [waitlisted] = harness.wait_for_mail("rsvp_waitlisted", 1)
        seat_view = client.screenings.attendee_view(a["rsvp_id"], a["cancel_path"].split("token=")[1])
        wait_view = client.screenings.attendee_view(b["rsvp_id"], b["cancel_path"].split("token=")[1])
        public = client.screenings.get_screening(view["id"])
        feed = client.screenings.national_feed()["body"]
    assert confirmed["join_url"] == "https://meet.example.org/niot-42"
    assert waitlisted.get("join_url") is None
    assert seat_view["join_url"] == "https://meet.example.org/niot-42" and wait_view["join_url"] is None
    assert "join_url" not in public
    assert "meet.example.org" not in feed and "ana@example.org" not in feed


def test_reschedule_and_cancel_reach_every_attendee_and_stay_cancelled_in_feeds(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True, region="region-5")
        view = client.screenings.register_screening(HOST, 1, details(capacity=1))
        client.screenings.rsvp(view["id"], "Ana", "ana@example.org")
        client.screenings.rsvp(view["id"], "Ben", "ben@example.org")
        start = details(days=12)["start"]
        end = details(days=12, hour=21)["start"]
        moved = client.screenings.reschedule_screening(HOST, view["id"], start, end, message="Room change")
        assert moved["sequence"] == view["sequence"] + 1
        mails = harness.wait_for_mail("screening_rescheduled", 3)
        by_role = {m["recipient_role"]: m for m in mails}
        assert set(by_role) == {"host", "attendee", "waitlisted"}
        assert f"SEQUENCE:{moved['sequence']}\r\n" in by_role["attendee"]["invitation_ics"]
        assert by_role["waitlisted"].get("invitation_ics") is None
        assert by_role["attendee"]["message"] == "Room change"
        assert by_role["attendee"]["previous_when"]["local_start"] != by_role["attendee"]["screening"]["when"]["local_start"]

        with pytest.raises(RemoteError) as needs_message:
            client.screenings.cancel_screening(HOST, view["id"], "")
        assert needs_message.value.exc_type == "ValidationFailed"
        cancelled = client.screenings.cancel_screening(HOST, view["id"], "The library flooded.")
        assert cancelled["status"] == "cancelled" and cancelled["sequence"] == moved["sequence"] + 1
        mails = harness.wait_for_mail("screening_cancelled", 3)
        attendee = next(m for m in mails if m["recipient_role"] == "attendee")
        assert attendee["invitation_method"] == "CANCEL" and "STATUS:CANCELLED" in attendee["invitation_ics"]
        assert attendee["message"] == "The library flooded."

        with pytest.raises(RemoteError) as closed:
            client.screenings.rsvp(view["id"], "Cy", "cy@example.org")
        assert closed.value.exc_type == "Conflict"
        national = client.screenings.national_feed()["body"]
        regional = client.screenings.region_feed("region-5")["body"]
        mine = client.screenings.leader_feed(1)["body"]
    for feed in (national, regional, mine):
        assert view["uid"] in feed and "STATUS:CANCELLED" in feed
        assert f"SEQUENCE:{cancelled['sequence']}" in feed
    assert harness.scalar("SELECT count(*) FROM scheduled_jobs") == 0


def test_feeds_answer_conditional_requests(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        harness.add_leader(client, 2, trusted_host=True, region="region-9", state="CA")
        view = client.screenings.register_screening(HOST, 1, details())
        first = client.screenings.national_feed()
        assert first["body"].startswith("BEGIN:VCALENDAR\r\n") and first["etag"].startswith('"')
        same = client.screenings.national_feed()
        assert same["etag"] == first["etag"] and same["body"] == first["body"]
        not_modified = client.screenings.national_feed(if_none_match=first["etag"])
        assert not_modified["not_modified"] is True and "body" not in not_modified
        since = client.screenings.national_feed(if_modified_since=first["last_modified"])
        assert since["not_modified"] is True
        assert client.screenings.national_feed(if_none_match='"other"')["not_modified"] is False

        client.screenings.change_venue(HOST, view["id"], venue={
            "name": "Springfield High", "address": "101 S Lewis St", "city": "Springfield", "state": "IL"})
        changed = client.screenings.national_feed(if_none_match=first["etag"])
        assert changed["not_modified"] is False and changed["etag"] != first["etag"]
        assert "Springfield High" in changed["body"]
        harness.wait_for_mail("screening_venue_changed", 1)

        empty_region = client.screenings.region_feed("region-9")
        assert "BEGIN:VEVENT" not in empty_region["body"]
        with pytest.raises(RemoteError) as unknown:
            client.screenings.leader_feed(999)
        assert unknown.value.exc_type == "NotFound"


def test_bad_inputs_leave_the_database_unchanged(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        harness.add_leader(client, 3, status="active")
        view = client.screenings.register_screening(HOST, 1, details(capacity=2))
        client.screenings.rsvp(view["id"], "Ana", "ana@example.org")
        client.screenings.rsvp(view["id"], "Ben", "ben@example.org")
        harness.wait_for_mail("rsvp_confirmed", 2)
        before = harness.snapshot_counts()
        bad_calls = [
            (lambda: client.screenings.register_screening(HOST, 1, details(film="no-such-film")), "ValidationFailed"),
            (lambda: client.screenings.register_screening(HOST, 1, details(time_zone="Mars/Olympus")), "ValidationFailed"),
            (lambda: client.screenings.register_screening(HOST, 1, details(end=details()["start"])), "ValidationFailed"),
            (lambda: client.screenings.register_screening(HOST, 1, details(days=-2)), "ValidationFailed"),
            (lambda: client.screenings.register_screening(HOST, 1, details()), "Conflict"),  # double-booked
            (lambda: client.screenings.register_screening(leader(5), 5, details(days=20)), "Forbidden"),
            (lambda: client.screenings.register_screening(HOST, 2, details(days=20)), "Forbidden"),
            (lambda: client.screenings.register_screening({"role": "boss"}, 1, details()), "ValidationFailed"),
            (lambda: client.screenings.register_screening(HOST, 1, details(days=20, cohost_ids=[77])), "ValidationFailed"),
            (lambda: client.screenings.change_capacity(HOST, view["id"], 1), "ValidationFailed"),
            (lambda: client.screenings.rsvp(view["id"], "", "not-an-email"), "ValidationFailed"),
            (lambda: client.screenings.cancel_rsvp("0" * 36, "token"), "NotFound"),
            (lambda: client.screenings.get_screening("nope"), "NotFound"),
            (lambda: client.screenings.search_screenings({"page_size": 1000}), "ValidationFailed"),
            (lambda: client.screenings.add_film(HOST, {"slug": "x", "title": "X", "description": "s"}), "Forbidden"),
            (lambda: client.screenings.add_film(MANAGER, {"slug": "Bad Slug"}), "ValidationFailed"),
            (lambda: client.screenings.file_report(HOST, view["id"], {"head_count": 3}), "Conflict"),
        ]
        for call, expected in bad_calls:
            with pytest.raises(RemoteError) as refused:
                call()
            assert refused.value.exc_type == expected, refused.value
        assert harness.snapshot_counts() == before
        # A DST gap is explained in the error.
        with pytest.raises(RemoteError) as gap:
            client.screenings.register_screening(HOST, 1, details(
                start="2027-03-14T02:30", end="2027-03-14T04:00"))
        assert "does not exist" in str(gap.value)


def test_films_search_and_coverage(harness):
    with harness.rpc() as client:
        harness.add_leader(client, 1, trusted_host=True)
        harness.add_leader(client, 2, trusted_host=True, region="region-9", state="CA")
        films = client.screenings.list_films()
        assert "waking-in-oak-creek" in {f["slug"] for f in films}
        client.screenings.add_film(MANAGER, {"slug": "new-film", "title": "A New Film", "description": "About."})
        assert [i["kind"] for i in client.screenings.get_film("new-film")["kit"]] == ["dvd", "usb_drive", "discussion_guide", "flyer"]
        client.screenings.register_screening(HOST, 1, details(days=2, film="new-film"))
        client.screenings.register_screening(HOST, 1, details(days=5, kind="guided_discussion", film=None,
                                                              title="Roll call talk", format="roll_call"))
        ca = client.screenings.register_screening(leader(2), 2, details(days=3, venue={
            "name": "City Hall", "address": "1 Main St", "city": "Fresno", "state": "CA"}))
        found = client.screenings.search_screenings({"region": "region-5", "page_size": 1})
        assert found["total"] == 2 and len(found["items"]) == 1
        assert client.screenings.search_screenings({"format": "roll_call"})["total"] == 1
        assert client.screenings.search_screenings({"state": "CA"})["items"][0]["id"] == ca["id"]

        clock.advance(timedelta(days=4))
        client.screenings.file_report(leader(2), ca["id"], {
            "head_count": 40, "audiences": ["general_public", "students"], "partners": ["Fresno Unified"]})
        [filed] = harness.wait_for_mail("screening_report_filed", 1)
        assert filed["head_count"] == 40 and filed["manager_emails"] == ["programs@niot.example.org"]
        now = clock.now()
        coverage = client.screenings.coverage_screenings(
            (now - timedelta(days=30)).isoformat(), (now + timedelta(days=30)).isoformat())
    regions = {r["region"]: r for r in coverage["regions"]}
    assert regions["region-9"]["held"] == 1 and regions["region-9"]["attendance"] == 40
    assert regions["region-9"]["report_share"] == 1.0
    assert regions["region-9"]["audiences_reached"] == {"general_public": 1, "students": 1}
    assert regions["region-5"]["held"] == 1 and regions["region-5"]["upcoming"] == 1
    assert regions["region-5"]["report_share"] == 0.0
    assert "CA" not in coverage["states_with_none"] and "TX" in coverage["states_with_none"]
