"""The gateway's cache of coverage reports: age, stale-while-computing, one computation
per report at a time, errors, and explicit refreshes."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from services.gateway.api import coverage as coverage_api
from services.gateway.api.coverage import ReportCache

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
MAX_AGE = timedelta(seconds=30)


class Computation:
    """A compute function that counts its calls and can be held until released."""

    def __init__(self, hold: bool = False):
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()

    def __call__(self) -> dict:
        self.calls += 1
        self.started.set()
        self.release.wait(5)
        return {"n": self.calls}


def in_thread(function, *args, **kwargs) -> tuple[threading.Thread, list]:
    out: list = []

    def run():
        try:
            out.append(function(*args, **kwargs))
        except Exception as error:  # noqa: BLE001  (inspected by the test)
            out.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def test_a_report_is_reused_until_it_is_older_than_max_age():
    cache, compute = ReportCache(), Computation()
    assert cache.get(("w",), T0, MAX_AGE, compute) == {"n": 1}
    assert cache.get(("w",), T0 + timedelta(seconds=29), MAX_AGE, compute) == {"n": 1}
    assert cache.get(("w",), T0 + timedelta(seconds=30), MAX_AGE, compute) == {"n": 2}
    assert cache.get(("other",), T0 + timedelta(seconds=30), MAX_AGE, compute) == {"n": 3}
    assert compute.calls == 3


def test_requests_for_a_missing_report_wait_for_one_computation():
    cache, compute = ReportCache(), Computation(hold=True)
    first, first_out = in_thread(cache.get, ("w",), T0, MAX_AGE, compute)
    assert compute.started.wait(5)
    others = [in_thread(cache.get, ("w",), T0, MAX_AGE, compute) for _ in range(5)]
    compute.release.set()
    for thread, _ in [(first, first_out), *others]:
        thread.join(5)
    assert compute.calls == 1
    assert first_out == [{"n": 1}] and all(out == [{"n": 1}] for _, out in others)


def test_an_old_report_is_served_while_the_next_one_is_computed():
    cache = ReportCache()
    cache.get(("w",), T0, MAX_AGE, Computation())
    slow = Computation(hold=True)
    later = T0 + timedelta(minutes=5)
    refresher, refreshed = in_thread(cache.get, ("w",), later, MAX_AGE, slow)
    assert slow.started.wait(5)
    assert cache.get(("w",), later, MAX_AGE, slow) == {"n": 1}  # the old one, at once
    slow.release.set()
    refresher.join(5)
    assert refreshed == [{"n": 1}] and slow.calls == 1
    assert cache.get(("w",), later, MAX_AGE, slow) is refreshed[0]


def test_a_failed_computation_reaches_its_waiters_and_is_not_cached(monkeypatch):
    cache = ReportCache()
    waiting = threading.Event()
    wait = coverage_api._Flight.wait

    def wait_and_say_so(flight):
        waiting.set()
        return wait(flight)

    monkeypatch.setattr(coverage_api._Flight, "wait", wait_and_say_so)
    started, gate = threading.Event(), threading.Event()

    def failing():
        started.set()
        gate.wait(5)
        raise LookupError("leaders did not answer")

    first, first_out = in_thread(cache.get, ("w",), T0, MAX_AGE, failing)
    assert started.wait(5)
    waiter, waiter_out = in_thread(cache.get, ("w",), T0, MAX_AGE, Computation())
    assert waiting.wait(5)  # the waiter has reached the computation in flight
    gate.set()
    first.join(5)
    waiter.join(5)
    assert isinstance(first_out[0], LookupError) and isinstance(waiter_out[0], LookupError)
    assert cache.get(("w",), T0, MAX_AGE, Computation()) == {"n": 1}


def test_fresh_computes_again_even_when_the_report_is_young():
    cache, compute = ReportCache(), Computation()
    cache.get(("w",), T0, MAX_AGE, compute)
    assert cache.get(("w",), T0 + timedelta(seconds=1), MAX_AGE, compute, fresh=True) == {"n": 2}
    assert cache.get(("w",), T0 + timedelta(seconds=2), MAX_AGE, compute) == {"n": 2}


def test_the_least_recently_used_reports_are_dropped_beyond_the_size():
    cache, compute = ReportCache(size=2), Computation()
    for key in ("a", "b", "a", "c"):
        cache.get((key,), T0, MAX_AGE, compute)
    assert compute.calls == 3
    cache.get(("a",), T0, MAX_AGE, compute)
    assert compute.calls == 3
    cache.get(("b",), T0, MAX_AGE, compute)
    assert compute.calls == 4


@pytest.mark.parametrize("age", [timedelta(0), timedelta(seconds=-5)])
def test_a_report_from_the_future_or_now_counts_as_young(age):
    cache, compute = ReportCache(), Computation()
    cache.get(("w",), T0, MAX_AGE, compute)
    assert cache.get(("w",), T0 + age, MAX_AGE, compute) == {"n": 1}
