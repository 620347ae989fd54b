"""No mail to a member of the public carries any address but theirs and the network's:
not the host's, not a co-host's, not another attendee's, in any header or any part (the
calendar invitation included, whose ORGANIZER is the network's mailbox with the host's
name)."""
from __future__ import annotations

import email
import email.policy
import re
from datetime import datetime, timedelta

import icalendar

from tests.integration.kit.helpers import wait_for

from .conftest import wait_until_mail_settles
from .test_api import screening_details

ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
NETWORK = {"network@niot.example.org", "program@niot.example.org"}  # SMTP from and reply_to in config.yml
PUBLIC = ("pat@example.org", "quinn@example.org", "robin@example.org")
INVITEE = "sky@example.org"
# An invitee's invitation names their own reply address (a token that names nobody) as its
# ORGANIZER, where their calendar's answer comes back.
REPLY_ADDRESS = re.compile(r"^replies\+[a-z2-7]{42}@niot\.example\.org$")


def addresses_in(message: email.message.EmailMessage) -> set[str]:
    """Every address anywhere in the message: its headers and each decoded part."""
    found = set()
    for name, value in message.items():
        if name.lower() not in ("message-id", "references", "in-reply-to"):
            found |= set(ADDRESS.findall(str(value)))
    for part in message.walk():
        if not part.is_multipart():
            text = part.get_payload(decode=True).decode("utf-8", "replace")
            if part.get_content_type() in ("text/calendar", "application/ics"):
                # Unfolded (RFC 5545 3.1), so that an address split over two lines is read whole.
                text = re.sub(r"\r?\n[ \t]", "", text)
            # (an event's UID has the shape of an address but names the event, not anyone)
            found |= set(ADDRESS.findall(re.sub(r"(?m)^UID:.*$", "", text)))
    return {a.lower() for a in found}


def test_no_mail_to_the_public_carries_an_address_but_theirs_and_the_networks(full_stack):
    stack = full_stack
    a, b = stack.leader_ids["a"], stack.leader_ids["b"]
    details = {**screening_details(), "capacity": 2, "cohost_ids": [str(b)]}
    box = {}

    def register():
        box["response"] = stack.clients["a"].post("/api/screenings", json={"host_id": a, "details": details})
        return box["response"].status_code == 201

    wait_for(register, timeout=20, interval=0.3)
    sid = box["response"].json()["id"]
    assert stack.manager.post(f"/api/screenings/{sid}/approve").status_code == 200
    invited = stack.clients["a"].post(f"/api/screenings/{sid}/invitations",
                                      json={"invitees": [{"email": INVITEE, "name": "Sky Invitee"}]})
    assert invited.status_code == 200, invited.text
    public = stack.browser(stack.base_url)
    for number, address in enumerate(PUBLIC):
        answer = public.post(f"/api/screenings/{sid}/rsvps", json={"name": f"Person {number}", "email": address})
        assert answer.status_code == 201, answer.text
    start = datetime.fromisoformat(details["start"]) + timedelta(days=1)
    moved = stack.clients["a"].post(f"/api/screenings/{sid}/reschedule", json={
        "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(), "message": "A day later."})
    assert moved.status_code == 200, moved.text
    assert stack.clients["a"].post(f"/api/screenings/{sid}/cancel", json={"message": "Sorry."}).status_code == 200
    wait_until_mail_settles(stack.config)

    to_public = [m for m in stack.smtp_server.messages if set(m.rcpt_tos) & {*PUBLIC, INVITEE}]
    parsed = [(m.rcpt_tos, email.message_from_bytes(m.data, policy=email.policy.default)) for m in to_public]
    subjects = {message["Subject"] for _, message in parsed}
    assert len(to_public) >= 6, subjects  # seats, the waitlist place, the change, the cancellation
    calendars = 0
    invitee_replies = set()
    for rcpt_tos, message in parsed:
        assert len(rcpt_tos) == 1
        replies = set()
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                calendars += 1
                event = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
                organizer = str(event["ORGANIZER"]).lower().removeprefix("mailto:")
                if rcpt_tos[0] == INVITEE:
                    assert REPLY_ADDRESS.match(organizer), organizer
                    replies.add(organizer)
                    invitee_replies.add(organizer)
                else:
                    assert organizer == "network@niot.example.org"
                assert event["ORGANIZER"].params["CN"] == "Alex Able"
        leaked = addresses_in(message) - NETWORK - {rcpt_tos[0]} - replies
        assert not leaked, f"{message['Subject']!r} to {rcpt_tos[0]} carries {leaked}"
    assert calendars >= 4
    assert len(invitee_replies) == 1  # the invitee's one reply address, on each of their calendars
