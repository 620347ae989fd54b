"""Answering an invitation from the calendar, end to end: invitations go out through the
real mailer, each invitee's calendar answers with the REPLY its client writes (Outlook,
Gmail, Apple Calendar, Thunderbird; tests/fixtures/imip/), sent over SMTP to the real
inbound listener (its own process, as `niot run` starts it), which hands it to the real
screenings service over the broker. The confirmation comes back through the mailer."""
from __future__ import annotations

import email
import email.policy
import json
import re
import smtplib
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
import yaml

from tests.integration.kit.helpers import count, wait_for
from tests.support.imip import reply_mail

from .conftest import free_port, wait_until_mail_settles
from .test_api import screening_details
from .test_mail_privacy import NETWORK, addresses_in

PROJECT = Path(__file__).resolve().parents[3]
INVITEES = {"ann@example.org": "Ann Invitee", "bo@example.org": "Bo Invitee", "cy@example.org": "Cy Invitee"}
REPLY_ADDRESS = re.compile(r"^replies\+[a-z2-7]{42}@niot\.example\.org$")


def start_listener(tmp_path: Path, amqp_uri: str) -> tuple[subprocess.Popen, int, Path]:
    """The inbound listener as its own process, as `niot run` starts it, on a free loopback
    port, talking to the broker at `amqp_uri`."""
    config = tmp_path / "config.yml"
    port = free_port()
    config.write_text(yaml.safe_dump({
        "AMQP_URI": amqp_uri, "SMTP": {"from": "NIOT Law Enforcement Network <network@niot.example.org>"},
        "MAILER": {"inbound": {"host": "127.0.0.1", "port": port, "rpc_timeout_seconds": 10}},
    }))
    log_path = tmp_path / "inbound.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "services.mailer.inbound.listener", "--config", str(config)],
                                   cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT)

    def listening() -> bool:
        assert process.poll() is None, log_path.read_text()
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
            return True
        except OSError:
            return False

    wait_for(listening, timeout=30, interval=0.2)
    return process, port, config


@pytest.fixture
def inbound(full_stack, tmp_path):
    process, port, config = start_listener(tmp_path, full_stack.config["AMQP_URI"])
    yield port, config
    process.terminate()
    process.wait(10)


def send(port: int, recipient: str, data: bytes, sender: str = "someone@example.org") -> tuple[int, str]:
    """One message over SMTP; the server's answer to DATA."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo()
        assert smtp.mail(sender)[0] == 250
        code, message = smtp.rcpt(recipient)
        if code != 250:
            return code, message.decode()
        code, message = smtp.data(data)
        return code, message.decode()


def mails_to(server, address: str) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(m.data, policy=email.policy.strict)
            for m in server.messages if address in m.rcpt_tos]


def calendar_of(message) -> icalendar.Event:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]


def attendees(client, sid: str) -> dict[str, dict]:
    return {p["email"]: p for p in client.get(f"/api/screenings/{sid}/attendees").json()}


def test_invitees_answer_from_outlook_gmail_and_apple_and_a_decline_frees_a_seat(full_stack, inbound):
    stack = full_stack
    inbound, config = inbound
    a = stack.leader_ids["a"]
    leader = stack.clients["a"]
    box = {}

    def register():
        details = {**screening_details(), "capacity": 3, "visibility": "invitation_only"}
        box["response"] = leader.post("/api/screenings", json={"host_id": a, "details": details})
        return box["response"].status_code == 201

    wait_for(register, timeout=20, interval=0.3)
    sid = box["response"].json()["id"]
    assert stack.manager.post(f"/api/screenings/{sid}/approve").status_code == 200
    invited = leader.post(f"/api/screenings/{sid}/invitations", json={"invitees": [
        {"email": address, "name": name} for address, name in INVITEES.items()] + [
        {"email": "dee@example.org", "name": "Dee Waiting"}]})
    assert invited.status_code == 200, invited.text
    assert [p["status"] for p in invited.json()["invited"]] == ["confirmed"] * 3 + ["waitlisted"]
    wait_until_mail_settles(stack.config)

    # Each invitation asks its invitee to answer, at an address of their own that names nobody.
    organizers = {}
    for address in INVITEES:
        [invitation] = mails_to(stack.smtp_server, address)
        assert invitation["Subject"].startswith("You are invited")
        event = calendar_of(invitation)
        assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION" and event["ATTENDEE"].params["RSVP"] == "TRUE"
        organizer = str(event["ORGANIZER"]).removeprefix("mailto:")
        assert REPLY_ADDRESS.match(organizer) and event["ORGANIZER"].params["CN"] == "Alex Able"
        assert addresses_in(invitation) - NETWORK - {address, organizer} == set()
        organizers[address] = organizer
        uid = str(event["UID"])
    assert len(set(organizers.values())) == 3
    assert {p["calendar_answer"] for p in attendees(leader, sid).values()} == {"NEEDS-ACTION"}

    # Accept from three clients, each with its own MIME shape.
    for address, client in (("ann@example.org", "outlook"), ("bo@example.org", "gmail"),
                            ("cy@example.org", "apple")):
        mail = reply_mail(client, uid=uid, attendee=address, organizer=organizers[address], name=INVITEES[address])
        assert send(inbound, organizers[address], mail, sender=address) == (
            250, "2.0.0 Calendar reply received (applied)"), client
    wait_until_mail_settles(stack.config)
    listed = attendees(leader, sid)
    for address in INVITEES:
        assert (listed[address]["status"], listed[address]["calendar_answer"]) == ("confirmed", "ACCEPTED")
        confirmation = mails_to(stack.smtp_server, address)[-1]
        assert confirmation["Subject"].startswith("Your place is reserved")
        event = calendar_of(confirmation)
        assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED" and str(event["UID"]) == uid
        assert len(mails_to(stack.smtp_server, address)) == 2

    # The same mail again (a relay's retry) is one reply: no second confirmation.
    again = reply_mail("outlook", uid=uid, attendee="ann@example.org", organizer=organizers["ann@example.org"],
                       message_id="retried")
    assert send(inbound, organizers["ann@example.org"], again)[0] == 250
    assert send(inbound, organizers["ann@example.org"], again)[0] == 250
    wait_until_mail_settles(stack.config)
    assert len(mails_to(stack.smtp_server, "ann@example.org")) == 2

    # Cy declines from Thunderbird: the seat goes to Dee, first on the waitlist.
    decline = reply_mail("thunderbird", uid=uid, attendee="cy@example.org", organizer=organizers["cy@example.org"],
                         partstat="DECLINED", dtstamp="20270306T090000Z")
    assert send(inbound, organizers["cy@example.org"], decline)[0] == 250
    wait_until_mail_settles(stack.config)
    listed = attendees(leader, sid)
    assert (listed["cy@example.org"]["status"], listed["cy@example.org"]["calendar_answer"]) == ("cancelled", "DECLINED")
    assert listed["dee@example.org"]["status"] == "confirmed"
    cancelled = mails_to(stack.smtp_server, "cy@example.org")[-1]
    assert cancelled["Subject"].startswith("Your reservation is cancelled")
    assert calendar_of(cancelled)["STATUS"] == "CANCELLED"
    promoted = mails_to(stack.smtp_server, "dee@example.org")[-1]
    assert promoted["Subject"].startswith("A place opened up for you")
    assert calendar_of(promoted)["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"  # Dee has not answered yet

    # Forged: Bo's address answered for Ann, a made-up token, another event's UID, a REQUEST.
    before = attendees(leader, sid)
    sent_before = len(stack.smtp_server.messages)
    forged = [
        (organizers["ann@example.org"], reply_mail("gmail", uid=uid, attendee="bo@example.org",
                                                   organizer=organizers["ann@example.org"], partstat="DECLINED")),
        ("replies+" + "a" * 42 + "@niot.example.org", reply_mail("gmail", uid=uid, attendee="ann@example.org",
                                                                  organizer="x@y.org", partstat="DECLINED")),
        (organizers["ann@example.org"], reply_mail("rfc6047", uid="other@niot.example.org",
                                                   attendee="ann@example.org", organizer="x@y.org",
                                                   partstat="DECLINED")),
        (organizers["ann@example.org"], reply_mail("apple_single", uid=uid, attendee="ann@example.org",
                                                   organizer="x@y.org", partstat="DECLINED").replace(
                                                       b"METHOD:REPLY", b"METHOD:REQUEST")),
    ]
    for recipient, mail in forged:
        assert send(inbound, recipient, mail) == (250, "2.0.0 Calendar reply received (refused)")
    assert send(inbound, "network@niot.example.org", forged[0][1])[0] == 550  # not a reply address
    wait_until_mail_settles(stack.config)
    assert attendees(leader, sid) == before
    assert len(stack.smtp_server.messages) == sent_before
    screenings_db = stack.config["DB_URIS"]["screenings"]
    assert count(screenings_db, "SELECT count(*) FROM calendar_replies WHERE outcome = 'refused'") == 4
    assert count(screenings_db, "SELECT count(*) FROM calendar_replies WHERE outcome = 'applied'") == 4

    # The operator sees each refused reply with its reason.
    listed = subprocess.run([sys.executable, "-m", "services.ops.cli", "--config", str(config), "calendar-replies",
                             "--outcome", "refused", "--json"], cwd=PROJECT, capture_output=True, text=True,
                            timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert sorted(r["reason"] for r in json.loads(listed.stdout)) == [
        "not an iTIP REPLY (METHOD:REQUEST)",
        "the REPLY's UID is not the event of the invitation",
        "the REPLY's attendee is not the invitee the reply address was issued to",
        "the reply address's token names no invitation",
    ]


def test_while_screenings_cannot_be_reached_the_relay_is_told_to_try_again(broker, tmp_path):
    """No screenings service on this broker: the reply is not taken (451), so the relay
    that forwarded it keeps it and delivers it again later."""
    process, port, _ = start_listener(tmp_path, broker)
    try:
        token = "a" * 42
        mail = reply_mail("outlook", uid="x@niot.example.org", attendee="ann@example.org",
                          organizer=f"replies+{token}@niot.example.org")
        code, message = send(port, f"replies+{token}@niot.example.org", mail)
        assert (code, message) == (451, "4.3.0 Calendar replies cannot be taken right now; try again later")
        assert process.poll() is None  # and the listener goes on taking mail
    finally:
        process.terminate()
        process.wait(10)
