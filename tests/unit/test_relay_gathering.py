"""How long the outbox relay lets commits gather before it publishes them together."""
from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from services.runtime import dependencies
from services.runtime.dependencies import MAX_LINGERS, Database


@pytest.fixture
def relay_loop(monkeypatch):
    """A relay whose every linger lets the next of `arrivals` be committed."""
    state = SimpleNamespace(relay=SimpleNamespace(handed=[]), linger_seconds=0.005, _running=True,
                            arrivals=iter(()), lingers=0)

    def linger(seconds):
        assert seconds == state.linger_seconds
        state.lingers += 1
        row = next(state.arrivals, None)
        if row is not None:
            state.relay.handed.append(row)

    monkeypatch.setattr(dependencies.eventlet, "sleep", linger)
    return state


def test_one_commit_waits_one_linger(relay_loop):
    relay_loop.relay.handed.append("a")
    Database._gather(relay_loop)
    assert relay_loop.lingers == 1


def test_lingers_again_while_commits_keep_coming(relay_loop):
    relay_loop.relay.handed.append(0)
    relay_loop.arrivals = iter(range(1, 6))
    Database._gather(relay_loop)
    # Five lingers each saw a new row; the sixth saw none and ended the wait.
    assert relay_loop.lingers == 6 and relay_loop.relay.handed == list(range(6))


def test_a_stream_that_never_stops_is_published_after_max_lingers(relay_loop):
    relay_loop.arrivals = itertools.count()
    Database._gather(relay_loop)
    assert relay_loop.lingers == MAX_LINGERS


def test_stopping_ends_the_wait(relay_loop):
    relay_loop.arrivals = itertools.count()
    relay_loop._running = False
    Database._gather(relay_loop)
    assert relay_loop.lingers == 0
