"""The whole system under one fault at a time, during a burst of public RSVPs from
clients that retry every failed request with the same Idempotency-Key: afterwards every
RSVP has exactly one confirmation mail (a copy sent again keeps its Message-ID), no outbox
holds anything, the only dead letters are the poison messages, and the services serve
again with no one stepping in. Each fault's counts and time to drain go in the table
printed at the end of the run.

The system has its own RabbitMQ node and, in the postgresql run, its own PostgreSQL
cluster (tests/faults/backing.py): the machine's shared ones are never stopped."""
from __future__ import annotations

import os
import time

import pytest

BURST = 150


def rabbitmq_stopped(pipeline):
    pipeline.rabbit.stop_app()
    time.sleep(20)
    pipeline.rabbit.start_app()


def smtp_down(pipeline):
    pipeline.stop_smtp()
    time.sleep(30)
    pipeline.start_smtp()


def each_service_killed(pipeline):
    for service in ("screenings", "mailer", "gateway", "leaders"):
        pipeline.kill(service)
        time.sleep(1)
        pipeline.restart(service)
        time.sleep(3)


def postgresql_restarted(pipeline):
    pipeline.postgres.restart()


def poison_messages(pipeline):
    pipeline.poison()


# (name, fault, seconds the burst is spread over, so that requests
# and events are on their way all through it)
FAULTS = [
    ("RabbitMQ stopped 20 s", rabbitmq_stopped, 30),
    ("SMTP server down 30 s", smtp_down, 30),
    ("each service SIGKILLed, restarted", each_service_killed, 30),
    *([("PostgreSQL restarted", postgresql_restarted, 10)] if os.environ.get("NIOT_TEST_DB") == "postgresql" else []),
    ("poison messages on every queue", poison_messages, 5),
]


@pytest.mark.parametrize("fault, inject, spread", FAULTS, ids=[name for name, _, _ in FAULTS])
def test_every_rsvp_gets_one_confirmation_through_the_fault(pipeline, record, fault, inject, spread):
    outcome = pipeline.burst(fault, lambda: inject(pipeline), BURST, spread)
    record(outcome.row())
    print(f"\n{fault}: drained {outcome.drain_s:.1f} s after the fault; {outcome}")

    assert outcome.unanswered == [], "every retried request is answered in the end"
    assert outcome.server_errors == 0, "an outage is a 503 to retry, never a 500"
    assert outcome.sent == BURST
    assert outcome.lost == 0 and outcome.received == outcome.sent
    assert outcome.duplicates == 0, "a resent confirmation keeps its Message-ID"
    assert pipeline.outbox_left() == 0
    letters = pipeline.dead_letters()
    assert sum(letters.values()) == pipeline.poisoned, letters
    if pipeline.poisoned:
        assert set(letters.values()) == {4}, letters  # each service dead-lettered its four
    # Recovered on its own: every process is up and a new RSVP is mailed.
    assert pipeline.dead() == []
    pipeline.probe(f"after-{fault}")
