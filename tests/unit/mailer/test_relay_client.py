"""The relay-client rules (throttling, backoff, shared send slots, lease renewal) and the
pool's database steps against a real (SQLite) database."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.mailer import delivery
from services.mailer.app import sending
from services.mailer.delivery import Backoff, DeliveryPolicy, Permanent, Sent, SmtpStage, Transient
from services.mailer.models import Message
from services.mailer.settings import from_config

from .conftest import CONFIG
from .events import NOW
from .test_outbox import queue, rows


@pytest.mark.parametrize("code", [421, 450, 451, 452, 454])
def test_the_relays_throttling_replies_are_throttling(code):
    assert delivery.is_throttled(Transient("slow down", code, SmtpStage.DATA))


@pytest.mark.parametrize("outcome", [Sent(), Transient("timed out", None), Transient("busy", 441),
                                     Permanent("no", 550, SmtpStage.RCPT), Permanent("no", 554)])
def test_other_outcomes_are_not(outcome):
    assert not delivery.is_throttled(outcome)


def test_only_421_asks_for_a_new_connection():
    assert delivery.must_reconnect(Transient("closing", 421, SmtpStage.DATA))
    assert not delivery.must_reconnect(Transient("later", 451, SmtpStage.DATA))


def test_backoff_doubles_up_to_its_longest_pause():
    backoff = Backoff(first=0.25, longest=2)
    assert [backoff.pause(n) for n in range(6)] == [0, 0.25, 0.5, 1, 2, 2]
    assert Backoff().pause(10_000) == Backoff().longest


def test_send_slots_are_spaced_and_an_idle_relay_saves_none_up():
    assert delivery.rate_slot(None, 100.0, 0.05) == (100.0, 100.05)
    assert delivery.rate_slot(100.05, 100.01, 0.05) == (100.05, 100.1)
    # Last used long ago: the next slot is now, not a backlog of past ones.
    assert delivery.rate_slot(50.0, 100.0, 0.05) == (100.0, 100.05)


def test_leases_are_short_and_renewed_several_times_each():
    policy = DeliveryPolicy()
    assert policy.lease == timedelta(seconds=20)
    assert policy.renew_every == timedelta(seconds=5)
    with pytest.raises(ValueError, match="lease"):
        DeliveryPolicy(lease=timedelta(seconds=1))


def test_pool_settings_are_read_and_checked():
    settings = from_config({**CONFIG, "MAILER": {"connections": 8, "rate_per_second": 20,
                                                 "throttle_backoff_first_seconds": 0.5}})
    assert (settings.connections, settings.rate_per_second, settings.backoff.first) == (8, 20.0, 0.5)
    defaults = from_config({**CONFIG, "MAILER": {}})
    assert (defaults.connections, defaults.rate_per_second) == (4, 0.0)
    with pytest.raises(ValueError, match="connections"):
        from_config({**CONFIG, "MAILER": {"connections": 0}})
    with pytest.raises(ValueError, match="rate_per_second"):
        from_config({**CONFIG, "MAILER": {"rate_per_second": -1}})


def claim(db, settings, owner="one", now=NOW, limit=10):
    with db.unit_of_work() as uow:
        return sending.claim_due(uow, owner, now, settings.policy, limit)[0]


def test_a_throttled_message_waits_its_pause_without_using_an_attempt(db, settings):
    queue(db, settings, "rsvp_confirmed")
    [item] = claim(db, settings)
    outcome = Transient("4.7.0 Too busy", 421, SmtpStage.DATA)
    with db.unit_of_work() as uow:
        assert sending.defer_throttled(uow, item, "one", outcome, NOW, 2.0)
    [row] = rows(db)
    assert (row.state, row.attempts, row.lease_owner) == ("queued", 0, None)
    assert row.next_attempt_at == NOW + timedelta(seconds=2)
    assert row.last_error == "data: 421 4.7.0 Too busy"
    assert claim(db, settings, now=NOW + timedelta(seconds=1)) == []
    [again] = claim(db, settings, now=NOW + timedelta(seconds=2))
    assert again.attempts == 1
    # Another sender's message is not this one's to defer.
    with db.unit_of_work() as uow:
        assert not sending.defer_throttled(uow, again, "other", outcome, NOW, 2.0)


def test_a_live_sender_keeps_its_claims_and_a_dead_ones_are_taken_over(db, settings):
    queue(db, settings, "rsvp_confirmed")
    queue(db, settings, "mentorship_accepted")
    live, dead = claim(db, settings, "live", limit=1), claim(db, settings, "dead", limit=1)
    later = NOW + settings.policy.lease - timedelta(seconds=1)
    with db.unit_of_work() as uow:
        assert sending.renew_claims(uow, "live", [live[0].id, dead[0].id], later, settings.policy) == 1
    after_lease = NOW + settings.policy.lease
    taken = {item.id for item in claim(db, settings, "survivor", now=after_lease)}
    assert dead[0].id in taken and live[0].id not in taken


def test_unsent_claims_go_back_at_once_without_an_attempt(db, settings):
    queue(db, settings, "mentorship_accepted")
    items = claim(db, settings, "stopping")
    with db.unit_of_work() as uow:
        sending.release_unsent(uow, items, "stopping", NOW)
    assert {(r.state, r.attempts) for r in rows(db)} == {("queued", 0)}
    assert len(claim(db, settings, "next")) == len(items)


def test_senders_share_one_slot_sequence_per_relay(db):
    taken = []
    for _ in range(4):
        with db.unit_of_work() as uow:
            taken.append(sending.take_send_slot(uow, "relay:25", 1000.0, 20))
    with db.unit_of_work() as uow:
        other_relay = sending.take_send_slot(uow, "other:25", 1000.0, 20)
    assert taken == pytest.approx([1000.0, 1000.05, 1000.1, 1000.15])
    assert other_relay == 1000.0
    with db.transaction() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Message)).scalar_one() == 0
