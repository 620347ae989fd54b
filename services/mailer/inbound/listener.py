"""The mailer's inbound SMTP listener: where calendar replies come back.

    python -m services.mailer.inbound.listener [--config config.yml]

A relay (the domain's MX, or a forwarding rule) hands mail for the reply address
`replies+<token>@domain` to this listener on loopback (MAILER.inbound host and port).
It takes only reply addresses (550 at RCPT for any other), reads the mail's calendar
part (services.mailer.inbound.parsing) and hands it to the screenings service over its
contract-checked RPC `apply_calendar_reply`, which applies it or keeps it with the reason
it was refused. The mail is accepted (250) only once screenings has kept it; when it
cannot be reached the answer is 451, so the relay keeps the mail and tries again, and
the retry finds the first delivery's result if there was one.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from aiosmtpd.smtp import SMTP, Envelope, Session

from services.contracts import rpc as rpc_contracts
from services.runtime.config import read_config
from services.runtime.settings import calendar_reply_mailbox, section

from .parsing import ReplyMailbox, read_reply

log = logging.getLogger("services.mailer.inbound")

SERVER_NAME = "niot-inbound"
MAX_RECIPIENTS = 10
# The service's refusals of the input itself: the same mail would be refused again.
PERMANENT = frozenset({"ValidationFailed", "Conflict", "NotFound", "Forbidden"})


@dataclass(frozen=True)
class InboundSettings:
    host: str
    port: int
    amqp_uri: str
    mailbox: ReplyMailbox
    rpc_timeout_seconds: float = 20.0
    max_message_bytes: int = 1_048_576


def from_config(cfg: Mapping[str, Any]) -> InboundSettings:
    inbound = section(cfg, "MAILER").get("inbound") or {}
    local, domain = calendar_reply_mailbox(cfg)
    return InboundSettings(
        host=str(inbound.get("host") or "127.0.0.1"),
        port=int(inbound.get("port") or 2525),
        amqp_uri=str(cfg.get("AMQP_URI") or "amqp://guest:guest@127.0.0.1:5672/"),
        mailbox=ReplyMailbox(local, domain),
        rpc_timeout_seconds=float(inbound.get("rpc_timeout_seconds") or 20),
        max_message_bytes=int(inbound.get("max_message_bytes") or 1_048_576),
    )


class ScreeningsLink:
    """Calls to the screenings service from one worker thread, on one broker connection
    made when first needed and made again after a failure."""

    def __init__(self, settings: InboundSettings):
        self.settings = settings
        self._client = None
        self._proxy = None
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screenings-rpc")

    def apply(self, token: str, reply: dict) -> dict:
        rpc_contracts.bind("screenings", "apply_calendar_reply", (token, reply), check_types=True)
        from nameko.standalone.rpc import ClusterRpcClient

        if self._proxy is None:
            self._client = ClusterRpcClient(uri=self.settings.amqp_uri, timeout=self.settings.rpc_timeout_seconds)
            self._proxy = self._client.start()
        try:
            return self._proxy.screenings.apply_calendar_reply(token, reply)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        client, self._client, self._proxy = self._client, None, None
        if client is not None:
            try:
                client.stop()
            except Exception:  # noqa: BLE001  (the connection is being dropped anyway)
                log.debug("closing the RPC client failed", exc_info=True)


def _refusal(exc: Exception) -> str | None:
    """The SMTP reply for a refusal that retrying cannot change (the service refused the
    input), or None for a failure worth retrying."""
    if getattr(exc, "exc_type", None) in PERMANENT or isinstance(exc, rpc_contracts.ContractViolation):
        return "554 5.6.0 The calendar reply could not be taken: " + " ".join(str(exc).split())[:200]
    return None


class ReplyHandler:
    """aiosmtpd handler: reply addresses only; each message handed to screenings."""

    def __init__(self, mailbox: ReplyMailbox, apply: Callable[[str, dict], dict],
                 executor: ThreadPoolExecutor | None = None):
        self.mailbox = mailbox
        self.apply = apply
        self.executor = executor

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options) -> str:
        if self.mailbox.token_of(address) is None:
            return "550 5.1.1 No such mailbox here: this server takes calendar replies only"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = read_reply(envelope.original_content or b"").as_contract()
        loop = asyncio.get_running_loop()
        outcomes = []
        for address in envelope.rcpt_tos:
            token = self.mailbox.token_of(address)
            try:
                result = await loop.run_in_executor(self.executor, self.apply, token, reply)
            except Exception as exc:  # noqa: BLE001  (every failure becomes an SMTP answer)
                refusal = _refusal(exc)
                if refusal:
                    log.warning("calendar reply refused: %s", exc)
                    return refusal
                log.exception("screenings did not take the calendar reply; the relay will retry")
                return "451 4.3.0 Calendar replies cannot be taken right now; try again later"
            outcomes.append(result["outcome"])
            log.info("calendar reply %s: %s%s", result["reply_id"], result["outcome"],
                     " (again)" if result["duplicate"] else "")
        return f"250 2.0.0 Calendar reply received ({', '.join(outcomes)})"


def smtp_factory(handler: ReplyHandler, settings: InboundSettings):
    def factory() -> SMTP:
        return SMTP(handler, hostname=SERVER_NAME, data_size_limit=settings.max_message_bytes,
                    enable_SMTPUTF8=True)
    return factory


async def serve(settings: InboundSettings) -> None:
    link = ScreeningsLink(settings)
    handler = ReplyHandler(settings.mailbox, link.apply, link.executor)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(smtp_factory(handler, settings), settings.host, settings.port)
    port = server.sockets[0].getsockname()[1]
    print(f"inbound mail: calendar replies to {settings.mailbox.local}+<token>@{settings.mailbox.domain} "
          f"on smtp://{settings.host}:{port}", flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with server:
            await stop.wait()
    finally:
        await loop.run_in_executor(link.executor, link.close)
        link.executor.shutdown(wait=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.mailer.inbound.listener",
                                     description="Take calendar replies by SMTP and hand them to screenings.")
    parser.add_argument("--config", default=None, help="config.yml (default: the project's)")
    parser.add_argument("--port", type=int, default=None, help="overrides MAILER.inbound.port")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = from_config(read_config(args.config))
    if args.port is not None:
        settings = InboundSettings(**{**settings.__dict__, "port": args.port})
    try:
        asyncio.run(serve(settings))
    except OSError as error:
        print(f"inbound mail cannot listen on {settings.host}:{settings.port}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
