"""User actions through real HTTP against the running leaders and screenings services."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.integration.kit.helpers import wait_for

from .conftest import APPLICATION


def screening_details(days: int = 12) -> dict:
    today = datetime.now(ZoneInfo("America/New_York")).date()
    start = datetime.combine(today + timedelta(days=days), datetime.min.time()).replace(hour=18)
    return {
        "kind": "film_screening", "format": "community_screening", "film": "waking-in-oak-creek",
        "venue": {"name": "Central Library", "address": "1 Margaret Mitchell Sq", "city": "Atlanta", "state": "GA"},
        "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(), "capacity": 1,
        "audiences": ["general_public"], "partners": [], "description": "Screening and discussion.",
    }


def register_when_projected(client, host_id: int) -> dict:
    """The screenings service learns of a new leader from an event; wait until it has."""
    box = {}

    def attempt():
        response = client.post("/api/screenings", json={"host_id": host_id, "details": screening_details()})
        box["response"] = response
        return response.status_code == 201

    wait_for(attempt, timeout=20, interval=0.3)
    return box["response"].json()


def rsvp_to(client, screening_id: str, name: str, email: str) -> dict:
    """A public RSVP that must be taken (201); its answer."""
    response = client.post(f"/api/screenings/{screening_id}/rsvps", json={"name": name, "email": email})
    assert response.status_code == 201, response.text
    return response.json()


def test_application_to_directory_without_contact_details(stack):
    public = stack.browser(stack.base_url)
    duplicate = public.post("/api/applications", json={**APPLICATION, "email": "alex@pd.example.gov"})
    assert duplicate.status_code == 202 and duplicate.json()["status"] == "received"
    listed = stack.manager.get("/api/applications", params={"limit": 200}).json()["applications"]
    assert [a["status"] for a in listed if a["email"] == "alex@pd.example.gov"] == ["approved"]
    bad = public.post("/api/applications", json={**APPLICATION, "email": "not-an-email", "state": "ZZ"})
    assert bad.status_code == 422
    assert {"email", "state"} <= {e["field"] for e in bad.json()["errors"]}

    listing = public.get("/api/directory")
    assert listing.status_code == 200
    assert listing.json()["total"] == 2
    assert "@" not in listing.text
    entry = public.get(f"/api/directory/{stack.leader_ids['a']}")
    assert entry.status_code == 200 and "@" not in entry.text
    private = stack.clients["a"].get(f"/api/leaders/{stack.leader_ids['a']}")
    assert private.status_code == 200 and private.json()["email"] == "alex@pd.example.gov"
    assert public.get("/api/directory/999999").status_code == 404


def test_leader_edits_only_their_own_profile_and_not_their_trust(stack):
    a, b = stack.leader_ids["a"], stack.leader_ids["b"]
    leader_a = stack.clients["a"]
    assert leader_a.request("PATCH", f"/api/leaders/{a}", json={"bio": "Community policing lead."}).status_code == 200
    assert leader_a.request("PATCH", f"/api/leaders/{b}", json={"bio": "hijacked"}).status_code == 403
    trust = leader_a.request("PATCH", f"/api/leaders/{a}", json={"trusted_host": True})
    assert trust.status_code == 403
    bad = leader_a.request("PATCH", f"/api/leaders/{a}", json={"max_mentees": -1})
    assert bad.status_code == 422 and bad.json()["errors"]
    assert stack.manager.request("PATCH", f"/api/leaders/{b}", json={"trusted_host": True}).status_code == 200


def test_screening_review_rsvp_waitlist_and_feed(stack):
    a = stack.leader_ids["a"]
    leader_a, leader_b, manager = stack.clients["a"], stack.clients["b"], stack.manager
    refused = leader_b.post("/api/screenings", json={"host_id": a, "details": screening_details()})
    assert refused.status_code == 403
    screening = register_when_projected(leader_a, a)
    sid = screening["id"]
    assert screening["status"] == "submitted"
    public = stack.browser(stack.base_url)
    assert public.get(f"/api/screenings/{sid}").status_code == 404  # not public until approved
    # Another leader cannot even see an unpublished screening; once public, they are refused.
    assert leader_b.post(f"/api/screenings/{sid}/cancel", json={}).status_code == 404
    assert leader_a.post(f"/api/screenings/{sid}/approve").status_code == 403
    assert manager.post(f"/api/screenings/{sid}/approve").status_code == 200
    assert leader_b.post(f"/api/screenings/{sid}/cancel", json={}).status_code == 403

    first = public.post(f"/api/screenings/{sid}/rsvps", json={"name": "Pat Public", "email": "pat@example.org"})
    second = public.post(f"/api/screenings/{sid}/rsvps", json={"name": "Quinn Q", "email": "quinn@example.org"})
    assert first.status_code == second.status_code == 201
    assert [first.json()["status"], second.json()["status"]] == ["confirmed", "waitlisted"]
    assert "@" not in first.text
    page = public.get(f"/api/screenings/{sid}")
    assert page.status_code == 200
    for address in ("pat@example.org", "quinn@example.org", "alex@pd.example.gov"):
        assert address not in page.text

    attendees = leader_a.get(f"/api/screenings/{sid}/attendees")
    assert attendees.status_code == 200 and "pat@example.org" in attendees.text
    assert leader_b.get(f"/api/screenings/{sid}/attendees").status_code in (403, 404)

    feed = public.get("/feeds/screenings.ics")
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in feed.text and "pat@example.org" not in feed.text
    again = public.get("/feeds/screenings.ics", headers={"If-None-Match": feed.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    warm = public.get("/feeds/screenings.ics")  # from the gateway's cache, checked with the service
    assert warm.status_code == 200 and warm.content == feed.content and warm.headers["ETag"] == feed.headers["ETag"]
    cancelled = leader_a.post(f"/api/screenings/{sid}/cancel", json={"message": "The venue flooded."})
    assert cancelled.status_code == 200
    changed = public.get("/feeds/screenings.ics", headers={"If-None-Match": feed.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != feed.headers["ETag"]
    assert "STATUS:CANCELLED" in changed.text  # a cached feed is never served stale
    assert public.get(f"/feeds/leaders/{a}/screenings.ics").status_code == 200
    assert public.get(f"/screenings/{sid}/event.ics").text.startswith("BEGIN:VCALENDAR")


def test_a_waitlisted_rsvp_is_told_its_place_in_line(stack):
    leader_a = stack.clients["a"]
    sid = register_when_projected(leader_a, stack.leader_ids["a"])["id"]  # one seat
    assert stack.manager.post(f"/api/screenings/{sid}/approve").status_code == 200
    public = stack.browser(stack.base_url)

    def rsvp(name: str, email: str) -> dict:
        return rsvp_to(public, sid, name, email)

    seated = rsvp("Pat Public", "pat@example.org")
    first = rsvp("Quinn Q", "quinn@example.org")
    second = rsvp("Robin R", "robin@example.org")
    again = rsvp("Robin R", "ROBIN@example.org")
    assert seated == {"status": "confirmed", "waitlist_position": None, "created": True, "screening_id": sid}
    assert first == {"status": "waitlisted", "waitlist_position": 1, "created": True, "screening_id": sid}
    # The same address again answers as a newcomer would be answered (third in line), so
    # the form tells nobody who is already on the list; Robin keeps the place held.
    assert second["waitlist_position"] == 2 and again == {**second, "waitlist_position": 3}
    people = leader_a.get(f"/api/screenings/{sid}/attendees").json()
    assert [(p["name"], p["status"]) for p in people] == [
        ("Pat Public", "confirmed"), ("Quinn Q", "waitlisted"), ("Robin R", "waitlisted")]


def test_unknown_service_is_a_503_with_a_clear_message(gateway, browser):
    base_url, config, accounts = gateway
    response = browser(base_url).get("/api/directory")
    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable" and "leaders" in response.json()["message"]
