"""The floor: the same RSVP pipeline written by hand without nameko, in two processes.

- `http`: a threaded WSGI server (werkzeug, HTTP/1.1 keep-alive) that validates the RSVP
  with the gateway's own request model (RsvpIn), inserts it in one transaction (one RSVP
  per address and screening, a repeat answered like the first) and publishes an event
  with a publisher confirm (kombu, one connection per server thread), then answers 201;
- `consumer`: one kombu consumer that renders each event into a mail (jinja2) and sends
  it with smtplib over one kept connection, acknowledging after the server accepted it.

    python -m bench.pipeline.floor http '{"port": 0, "db": URI, "amqp": URI}'
    python -m bench.pipeline.floor consumer '{"db": URI, "amqp": URI, "smtp_port": N}'
each prints "ready ..." once it serves.
"""
from __future__ import annotations

import json
import logging
import smtplib
import sys
import threading
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import jinja2
import sqlalchemy as sa
from kombu import Connection, Consumer, Exchange, Producer, Queue
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from services.gateway.api.screenings import RsvpIn
from services.runtime.db import make_engine

EXCHANGE = Exchange("floor.events", type="topic", durable=True)
QUEUE = Queue("floor.mailer", EXCHANGE, routing_key="rsvp_confirmed", durable=True)
metadata = sa.MetaData()
rsvps = sa.Table(
    "floor_rsvps", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("screening_id", sa.String(36), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("screening_id", "email"),
)
TEXT = jinja2.Environment(autoescape=False).from_string(
    "Hello {{ name }},\n\nYour place is reserved for the screening {{ screening_id }}.\n"
    "To cancel, follow the link in this mail.\n\nNIOT Law Enforcement Network\n")


class Server:
    def __init__(self, db: str, amqp: str):
        self.engine = make_engine(db)
        self.amqp = amqp
        self.local = threading.local()

    def producer(self) -> Producer:
        if not hasattr(self.local, "producer"):
            connection = Connection(self.amqp, transport_options={"confirm_publish": True})
            self.local.producer = Producer(connection.default_channel, exchange=EXCHANGE)
        return self.local.producer

    def __call__(self, environ, start_response):
        request = Request(environ)
        parts = request.path.strip("/").split("/")
        if request.method != "POST" or len(parts) != 4 or parts[:2] != ["api", "screenings"] or parts[3] != "rsvps":
            return Response(json.dumps({"error": "not_found"}), 404, content_type="application/json")(
                environ, start_response)
        try:
            rsvp = RsvpIn.model_validate_json(request.get_data())
        except ValidationError as exc:
            return Response(json.dumps({"errors": exc.errors(include_url=False)}, default=str), 422,
                            content_type="application/json")(environ, start_response)
        row = {"id": str(uuid.uuid4()), "screening_id": parts[2], "name": rsvp.name, "email": rsvp.email.lower(),
               "created_at": datetime.now(timezone.utc)}
        try:
            with self.engine.begin() as conn:
                conn.execute(rsvps.insert(), row)
            created = True
        except IntegrityError:
            created = False
        if created:
            event = {"event_id": str(uuid.uuid4()), "type": "rsvp_confirmed",
                     "data": {k: v if not isinstance(v, datetime) else v.isoformat() for k, v in row.items()}}
            self.producer().publish(json.dumps(event), routing_key="rsvp_confirmed", serializer=None,
                                    content_type="application/json", content_encoding="utf-8",
                                    delivery_mode=2, declare=[QUEUE])
        return Response(json.dumps({"status": "confirmed", "screening_id": parts[2]}), 201,
                        content_type="application/json")(environ, start_response)


def serve(spec: dict) -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    engine = make_engine(spec["db"])
    metadata.create_all(engine)
    engine.dispose()
    with Connection(spec["amqp"]) as connection:
        QUEUE(connection.default_channel).declare()
    server = make_server("127.0.0.1", int(spec.get("port", 0)), Server(spec["db"], spec["amqp"]), threaded=True)
    print(f"ready {server.server_port}", flush=True)
    server.serve_forever()
    return 0


def consume(spec: dict) -> int:
    smtp = smtplib.SMTP("127.0.0.1", int(spec["smtp_port"]), timeout=30)

    def handle(body, message) -> None:
        nonlocal smtp
        data = json.loads(message.body)["data"]
        mail = EmailMessage()
        mail["From"] = "NIOT Law Enforcement Network <network@niot.example.org>"
        mail["To"] = data["email"]
        mail["Subject"] = f"Your place is reserved: screening {data['screening_id'][:8]}"
        mail["Date"] = format_datetime(datetime.now(timezone.utc))
        mail["Message-ID"] = make_msgid(domain="floor.niot.example.org")
        mail.set_content(TEXT.render(**data))
        try:
            smtp.send_message(mail)
        except smtplib.SMTPServerDisconnected:
            smtp = smtplib.SMTP("127.0.0.1", int(spec["smtp_port"]), timeout=30)
            smtp.send_message(mail)
        message.ack()

    with Connection(spec["amqp"]) as connection:
        channel = connection.default_channel
        channel.basic_qos(0, 50, False)
        with Consumer(channel, queues=[QUEUE], callbacks=[handle], accept=["json"]):
            print("ready", flush=True)
            while True:
                connection.drain_events()


def main(argv: list[str]) -> int:
    role, spec = argv[0], json.loads(argv[1])
    return serve(spec) if role == "http" else consume(spec)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
