"""The real mailer service in-process on the real broker, with a loopback SMTP server."""
from __future__ import annotations

import json
import uuid

import pytest
from kombu import Connection, Producer

from services.runtime import topology
from tests.support.smtp_server import SmtpTestServer

from ...unit.mailer.events import envelope


@pytest.fixture
def smtp_server():
    with SmtpTestServer() as server:
        yield server


@pytest.fixture
def mailer_config(service_config, smtp_server):
    return service_config(
        "mailer",
        SMTP={"host": smtp_server.host, "port": smtp_server.port, "timeout": 5,
              "from": "NIOT Law Enforcement Network <network@niot.example.org>",
              "reply_to": "program@niot.example.org"},
        MAILER={"retry_delays": [1, 2, 3], "max_attempts": 100, "lease_seconds": 30, "batch_size": 20},
        PUBLIC_BASE_URL="http://127.0.0.1:8000",
        PROGRAM_MANAGER_EMAILS="programs@niot.example.org",
    )


@pytest.fixture
def mailer(mailer_config, container_factory):
    from services.mailer.service import MailerService

    container = container_factory(MailerService, mailer_config)
    container.start()
    return container


def publish(amqp_uri: str, event_type: str, data: dict | None = None, *, event_id: str | None = None,
            times: int = 1) -> str:
    """Publish an event the way its producer's outbox relay does: to the producer's
    exchange, routed by type, as JSON with the event id as message id."""
    body = envelope(event_type, data, event_id=event_id or str(uuid.uuid4()))
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.default_channel)
        for _ in range(times):
            producer.publish(
                json.dumps(body).encode(), exchange=topology.events_exchange(body["source"]),
                routing_key=event_type, content_type="application/json", content_encoding="utf-8",
                serializer=None, message_id=body["event_id"], mandatory=True,
            )
    return body["event_id"]
