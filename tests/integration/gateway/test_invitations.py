"""Organisers inviting people and messaging everyone coming, through the gateway's JSON
routes, over the real broker, to the real screenings service."""
from __future__ import annotations

from .test_api import register_when_projected, screening_details


def test_an_organiser_invites_addresses_to_an_invitation_only_event(stack):
    a = stack.leader_ids["a"]
    leader_a, leader_b, manager = stack.clients["a"], stack.clients["b"], stack.manager
    sid = register_when_projected(leader_a, a)["id"]
    # Sent back and resubmitted as invitation-only, as a host does from the edit page.
    assert manager.post(f"/api/screenings/{sid}/send-back", json={"note": "Invite the partners only."}).status_code == 200
    details = {**screening_details(), "visibility": "invitation_only", "capacity": 5}
    resubmitted = leader_a.post(f"/api/screenings/{sid}/resubmit", json={"changes": details})
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["visibility"] == "invitation_only"
    assert manager.post(f"/api/screenings/{sid}/approve").status_code == 200

    invitees = {"invitees": [{"email": "ann@example.org", "name": "Ann Invitee"}, {"email": "not-an-address"},
                             {"email": "bo@example.org"}]}
    # Another leader may not even see an invitation-only event.
    assert leader_b.post(f"/api/screenings/{sid}/invitations", json=invitees).status_code == 404
    public = stack.browser(stack.base_url)
    assert public.post(f"/api/screenings/{sid}/invitations", json=invitees).status_code in (401, 403)

    answer = leader_a.post(f"/api/screenings/{sid}/invitations", json=invitees)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(p["email"], p["name"], p["status"]) for p in body["invited"]] == [
        ("ann@example.org", "Ann Invitee", "confirmed"), ("bo@example.org", "bo", "confirmed")]
    assert [r["email"] for r in body["refused"]] == ["not-an-address"]
    again = leader_a.post(f"/api/screenings/{sid}/invitations", json={"invitees": [{"email": "ann@example.org"}]})
    assert again.json()["invited"][0]["already_invited"] is True

    people = leader_a.get(f"/api/screenings/{sid}/attendees").json()
    assert sorted(p["email"] for p in people if p["invited"]) == ["ann@example.org", "bo@example.org"]
    assert public.get(f"/api/screenings/{sid}").status_code == 404
    assert public.get(f"/screenings/{sid}", headers={"Accept": "text/html"}).status_code == 404
    assert public.get(f"/screenings/{sid}?rsvp={people[0]['rsvp_id']}&token=guessed",
                      headers={"Accept": "text/html"}).status_code == 404


def test_an_organiser_messages_everyone_coming(stack):
    a = stack.leader_ids["a"]
    leader_a, leader_b, manager = stack.clients["a"], stack.clients["b"], stack.manager
    sid = register_when_projected(leader_a, a)["id"]
    assert manager.post(f"/api/screenings/{sid}/approve").status_code == 200
    public = stack.browser(stack.base_url)
    for name, address in (("Pat Public", "pat@example.org"), ("Quinn Q", "quinn@example.org")):
        assert public.post(f"/api/screenings/{sid}/rsvps", json={"name": name, "email": address}).status_code == 201

    note = {"subject": "Parking", "message": "Use the lot behind the library."}
    assert leader_b.post(f"/api/screenings/{sid}/messages", json=note).status_code == 403
    assert public.post(f"/api/screenings/{sid}/messages", json=note).status_code in (401, 403)
    refused = leader_a.post(f"/api/screenings/{sid}/messages", json={"subject": "", "message": "Hello"})
    assert refused.status_code == 422 and "subject" in refused.text
    sent = leader_a.post(f"/api/screenings/{sid}/messages", json=note)
    assert sent.status_code == 200, sent.text
    assert sent.json() == {"screening_id": sid, "recipients": 3}  # a seat, a waitlist place and the host
