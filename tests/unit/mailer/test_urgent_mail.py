"""Rapid response mail, read back by a strict parser: who hears what, and the
requester's contact reaching only the leader who took the request."""
from __future__ import annotations

import email
import email.policy

import sqlalchemy as sa

from services.mailer.app import queueing
from services.mailer.models import Message

from .events import MANAGERS, NOW, event

STRICT = email.policy.strict


def mails(db, settings, event_type) -> dict[str, tuple[str, str]]:
    """recipient -> (subject, plain text) of the mail one event queues, parsed strictly."""
    ev = event(event_type)
    with db.unit_of_work() as uow:
        queueing.queue_event(uow, ev, settings, NOW)
    with db.transaction() as session:
        rows = session.execute(sa.select(Message).where(Message.source_event_id == str(ev.event_id))).scalars()
        found = {}
        for row in rows:
            parsed = email.message_from_bytes(row.mime, policy=STRICT)
            assert all(part.defects == [] for part in parsed.walk())
            found[row.recipient] = (str(parsed["Subject"]), parsed.get_body(("plain",)).get_content())
        return found


def test_each_offered_leader_and_the_managers_hear_of_a_new_urgent_request(db, settings):
    found = mails(db, settings, "urgent_request_offered")
    assert set(found) == {"olivia.hart@covington.example.gov", "ned.park@newport.example.gov", *MANAGERS}
    subject, text = found["ned.park@newport.example.gov"]
    assert subject == "Urgent request near 45202 (Cincinnati, OH): can you help?"
    assert "3.7 miles away" in text and "Swastikas" in text and "/leader#urgent" in text
    assert "dana.reyes" not in text  # no contact before a leader takes it
    subject, text = found[MANAGERS[0]]
    assert subject == "New urgent request: 45202 (Cincinnati, OH)"
    assert "Olivia Hart (3 mi), Ned Park (4 mi)" in text and "/manage#urgent-12" in text


def test_when_taken_each_party_gets_what_is_theirs(db, settings):
    found = mails(db, settings, "urgent_request_taken")
    requester = found["dana.reyes@cincinnati-oh.example.gov"]
    assert requester[0] == "Olivia Hart is taking your urgent request"
    assert "olivia.hart@covington.example.gov" in requester[1] and "+18595550100" in requester[1]
    leader = found["olivia.hart@covington.example.gov"]
    assert "dana.reyes@cincinnati-oh.example.gov" in leader[1] and "(513) 555-0100" in leader[1]
    withdrawn = found["ned.park@newport.example.gov"]
    assert withdrawn[0] == "Urgent request near 45202 (Cincinnati, OH): another leader took it"
    assert "dana.reyes" not in withdrawn[1] and "Olivia" not in withdrawn[1]
    assert found[MANAGERS[0]][0] == "Urgent request #12 taken by Olivia Hart: 45202 (Cincinnati, OH)"


def test_managers_are_told_when_nobody_is_left(db, settings):
    found = mails(db, settings, "urgent_request_waiting")
    assert set(found) == set(MANAGERS)
    subject, text = found[MANAGERS[1]]
    assert subject == "Urgent: no leader left for urgent request #12 (45202 (Cincinnati, OH))"
    assert "2 rounds offered" in text
