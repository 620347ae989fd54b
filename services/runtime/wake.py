"""Waking a background loop after a commit, and letting a burst gather first.

The outbox relay and the mailer's delivery loop both sleep until a worker's commit kicks
them, then wait a few milliseconds more while kicks keep coming, so that the commits of a
burst share one round of work (one confirm round trip, one claim query) instead of one
each. This is that mechanism, once.
"""
from __future__ import annotations

import eventlet
from eventlet.event import Event

# A steady stream of kicks is served at least every MAX_LINGERS x linger seconds.
MAX_LINGERS = 20


class Waker:
    def __init__(self, linger_seconds: float, *, max_lingers: int = MAX_LINGERS):
        self.linger_seconds = linger_seconds
        self.max_lingers = max_lingers
        self.kicks = 0
        self._event = Event()

    def kick(self) -> None:
        self.kicks += 1
        if not self._event.ready():
            self._event.send(True)

    def wait(self, timeout: float | None = None) -> None:
        """Until a kick (then linger while more arrive, up to `max_lingers` times) or until
        `timeout` seconds have passed (None: no limit). A kick that arrives after this
        returns, during the caller's round of work, ends the next wait at once."""
        with eventlet.Timeout(None if timeout is None else max(0.0, timeout), False):
            self._event.wait()
            seen, lingers = -1, 0
            while self.kicks != seen and lingers < self.max_lingers:
                seen = self.kicks
                eventlet.sleep(self.linger_seconds)
                lingers += 1
        self._event = Event()
