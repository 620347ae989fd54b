"""The mailer service end to end: events on the real broker in, mail over real SMTP out."""
from __future__ import annotations

import email
import email.policy
from collections import Counter

from kombu import Connection
from nameko.standalone.rpc import ClusterRpcClient
from nameko.testing.services import entrypoint_waiter

from services import contracts
from services.mailer.compose import calendar_method
from services.runtime import topology

from ...unit.mailer.events import PAYLOADS, attendee
from ..kit.helpers import count, wait_for
from .conftest import publish

STRICT = email.policy.default.clone(raise_on_defect=True)


def parse(data: bytes):
    parsed = email.message_from_bytes(data, policy=STRICT)
    for part in parsed.walk():
        assert part.defects == []
    return parsed


def message_ids(server) -> Counter:
    return Counter(parse(m.data)["Message-ID"] for m in server.messages)


def events_settled(container, handler: str, count: int):
    """Waits, on leaving the block, until `handler` has settled `count` deliveries of its
    events (handled, found already processed, or failed)."""
    settled = []

    def add(worker_ctx, result, exc_info):
        settled.extend(result or [exc_info])  # the batch's verdict per event
        return len(settled) >= count

    return entrypoint_waiter(container, handler, callback=add, timeout=15)


def consumers(amqp_uri: str) -> int:
    with Connection(amqp_uri) as connection:
        queue = topology.consumer_queue("mailer")(connection.default_channel)
        return queue.queue_declare(passive=True).consumer_count


def rsvp(n: int) -> dict:
    return attendee(confirmed_at=PAYLOADS["rsvp_confirmed"]["confirmed_at"],
                    recipient={"name": f"Attendee {n}", "email": f"attendee{n}@example.org"},
                    invitation_method="REQUEST", invitation_ics=PAYLOADS["rsvp_confirmed"]["invitation_ics"])


def test_every_event_type_becomes_mail_that_parses_strictly(mailer, mailer_config, smtp_server):
    types = sorted(s.type for s in contracts.consumed_by("mailer"))
    for event_type in types:
        publish(mailer_config["AMQP_URI"], event_type)
    db = mailer_config["DB_URIS"]["mailer"]
    wait_for(lambda: count(db, "SELECT count(DISTINCT source_event_type) FROM messages") == len(types), timeout=30)
    expected = count(db, "SELECT count(*) FROM messages")
    smtp_server.wait_for(expected, timeout=30)
    wait_for(lambda: count(db, "SELECT count(*) FROM messages WHERE state = 'sent'") == expected)
    assert len(smtp_server.messages) == expected
    templates = set()
    for received in smtp_server.messages:
        parsed = parse(received.data)
        assert received.rcpt_tos == (parsed["To"].addresses[0].addr_spec,)
        assert parsed["Auto-Submitted"] == "auto-generated"
        for part in parsed.walk():
            if part.get_content_type() == "text/calendar":
                assert part.get_param("method") == calendar_method(part.get_content())
        templates.add(parsed["Subject"])
    assert message_ids(smtp_server).most_common(1)[0][1] == 1
    # Every message was announced through the outbox.
    wait_for(lambda: count(db, "SELECT count(*) FROM outbox WHERE type = 'mail_sent' "
                               "AND published_at IS NOT NULL") == expected)


def test_the_same_event_delivered_three_times_sends_one_message(mailer, mailer_config, smtp_server):
    with events_settled(mailer, "on_rsvp_confirmed", 3), events_settled(mailer, "on_application_waitlisted", 1):
        publish(mailer_config["AMQP_URI"], "rsvp_confirmed", times=3)
        publish(mailer_config["AMQP_URI"], "application_waitlisted")
    # Every delivery has been handled, so the stored messages are all there will be; once
    # each is sent, nothing is left to send.
    db = mailer_config["DB_URIS"]["mailer"]
    wait_for(lambda: count(db, "SELECT count(*) FROM messages WHERE state = 'sent'") == 2)
    assert count(db, "SELECT count(*) FROM messages") == 2
    assert len(smtp_server.messages) == 2
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["ana.ruiz@example.org", "lee.chen@example.org"]


def test_the_feedback_request_carries_the_private_link_and_one_click_unsubscribe(mailer, mailer_config,
                                                                                   smtp_server):
    publish(mailer_config["AMQP_URI"], "screening_feedback_requested")
    smtp_server.wait_for(1, timeout=30)
    [received] = smtp_server.messages
    parsed = parse(received.data)
    assert parsed["To"].addresses[0].addr_spec == "ana.ruiz@example.org"
    assert parsed["Subject"].startswith("How was it? ")
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mailer_config["PUBLIC_BASE_URL"].rstrip("/") + PAYLOADS["screening_feedback_requested"]["feedback_path"]
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert link in text and f'href="{link}"' in html
    assert parsed.get_body(("calendar",)) is None  # nothing about the event changed


def test_a_5xx_recipient_is_marked_failed_while_the_rest_go_through(mailer, mailer_config, smtp_server):
    smtp_server.refuse("attendee3@example.org", "550 5.1.1 No such mailbox")
    for n in range(6):
        publish(mailer_config["AMQP_URI"], "rsvp_confirmed", rsvp(n))
    smtp_server.wait_for(5, timeout=15)
    db = mailer_config["DB_URIS"]["mailer"]
    wait_for(lambda: count(db, "SELECT count(*) FROM messages WHERE state = 'failed'") == 1)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == \
        [f"attendee{n}@example.org" for n in (0, 1, 2, 4, 5)]
    with ClusterRpcClient(uri=mailer_config["AMQP_URI"]) as rpc:
        [failed] = rpc.mailer.search_deliveries(state="failed")
        detail = rpc.mailer.get_delivery(failed["id"])
        assert failed["recipient"] == "attendee3@example.org"
        assert "rcpt: 550" in detail["explanation"] and detail["hard_bounce"] is True
        smtp_server.reset_behaviour()
        assert rpc.mailer.resend(failed["id"])["state"] == "queued"
    smtp_server.wait_for(6, timeout=15)
    assert message_ids(smtp_server).most_common(1)[0][1] == 1


def test_an_smtp_outage_during_a_burst_loses_and_repeats_nothing(mailer, mailer_config, smtp_server):
    total = 150
    for n in range(total):
        publish(mailer_config["AMQP_URI"], "rsvp_confirmed", rsvp(n))
    smtp_server.wait_for(10, timeout=15)
    smtp_server.stop()
    delivered_before = smtp_server.counts()[0]
    assert delivered_before < total, "the outage must hit the burst"
    db = mailer_config["DB_URIS"]["mailer"]
    # The outage lasts until the mailer has retried into it: a message failed twice and
    # waits for a third attempt.
    wait_for(lambda: count(db, "SELECT count(*) FROM messages WHERE last_error IS NOT NULL "
                               "AND state = 'queued' AND attempts >= 2") > 0, timeout=30)
    smtp_server.start()
    smtp_server.wait_for(total, timeout=30)
    wait_for(lambda: count(db, "SELECT count(*) FROM messages WHERE state = 'sent'") == total, timeout=20)
    # The server counts a message before the mailer records it sent: with every one
    # recorded, nothing is in flight and nothing is left to send.
    accepted, distinct = smtp_server.counts()
    assert (accepted, distinct) == (total, total)
    assert count(db, "SELECT count(*) FROM messages WHERE state <> 'sent'") == 0


def test_unsubscribe_and_suppressions_over_rpc(mailer, mailer_config, smtp_server):
    publish(mailer_config["AMQP_URI"], "screening_reminder_due")
    [received] = smtp_server.wait_for(1, timeout=15)
    link = parse(received.data)["List-Unsubscribe"]
    token = link.strip("<>").rsplit("/", 1)[1]
    assert link.startswith("<http://127.0.0.1:8000/unsubscribe/")
    with ClusterRpcClient(uri=mailer_config["AMQP_URI"]) as rpc:
        assert rpc.mailer.unsubscribe(token)["unsubscribed"] is True
        publish(mailer_config["AMQP_URI"], "screening_reminder_due")
        publish(mailer_config["AMQP_URI"], "rsvp_promoted")
        smtp_server.wait_for(2, timeout=15)
        db = mailer_config["DB_URIS"]["mailer"]
        wait_for(lambda: count(db, "SELECT count(*) FROM messages WHERE state = 'suppressed'") == 1)
        assert [s["reason"] for s in rpc.mailer.list_suppressions()] == ["unsubscribed"]
        assert rpc.mailer.remove_suppression("ana.ruiz@example.org") == 1
        assert rpc.mailer.list_suppressions() == []
    assert len(smtp_server.messages) == 2


def test_two_mailer_instances_never_send_a_message_twice(mailer, mailer_config, smtp_server, tmp_path):
    from ..kit.helpers import ServiceProcess

    other = ServiceProcess("services.mailer.service:MailerService", mailer_config, tmp_path)
    try:
        db = mailer_config["DB_URIS"]["mailer"]
        # The second instance has started once it consumes the queue beside the first.
        wait_for(lambda: consumers(mailer_config["AMQP_URI"]) == 2, timeout=30)
        total = 200
        for n in range(total):
            publish(mailer_config["AMQP_URI"], "rsvp_confirmed", rsvp(n))
        smtp_server.wait_for(total, timeout=60)
        wait_for(lambda: count(db, "SELECT count(*) FROM messages WHERE state = 'sent'") == total, timeout=30)
        assert smtp_server.counts() == (total, total)
        senders = count(db, "SELECT count(DISTINCT sent_by) FROM messages")
        assert senders == 2, other.output()[-3000:]
    finally:
        other.stop()
