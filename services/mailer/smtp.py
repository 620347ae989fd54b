"""SMTP delivery over one persistent connection, with every outcome classified.

`SmtpClient.send` never raises for delivery problems: it returns `Sent`, `Transient`
(connection errors, timeouts, 4xx) or `Permanent` (5xx) for the outbox rules in
`delivery.py` to judge.
"""
from __future__ import annotations

import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

from .delivery import Permanent, Sent, SendOutcome, SmtpStage, Transient


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 1025
    envelope_from: str = ""
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    local_hostname: str | None = None
    # A connection idle this long is probed with NOOP before use, because servers close
    # idle sessions and a stale one would otherwise cost the next message an attempt.
    probe_after_idle: float = 10.0


class _SessionFailed(Exception):
    """Setting up the session (connect, EHLO, STARTTLS, AUTH) failed."""

    def __init__(self, outcome: Transient):
        super().__init__(outcome.message)
        self.outcome = outcome


def _reply_text(raw: bytes | str) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    return " ".join(raw.split())


def _by_code(code: int, text: str, stage: SmtpStage) -> Transient | Permanent:
    if 500 <= code < 600:
        return Permanent(text, code, stage)
    return Transient(text, code, stage)


def classify(error: BaseException) -> Transient | Permanent:
    """The outcome an exception raised while sending one message stands for."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # One recipient per message, so its refusal is the message's.
        code, text = next(iter(error.recipients.values()))
        return _by_code(code, _reply_text(text), SmtpStage.RCPT)
    if isinstance(error, smtplib.SMTPSenderRefused):
        return _by_code(error.smtp_code, _reply_text(error.smtp_error), SmtpStage.MAIL)
    if isinstance(error, smtplib.SMTPDataError):
        return _by_code(error.smtp_code, _reply_text(error.smtp_error), SmtpStage.DATA)
    if isinstance(error, smtplib.SMTPHeloError):
        return Transient(_reply_text(error.smtp_error), error.smtp_code, SmtpStage.HELO)
    if isinstance(error, smtplib.SMTPResponseException):
        return _by_code(error.smtp_code, _reply_text(error.smtp_error), SmtpStage.DATA)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return Transient(str(error) or "server disconnected", None, SmtpStage.DATA)
    if isinstance(error, TimeoutError):
        return Transient(f"timed out: {error}".rstrip(": "), None, SmtpStage.DATA)
    return Transient(f"{type(error).__name__}: {error}", None, SmtpStage.DATA)


class SmtpClient:
    """One SMTP session reused across messages and reopened after any failure.

    Safe to share between threads or green threads: sends are serialised, as one SMTP
    session carries one transaction at a time.
    """

    def __init__(self, settings: SmtpSettings, *, ssl_context: ssl.SSLContext | None = None):
        if not settings.envelope_from:
            raise ValueError("SmtpSettings.envelope_from is required")
        self.settings = settings
        self._ssl_context = ssl_context
        self._conn: smtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()

    def __enter__(self) -> SmtpClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._conn is not None and self._conn.sock is not None

    def send(self, recipient: str, message: EmailMessage | bytes) -> SendOutcome:
        """Deliver one message to one recipient and say how it went."""
        data = message if isinstance(message, bytes) else message.as_bytes()
        with self._lock:
            try:
                conn = self._session()
            except _SessionFailed as failed:
                self._discard()
                return failed.outcome
            try:
                conn.sendmail(self.settings.envelope_from, [recipient], data)
            except (smtplib.SMTPException, OSError) as error:
                outcome = classify(error)
                # A refusal leaves the session usable (smtplib has sent RSET); anything
                # else may leave it mid-transaction, so start the next message afresh.
                if not isinstance(error, (smtplib.SMTPRecipientsRefused,
                                          smtplib.SMTPSenderRefused,
                                          smtplib.SMTPDataError)):
                    self._discard()
                return outcome
            finally:
                self._last_used = time.monotonic()
            return Sent()

    def prepare(self) -> None:
        """Open the session now if there is none, so a sender waiting for a rate-limit slot
        spends the slot on the message, not on connecting. A failure is left for `send`
        to meet and report."""
        with self._lock:
            try:
                self._session()
            except _SessionFailed:
                self._discard()

    def close(self) -> None:
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            finally:
                self._discard()

    def _discard(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
        self._conn = None

    def _session(self) -> smtplib.SMTP:
        if self.connected and self._still_alive():
            return self._conn
        self._discard()
        self._conn = self._open()
        return self._conn

    def _still_alive(self) -> bool:
        if time.monotonic() - self._last_used < self.settings.probe_after_idle:
            return True
        try:
            code, _ = self._conn.noop()
        except (smtplib.SMTPException, OSError):
            return False
        return code == 250

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        stage = SmtpStage.CONNECT
        conn = smtplib.SMTP(timeout=s.timeout, local_hostname=s.local_hostname)
        try:
            conn.connect(s.host, s.port)
            stage = SmtpStage.HELO
            conn.ehlo_or_helo_if_needed()
            if s.starttls:
                stage = SmtpStage.STARTTLS
                conn.starttls(context=self._ssl_context or ssl.create_default_context())
                conn.ehlo()
            if s.username:
                stage = SmtpStage.AUTH
                conn.login(s.username, s.password or "")
        except (smtplib.SMTPException, OSError) as error:
            try:
                conn.close()
            except OSError:
                pass
            raise _SessionFailed(self._session_outcome(error, stage)) from error
        return conn

    @staticmethod
    def _session_outcome(error: BaseException, stage: SmtpStage) -> Transient:
        # Whatever code the server gives here, the fault lies with the connection or the
        # configuration, not with the message: retry rather than fail the message, and
        # never count it as a bounce of the recipient.
        if isinstance(error, smtplib.SMTPResponseException):
            return Transient(_reply_text(error.smtp_error), error.smtp_code, stage)
        return Transient(f"{type(error).__name__}: {error}".rstrip(": "), None, stage)
