"""How long a woken loop (the outbox relay, the mailer's delivery) lets kicks gather
before its round of work, and that a kick during the work is not lost."""
from __future__ import annotations

import itertools

import eventlet
import pytest

from services.runtime import wake
from services.runtime.wake import MAX_LINGERS, Waker


@pytest.fixture
def lingers(monkeypatch):
    """Each linger of the waker lets the next of `arrivals` kick it."""
    state = {"count": 0, "arrivals": iter(())}
    waker = Waker(0.005)

    def linger(seconds):
        assert seconds == 0.005
        state["count"] += 1
        if next(state["arrivals"], None) is not None:
            waker.kick()

    monkeypatch.setattr(wake.eventlet, "sleep", linger)
    state["waker"] = waker
    return state


def test_one_kick_waits_one_linger(lingers):
    lingers["waker"].kick()
    lingers["waker"].wait()
    assert lingers["count"] == 1


def test_lingers_again_while_kicks_keep_coming(lingers):
    lingers["arrivals"] = iter(range(5))
    lingers["waker"].kick()
    lingers["waker"].wait()
    # Five lingers each saw a new kick; the sixth saw none and ended the wait.
    assert lingers["count"] == 6


def test_a_stream_that_never_stops_is_served_after_max_lingers(lingers):
    lingers["arrivals"] = itertools.count()
    lingers["waker"].kick()
    lingers["waker"].wait()
    assert lingers["count"] == MAX_LINGERS


def test_without_a_kick_the_wait_ends_at_the_timeout():
    waker = Waker(0.001)
    started = eventlet.hubs.get_hub().clock()
    waker.wait(0.05)
    assert eventlet.hubs.get_hub().clock() - started >= 0.05


def test_a_kick_during_the_round_of_work_ends_the_next_wait_at_once():
    waker = Waker(0.001)
    waker.kick()
    waker.wait()
    waker.kick()  # a commit while the loop works
    with eventlet.Timeout(1):
        waker.wait()
