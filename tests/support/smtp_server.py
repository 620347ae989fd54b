"""A real SMTP server on loopback that tests can steer while it runs.

    with SmtpTestServer() as server:
        server.reply_with("451 4.3.0 Try again later")   # every message gets this at DATA
        server.refuse("gone@example.org")                # 550 at RCPT for this address
        server.drop_after_data()                         # read the message, hang up
        server.stop(); server.start()                    # outage on the same port
        server.set_latency(0.05)                         # a relay 50 ms away, per message
        server.throttle_every(3)                         # 421 to every third message
        server.limit_rate(20)                            # 451 when over 20 messages/s


Run on its own for benchmarks (prints its port; `XCOUNT` reports what it received):

    python -m tests.support.smtp_server --port 0 [--latency-ms 50]
"""
from __future__ import annotations

import argparse
import asyncio
import re
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session, syntax

from services.mailer.sink import SERVER_NAME, EmlDirectory, ReceivedMessage, SinkHandler

_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]*>)", re.IGNORECASE | re.MULTILINE)
_SUBJECT = re.compile(rb"^Subject:[ \t]*([^\r\n]*)", re.IGNORECASE | re.MULTILINE)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _message_id(data: bytes) -> bytes | None:
    header_end = data.find(b"\r\n\r\n")
    found = _MESSAGE_ID.search(data if header_end < 0 else data[:header_end])
    return found.group(1) if found else None


def _reply_line(reply: str) -> str:
    if not re.match(r"^[245]\d\d[ -]", reply + " ") or "\r" in reply or "\n" in reply:
        raise ValueError(f"not a single SMTP reply line: {reply!r}")
    return reply


class ControlledHandler(SinkHandler):
    """The sink's handler with switches for the failures a mail client must survive."""

    def __init__(self, owner: SmtpTestServer, store: EmlDirectory | None):
        super().__init__(store)
        self._owner = owner

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options
    ) -> str:
        refusal = self._owner._refusal_for(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        received = ReceivedMessage.from_envelope(envelope)
        latency = self._owner.latency
        if latency:
            await asyncio.sleep(latency)
        reply, drop = self._owner._data_behaviour()
        if drop:
            self._owner._record_dropped(received)
            server.transport.abort()
            # Aborting the transport cancels this session's task; wait for that instead
            # of answering, so the client sees the connection vanish before any reply.
            await asyncio.Event().wait()
        if reply:
            self._owner._record_rejected(received)
            if reply.startswith("421"):
                # 421 closes the session, as a relay shedding load does.
                asyncio.get_running_loop().call_soon(server.transport.close)
            return reply
        self.accept(received)
        return "250 2.0.0 Message accepted"

    def accept(self, received: ReceivedMessage) -> None:
        super().accept(received)
        self._owner._record_accepted(received)
        if self._owner.after_accept is not None:
            self._owner.after_accept(received)


class _CountingSMTP(SMTP):
    """Adds `XCOUNT`, so a benchmark in another process can ask what arrived."""

    def __init__(self, handler: ControlledHandler, owner: SmtpTestServer, **kwargs):
        super().__init__(handler, **kwargs)
        self._owner = owner

    @syntax("XCOUNT")
    async def smtp_XCOUNT(self, arg: str) -> None:
        accepted, distinct = self._owner.counts()
        await self.push(f"250 accepted={accepted} distinct={distinct}")


class _Controller(Controller):
    def __init__(self, owner: SmtpTestServer, handler: ControlledHandler, **kwargs):
        super().__init__(handler, **kwargs)
        self._owner = owner
        self.sessions: list[SMTP] = []

    def factory(self) -> SMTP:
        smtpd = _CountingSMTP(self.handler, self._owner, **self.SMTP_kwargs)
        self.sessions.append(smtpd)
        self._owner._record_connection()
        return smtpd

    def hang_up_all(self) -> None:
        """Close every client connection, as a server going down would."""
        done = threading.Event()

        def close_transports() -> None:
            for smtpd in self.sessions:
                if smtpd.transport is not None:
                    smtpd.transport.abort()
            done.set()

        self.loop.call_soon_threadsafe(close_transports)
        done.wait(5)


class SmtpTestServer:
    """aiosmtpd in a background thread on a loopback port that survives stop/start."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        directory: Path | str | None = None,
        keep_messages: bool = True,
        credentials: tuple[str, str] | None = None,
        accept_log: Path | str | None = None,
    ):
        self.host = host
        self.port = port or free_port(host)
        self.keep_messages = keep_messages
        self.credentials = credentials
        self._store = EmlDirectory(directory) if directory is not None else None
        self._lock = threading.Condition()
        self._controller: _Controller | None = None
        self._messages: list[ReceivedMessage] = []
        self._dropped: list[ReceivedMessage] = []
        self._rejected: list[ReceivedMessage] = []
        self._accepted = 0
        self._accepted_at: list[float] = []
        self._message_ids: set[bytes] = set()
        self._connections = 0
        # One line per accepted message: wall-clock time, recipients, Message-ID, Subject.
        self._accept_log = open(accept_log, "a", buffering=1) if accept_log is not None else None
        self.reset_behaviour()

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> SmtpTestServer:
        if self._controller is not None:
            return self
        options = {}
        if self.credentials:
            options.update(authenticator=self._authenticate, auth_require_tls=False)
        controller = _Controller(
            self,
            ControlledHandler(self, self._store),
            hostname=self.host,
            port=self.port,
            server_hostname=SERVER_NAME,
            **options,
        )
        controller.start()
        # start() opens one connection itself to check the server answers.
        with self._lock:
            self._connections -= 1
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening and cut every open connection; `start()` resumes on the same port."""
        if self._controller is None:
            return
        self._controller.hang_up_all()
        self._controller.stop()
        self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> SmtpTestServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- behaviour switches ---------------------------------------------------------

    def reset_behaviour(self) -> None:
        with self._lock:
            self._reply: str | None = None
            self._drop = False
            self._refused: dict[str, str] = {}
            self.latency = 0.0
            self._throttle_every: tuple[int, str] | None = None
            self._rate_limit: tuple[float, str] | None = None
            self._data_seen = 0
            self._recent: list[float] = []
            # Called with each accepted message just before its 250 goes out (a fault to
            # inject between the relay's acceptance and the client recording it).
            self.after_accept = None

    def set_latency(self, seconds: float) -> None:
        """Wait this long before answering each message's DATA (other messages' sessions
        go on meanwhile), like a relay some way off."""
        if seconds < 0:
            raise ValueError("latency cannot be negative")
        self.latency = float(seconds)

    def throttle_every(self, n: int | None, reply: str = "421 4.7.0 Too busy, try again later") -> None:
        """Answer every `n`-th message (counted over all sessions) with `reply`; a 421
        also closes the session. None turns it off."""
        if n is not None and n < 1:
            raise ValueError("n must be at least 1")
        with self._lock:
            self._throttle_every = (n, _reply_line(reply)) if n else None

    def limit_rate(self, per_second: float | None, reply: str = "451 4.7.1 Rate limit exceeded") -> None:
        """Answer `reply` to a message that would make more than `per_second` accepted in
        the last second. None turns it off."""
        with self._lock:
            self._rate_limit = (float(per_second), _reply_line(reply)) if per_second else None

    def reply_with(self, reply: str | None) -> None:
        """Answer every message at the end of DATA with this line, e.g. "452 4.3.1 Full"."""
        with self._lock:
            self._reply = _reply_line(reply) if reply else None

    def refuse(self, address: str, reply: str = "550 5.1.1 No such mailbox") -> None:
        """Refuse this recipient at RCPT TO."""
        with self._lock:
            self._refused[address.lower()] = _reply_line(reply)

    def drop_after_data(self, enabled: bool = True) -> None:
        """Read each message to the end, then close the connection without replying."""
        with self._lock:
            self._drop = enabled

    # -- what arrived ---------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    @property
    def dropped(self) -> list[ReceivedMessage]:
        """Messages read in full before the connection was cut: the client cannot know
        they arrived."""
        with self._lock:
            return list(self._dropped)

    @property
    def rejected(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._rejected)

    def counts(self) -> tuple[int, int]:
        """Messages accepted, and how many distinct Message-IDs among them."""
        with self._lock:
            return self._accepted, len(self._message_ids)

    @property
    def accepted_at(self) -> list[float]:
        """When each message was accepted (time.monotonic()), in order."""
        with self._lock:
            return list(self._accepted_at)

    @property
    def connections(self) -> int:
        """Client connections accepted so far, over every start."""
        with self._lock:
            return self._connections

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._dropped.clear()
            self._rejected.clear()
            self._accepted = 0
            self._accepted_at.clear()
            self._message_ids.clear()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Block until at least `count` messages were accepted (or the time is up)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._accepted < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(remaining)
            return list(self._messages)

    # -- called from the server thread ----------------------------------------------

    def _refusal_for(self, address: str) -> str | None:
        with self._lock:
            return self._refused.get(address.lower())

    def _data_behaviour(self) -> tuple[str | None, bool]:
        with self._lock:
            self._data_seen += 1
            if self._throttle_every and self._data_seen % self._throttle_every[0] == 0:
                return self._throttle_every[1], False
            if self._rate_limit:
                now = time.monotonic()
                self._recent = [at for at in self._recent if at > now - 1.0]
                if len(self._recent) >= self._rate_limit[0]:
                    return self._rate_limit[1], False
                if not (self._reply or self._drop):
                    self._recent.append(now)
            return self._reply, self._drop

    def _record_accepted(self, received: ReceivedMessage) -> None:
        message_id = _message_id(received.data)
        with self._lock:
            self._accepted += 1
            self._accepted_at.append(time.monotonic())
            if message_id is not None:
                self._message_ids.add(message_id)
            if self.keep_messages:
                self._messages.append(received)
            if self._accept_log is not None:
                subject = _SUBJECT.search(received.data)
                self._accept_log.write("\t".join((
                    f"{time.time():.6f}", ",".join(received.rcpt_tos), (message_id or b"").decode("ascii", "replace"),
                    subject.group(1).decode("utf-8", "replace") if subject else "")) + "\n")
            self._lock.notify_all()

    def _record_connection(self) -> None:
        with self._lock:
            self._connections += 1

    def _record_dropped(self, received: ReceivedMessage) -> None:
        with self._lock:
            self._dropped.append(received)

    def _record_rejected(self, received: ReceivedMessage) -> None:
        with self._lock:
            self._rejected.append(received)

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        expected_login, expected_password = self.credentials
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == expected_login.encode()
            and auth_data.password == expected_password.encode()
        )
        return AuthResult(success=ok, handled=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.smtp_server",
        description="Loopback SMTP server that counts what it accepts (for benchmarks).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--dir", type=Path, default=None, dest="directory",
                        help="also write each message as an .eml file here")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="wait this long before answering each message")
    parser.add_argument("--throttle-every", type=int, default=None,
                        help="answer 421 to every Nth message")
    parser.add_argument("--log", type=Path, default=None,
                        help="append a line per accepted message: time, recipients, Message-ID, Subject")
    args = parser.parse_args(argv)

    server = SmtpTestServer(args.host, args.port or None, directory=args.directory,
                            keep_messages=False, accept_log=args.log)
    server.set_latency(args.latency_ms / 1000)
    server.throttle_every(args.throttle_every)
    server.start()
    print(f"port {server.port}", flush=True)

    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    server.stop()
    accepted, distinct = server.counts()
    print(f"accepted {accepted} distinct {distinct}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
