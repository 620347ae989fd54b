"""An in-process broker for the demo mode of `niot run` (no RabbitMQ needed).

kombu's memory transport keeps a message's content type outside its properties, where
nameko's RPC looks for it, and polls once a second; this subclass fixes both. Nothing
survives the process: it is for trying the system out, never for real use.
"""
from __future__ import annotations

import kombu.transport
from kombu.transport import memory
from kombu.transport.virtual import base

SCHEME = "niot-memory"


class Message(base.Message):
    def __init__(self, payload, channel=None, **kwargs):
        super().__init__(payload, channel=channel, **kwargs)
        self.properties.setdefault("content_type", self.content_type)
        self.properties.setdefault("content_encoding", self.content_encoding)


class Channel(memory.Channel):
    Message = Message


class Transport(memory.Transport):
    Channel = Channel
    polling_interval = 0.01
    driver_type = driver_name = "memory"


def register() -> str:
    """Make `niot-memory://` URIs resolve to this transport; returns such a URI."""
    kombu.transport.TRANSPORT_ALIASES[SCHEME] = f"{__name__}:Transport"
    return f"{SCHEME}://"
