"""Development SMTP sink: accepts every message and keeps it as an `.eml` file.

    python -m services.mailer.sink --host 127.0.0.1 --port 1025 --dir var/mail

Files are named by arrival time so a directory listing is the order mail came in, and
appear only once complete, so a viewer never opens half a message.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import secrets
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

DEFAULT_DIR = Path("var/mail")
SERVER_NAME = "mail-sink"


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    received_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @classmethod
    def from_envelope(cls, envelope: Envelope) -> ReceivedMessage:
        return cls(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=envelope.original_content or b"",
        )

    def as_file_bytes(self) -> bytes:
        """The message with the trace headers a final delivery agent adds, so the file
        shows the envelope (which may differ from the To: header)."""
        trace = [f"Return-Path: <{self.mail_from}>"]
        trace += [f"Delivered-To: {rcpt}" for rcpt in self.rcpt_tos]
        return ("\r\n".join(trace) + "\r\n").encode("utf-8", "replace") + self.data


class EmlDirectory:
    """Writes each message to its own file under `directory`."""

    def __init__(self, directory: Path | str = DEFAULT_DIR):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._sequence = itertools.count(1)

    def file_name(self, received: ReceivedMessage) -> str:
        # The counter orders messages that arrive within the same microsecond; the random
        # suffix keeps names unique across restarts and parallel sinks.
        stamp = received.received_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        return f"{stamp}-{next(self._sequence):06d}-{secrets.token_hex(4)}.eml"

    def write(self, received: ReceivedMessage) -> Path:
        target = self.directory / self.file_name(received)
        # Written under a hidden temporary name, then renamed: the rename is atomic within
        # one directory. No fsync, since losing the newest files on power loss is fine here.
        fd, temp_name = tempfile.mkstemp(dir=self.directory, prefix=".incoming-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(received.as_file_bytes())
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return target


class SinkHandler:
    """aiosmtpd handler that accepts every message and hands it to `accept`."""

    def __init__(self, store: EmlDirectory | None = None):
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.accept(ReceivedMessage.from_envelope(envelope))
        return "250 2.0.0 Message accepted"

    def accept(self, received: ReceivedMessage) -> None:
        if self.store is not None:
            self.store.write(received)


def smtp_factory(handler: object):
    def factory() -> SMTP:
        # A fixed name avoids the reverse DNS lookup aiosmtpd would do for its greeting.
        return SMTP(handler, hostname=SERVER_NAME, enable_SMTPUTF8=True)

    return factory


async def serve(host: str, port: int, directory: Path) -> None:
    store = EmlDirectory(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(smtp_factory(SinkHandler(store)), host, port)
    bound_port = server.sockets[0].getsockname()[1]
    print(f"mail sink listening on smtp://{host}:{bound_port}", flush=True)
    print(f"messages are written to {store.directory.resolve()}", flush=True)

    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.mailer.sink",
        description="Accept all SMTP mail and store each message as an .eml file.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, dest="directory")
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.host, args.port, args.directory))
    except OSError as error:
        print(f"mail sink cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
