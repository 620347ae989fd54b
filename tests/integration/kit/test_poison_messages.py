"""Poison messages on the real broker: whatever the kit cannot decode, republish or route
ends on the dead-letter queue once, with a reason `niot dead-letters list` shows, and is
never requeued at once in a loop."""
from __future__ import annotations

import json
import uuid

import pytest
from amqp.exceptions import NotFound
from kombu import Connection, Producer, Queue

from services.runtime import deadletters, topology

from tests.support import kit_probe as probe
from .helpers import count, create_tables, wait_for
from .test_reliability import publish_raw


@pytest.fixture
def kit(service_config):
    config = service_config("kitprobe", "kitsink")
    for uri in config["DB_URIS"].values():
        create_tables(uri, probe.metadata)
    probe.attempts.clear()
    probe.refusing.set()
    probe.released.clear()
    return config


def publish_bytes(amqp_uri: str, body: bytes, **properties) -> None:
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.default_channel).publish(
            body, exchange=topology.events_exchange("kitprobe"), routing_key="probe_happened", serializer=None,
            **properties)


def deliveries(amqp_uri: str, queue: str) -> int:
    """How many times the broker has delivered messages from `queue` so far is not exposed
    without the management plugin; the queue's depth after settling is what we can see."""
    with Connection(amqp_uri) as connection:
        return Queue(queue)(connection.default_channel).queue_declare(passive=True).message_count


@pytest.mark.parametrize("body, properties", [
    (b"", {"content_type": "application/json", "content_encoding": "utf-8"}),
    (b"", {"content_type": "application/octet-stream", "content_encoding": "binary"}),
    (b"", {}),
    (b"\xff\xfe not utf-8", {"content_type": "application/json", "content_encoding": "utf-8"}),
    (b'{"a": 1}', {"content_type": "text/plain", "content_encoding": "utf-8"}),
])
def test_a_message_the_kit_cannot_read_is_dead_lettered_once(kit, container_factory, body, properties, caplog):
    consumer = container_factory(probe.Sink, kit)
    consumer.start()
    publish_bytes(kit["AMQP_URI"], body, **properties)
    wait_for(lambda: len(deadletters.list_dead_letters(kit["AMQP_URI"], ["kitsink"])) == 1, timeout=20)
    [letter] = deadletters.list_dead_letters(kit["AMQP_URI"], ["kitsink"])
    assert letter.error  # a reason to read
    assert deliveries(kit["AMQP_URI"], "kitsink.events") == 0
    # No loop: it was handled once, not requeued over and over.
    requeues = [r for r in caplog.records if "requeue" in r.getMessage().lower()]
    assert requeues == []
    # The consumer is alive and well.
    good = {"event_id": str(uuid.uuid4()), "type": "probe_happened", "version": 1,
            "occurred_at": "2026-11-22T10:00:00+00:00", "source": "kitprobe", "data": {"n": 7}}
    publish_raw(kit["AMQP_URI"], json.dumps(good))
    wait_for(lambda: count(kit["DB_URIS"]["kitsink"], "SELECT count(*) FROM effects WHERE n = 7") == 1)


def test_a_message_that_cannot_be_republished_is_rejected_into_the_dead_letters(kit, container_factory):
    from .test_reliability import probe_envelope

    # The first retry tier's exchange is gone: handing the failed message on fails.
    with Connection(kit["AMQP_URI"]) as connection:
        connection.default_channel.exchange_delete(topology.retry_exchange(1).name)
    consumer = container_factory(probe.Sink, kit)
    consumer.start()
    publish_raw(kit["AMQP_URI"], probe_envelope(21, "fail"))
    wait_for(lambda: len(deadletters.list_dead_letters(kit["AMQP_URI"], ["kitsink"])) == 1, timeout=20)
    [letter] = deadletters.list_dead_letters(kit["AMQP_URI"], ["kitsink"])
    assert "rejected by the consumer of kitsink.events" in letter.error
    assert letter.event_type == "probe_happened" and letter.failed_at
    assert [n for n, _ in probe.attempts] == [21]  # tried once, not requeued in a loop
    assert deliveries(kit["AMQP_URI"], "kitsink.events") == 0


def test_a_queue_declared_with_old_arguments_is_moved_with_its_messages(broker):
    name = topology.consumer_queue_name("kitsink")
    old = Queue(name, bindings=topology.consumer_queue("kitsink").bindings, durable=True, auto_delete=False)
    with Connection(broker) as connection:
        channel = connection.default_channel
        channel.queue_delete(name)
        old(channel).declare()
    for n in range(3):
        publish_raw(broker, json.dumps({"n": n}))
    lines = topology.declare(broker, retry_delays=[1, 2], services=["kitsink"])
    assert any("declared again" in line for line in lines)
    assert deliveries(broker, name) == 3
    with Connection(broker) as connection:  # now declared with the dead-letter arguments
        topology.consumer_queue("kitsink")(connection.default_channel).declare()
        with pytest.raises(NotFound):  # the temporary queue is gone
            connection.channel().queue_declare(f"{name}.migrating", passive=True)
    assert topology.declare(broker, retry_delays=[1, 2], services=["kitsink"])  # and again: nothing to move


def test_a_queue_in_use_is_not_moved_under_its_consumer(broker):
    name = topology.consumer_queue_name("kitsink")
    with Connection(broker) as connection:
        channel = connection.default_channel
        channel.queue_delete(name)
        Queue(name, durable=True, auto_delete=False)(channel).declare()
        listener = connection.channel()
        listener.basic_consume(name, callback=lambda message: None)
        with pytest.raises(topology.QueueInUse, match="stop that service"):
            topology.declare(broker, retry_delays=[1, 2], services=["kitsink"])
