"""The reliability kit on the real broker and database (DESIGN.md §4)."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from kombu import Connection, Producer
from nameko.standalone.rpc import ClusterRpcClient

from services.runtime import deadletters, topology
from services.runtime.db import make_engine

from tests.support import kit_probe as probe
from .helpers import count, create_tables, queue_settled, wait_for, waiting_events


@pytest.fixture
def kit(service_config):
    config = service_config("kitprobe", "kitsink")
    for uri in config["DB_URIS"].values():
        create_tables(uri, probe.metadata)
    probe.attempts.clear()
    probe.refusing.set()
    probe.released.clear()
    return config


def rpc(config):
    return ClusterRpcClient(uri=config["AMQP_URI"])


def test_consumer_started_after_publish_still_receives(kit, container_factory):
    producer = container_factory(probe.Probe, kit)
    producer.start()
    with rpc(kit) as client:
        client.kitprobe.happen(1)
    sink_db = kit["DB_URIS"]["kitsink"]
    producer_db = kit["DB_URIS"]["kitprobe"]
    wait_for(lambda: count(producer_db, "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL") == 1)

    consumer = container_factory(probe.Sink, kit)
    consumer.start()
    wait_for(lambda: count(sink_db, "SELECT count(*) FROM effects WHERE n = 1") == 1)


def test_same_event_delivered_twice_has_one_effect(kit, container_factory):
    consumer = container_factory(probe.Sink, kit)
    consumer.start()
    envelope = {
        "event_id": str(uuid.uuid4()), "type": "probe_happened", "version": 1,
        "occurred_at": datetime.now(timezone.utc).isoformat(), "source": "kitprobe",
        "data": {"n": 7},
    }
    publish_raw(kit["AMQP_URI"], json.dumps(envelope), times=2)
    publish_raw(kit["AMQP_URI"], json.dumps({**envelope, "event_id": str(uuid.uuid4()), "data": {"n": 8}}))
    sink_db = kit["DB_URIS"]["kitsink"]
    wait_for(lambda: count(sink_db, "SELECT count(*) FROM effects WHERE n = 8") == 1)
    wait_for(lambda: queue_settled(kit["AMQP_URI"], "kitsink.events"))  # both copies of 7 handled
    assert count(sink_db, "SELECT count(*) FROM effects WHERE n = 7") == 1
    assert count(sink_db, "SELECT count(*) FROM processed_events") == 2


def test_failing_handler_retries_with_growing_delays_then_dead_letters_and_replays(kit, container_factory):
    consumer = container_factory(probe.Sink, kit)
    consumer.start()
    producer = container_factory(probe.Probe, kit)
    producer.start()
    sink_db = kit["DB_URIS"]["kitsink"]
    with rpc(kit) as client:
        client.kitprobe.happen(13, "fail")
        client.kitprobe.happen(14)  # other messages keep flowing while 13 is retried
    wait_for(lambda: count(sink_db, "SELECT count(*) FROM effects WHERE n = 14") == 1)
    assert count(sink_db, "SELECT count(*) FROM effects WHERE n = 13") == 0

    wait_for(lambda: len(deadletters.list_dead_letters(kit["AMQP_URI"], ["kitsink"])) == 1, timeout=20)
    tries = [t for n, t in probe.attempts if n == 13]
    assert len(tries) == 3  # the first attempt, then one per retry tier [1 s, 2 s]
    gaps = [b - a for a, b in zip(tries, tries[1:])]
    assert gaps[0] >= 0.9 and gaps[1] >= 1.9 and gaps[1] > gaps[0]

    [letter] = deadletters.list_dead_letters(kit["AMQP_URI"], ["kitsink"])
    assert letter.event_type == "probe_happened"
    assert "probe 13 refused on purpose" in letter.error
    assert letter.attempts == 3
    # Listing leaves it where it is.
    assert len(deadletters.list_dead_letters(kit["AMQP_URI"], ["kitsink"])) == 1

    probe.refusing.clear()
    assert deadletters.replay(kit["AMQP_URI"], "kitsink") == [letter.message_id]
    wait_for(lambda: count(sink_db, "SELECT count(*) FROM effects WHERE n = 13") == 1)
    assert deadletters.list_dead_letters(kit["AMQP_URI"], ["kitsink"]) == []


def test_events_that_wait_run_in_one_transaction_and_a_failing_one_undoes_none_of_the_rest(
        kit, container_factory):
    # One worker: while it holds 1, the others wait for it (as they do for any busy pool).
    consumer = container_factory(probe.Sink, {**kit, "max_workers": 1})
    consumer.start()
    sink_db = kit["DB_URIS"]["kitsink"]
    publish_raw(kit["AMQP_URI"], probe_envelope(1, "hold"))
    wait_for(lambda: [n for n, _ in probe.attempts] == [1])
    # These arrive while the worker for 1 is busy; 5 fails.
    for n in range(2, 9):
        publish_raw(kit["AMQP_URI"], probe_envelope(n, "fail" if n == 5 else "succeed"))
    wait_for(lambda: waiting_events(consumer, "probe_happened") == 7)
    probe.released.set()

    wait_for(lambda: count(sink_db, "SELECT count(*) FROM effects") == 7)
    assert count(sink_db, "SELECT count(*) FROM effects WHERE n = 5") == 0
    assert count(sink_db, "SELECT count(DISTINCT n) FROM effects") == 7
    # 2..8 waited together: the failure of 5 rolled their shared transaction back, then
    # each of the others committed on its own and 5 went to its retry tier.
    assert count(sink_db, "SELECT count(DISTINCT tx) FROM effects WHERE n > 1") == 6
    first_round = [n for n, _ in probe.attempts][1:]
    assert first_round[:4] == [2, 3, 4, 5]  # the shared transaction, up to the failure
    assert sorted(first_round[4:]) == [2, 3, 4, 6, 7, 8]  # one at a time; 5 is not run again
    probe.refusing.clear()
    wait_for(lambda: count(sink_db, "SELECT count(*) FROM effects WHERE n = 5") == 1)
    assert count(sink_db, "SELECT count(*) FROM processed_events") == 8


def test_events_that_wait_for_a_busy_worker_share_one_transaction(kit, container_factory):
    consumer = container_factory(probe.Sink, {**kit, "max_workers": 1})
    consumer.start()
    sink_db = kit["DB_URIS"]["kitsink"]
    publish_raw(kit["AMQP_URI"], probe_envelope(1, "hold"))
    wait_for(lambda: [n for n, _ in probe.attempts] == [1])
    duplicate = probe_envelope(2)
    for body in [duplicate, *(probe_envelope(n) for n in range(3, 8)), duplicate]:
        publish_raw(kit["AMQP_URI"], body)
    wait_for(lambda: waiting_events(consumer, "probe_happened") == 7)
    probe.released.set()

    wait_for(lambda: count(sink_db, "SELECT count(*) FROM processed_events") == 7)
    wait_for(lambda: queue_settled(kit["AMQP_URI"], "kitsink.events"))  # the duplicate handled too
    assert count(sink_db, "SELECT count(*) FROM effects") == 7  # the duplicate had no effect
    assert count(sink_db, "SELECT count(DISTINCT tx) FROM effects WHERE n > 1") == 1
    assert [n for n, _ in probe.attempts] == [1, 2, 3, 4, 5, 6, 7]


def probe_envelope(n: int, behaviour: str = "succeed") -> str:
    return json.dumps({
        "event_id": str(uuid.uuid4()), "type": "probe_happened", "version": 1,
        "occurred_at": datetime.now(timezone.utc).isoformat(), "source": "kitprobe",
        "data": {"n": n, "behaviour": behaviour},
    })


@pytest.mark.parametrize("body, reason", [
    (json.dumps({"event_id": str(uuid.uuid4()), "type": "probe_happened", "version": 1,
                 "occurred_at": "2026-11-22T10:00:00+00:00", "source": "kitprobe", "data": {"n": "many"}}),
     "invalid probe_happened payload: n:"),
    (json.dumps({"type": "probe_happened"}), "malformed envelope"),
    ("{not json", "undecodable message"),
])
def test_malformed_message_is_dead_lettered_with_the_reason(kit, container_factory, body, reason):
    consumer = container_factory(probe.Sink, kit)
    consumer.start()
    publish_raw(kit["AMQP_URI"], body)
    wait_for(lambda: len(deadletters.list_dead_letters(kit["AMQP_URI"], ["kitsink"])) == 1)
    [letter] = deadletters.list_dead_letters(kit["AMQP_URI"], ["kitsink"])
    assert reason in letter.error
    assert letter.body == body
    assert probe.attempts == []  # the handler never saw it
    # The consumer is alive and well.
    good = {"event_id": str(uuid.uuid4()), "type": "probe_happened", "version": 1,
            "occurred_at": "2026-11-22T10:00:00+00:00", "source": "kitprobe", "data": {"n": 5}}
    publish_raw(kit["AMQP_URI"], json.dumps(good))
    wait_for(lambda: count(kit["DB_URIS"]["kitsink"], "SELECT count(*) FROM effects WHERE n = 5") == 1)


def publish_raw(amqp_uri: str, body: str, times: int = 1) -> None:
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.default_channel)
        for _ in range(times):
            producer.publish(
                body.encode(), exchange=topology.events_exchange("kitprobe"), routing_key="probe_happened",
                content_type="application/json", content_encoding="utf-8", serializer=None,
            )


def test_a_failed_sqlite_begin_releases_only_its_own_turn(tmp_path):
    """A BEGIN that fails (the file is locked by another process) must not hand back the
    turn of a transaction that is still running in this process."""
    import sqlite3
    import threading

    uri = f"sqlite:///{tmp_path / 'turns.db'}"
    engine = make_engine(uri, connect_args={"check_same_thread": False, "timeout": 0.2})
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")

    outsider = sqlite3.connect(tmp_path / "turns.db", isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    with pytest.raises(sa.exc.OperationalError):
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    outsider.execute("ROLLBACK")

    holding = engine.connect()
    holding.begin()
    holding.exec_driver_sql("INSERT INTO t VALUES (2)")
    second = threading.Event()

    def other_transaction():
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (3)")
        second.set()

    worker = threading.Thread(target=other_transaction)
    worker.start()
    assert not second.wait(0.5), "a second transaction started while the first still held its turn"
    holding.commit()
    holding.close()
    worker.join(10)
    assert second.is_set()
    engine.dispose()


def test_two_engines_on_one_sqlite_file_take_turns_instead_of_meeting_inside_sqlite(tmp_path):
    """Two engines of one process on one file (two instances of a service, a tool beside
    them) share the turn: the second writer waits for the first to commit instead of
    waiting inside SQLite, where a green thread's wait would stall the whole process."""
    import threading

    uri = f"sqlite:///{tmp_path / 'shared.db'}"
    first = make_engine(uri, connect_args={"check_same_thread": False, "timeout": 0.2})
    second = make_engine(uri, connect_args={"check_same_thread": False, "timeout": 0.2})
    with first.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")

    holding = first.connect()
    holding.begin()
    holding.exec_driver_sql("INSERT INTO t VALUES (1)")
    outcome: list = []

    def other_transaction():
        try:
            with second.begin() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES (2)")
            outcome.append("written")
        except Exception as error:  # 'database is locked' when the turn is not shared
            outcome.append(error)

    worker = threading.Thread(target=other_transaction)
    worker.start()
    worker.join(0.6)  # three times SQLite's own timeout
    assert outcome == [], f"the second engine did not wait for its turn: {outcome}"
    holding.commit()
    holding.close()
    worker.join(10)
    assert outcome == ["written"]
    with second.connect() as conn:
        assert sorted(n for (n,) in conn.exec_driver_sql("SELECT n FROM t")) == [1, 2]
    first.dispose()
    second.dispose()


def test_a_read_block_sees_one_snapshot_and_never_waits_for_a_writer(make_db_uri):
    """`Transactions.read()` answers while another transaction of the same process holds
    the turn and has written, and sees only what was committed when it began."""
    import threading

    from services.runtime.db import Transactions, session_factory

    engine = make_engine(make_db_uri("reads"))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    unit = Transactions(session_factory(engine))
    writer = engine.connect()
    writer.begin()
    writer.exec_driver_sql("INSERT INTO t VALUES (2)")  # holds the turn, uncommitted
    answers = []

    def reader():
        with unit.read() as connection:
            answers.append(connection.exec_driver_sql("SELECT count(*) FROM t").scalar())
            writer.commit()
            answers.append(connection.exec_driver_sql("SELECT count(*) FROM t").scalar())

    thread = threading.Thread(target=reader)
    thread.start()
    thread.join(10)
    assert answers == [1, 1]
    with unit.read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2
    writer.close()
    unit.close()
    engine.dispose()


def test_events_of_a_rolled_back_transaction_are_never_published(kit, container_factory):
    """A block that fails after recording an event leaves nothing to hand to the relay,
    even when the same worker's next block commits."""
    producer = container_factory(probe.Probe, kit)
    producer.start()
    consumer = container_factory(probe.Sink, kit)
    consumer.start()
    with rpc(kit) as client:
        assert client.kitprobe.happen_then_fail(31, 32) == 32
    sink_db = kit["DB_URIS"]["kitsink"]
    wait_for(lambda: count(sink_db, "SELECT count(*) FROM effects WHERE n = 32") == 1)
    # 31 never reached the outbox, so no sweep can ever publish it.
    assert count(kit["DB_URIS"]["kitprobe"], "SELECT count(*) FROM outbox") == 1
    wait_for(lambda: queue_settled(kit["AMQP_URI"], "kitsink.events"))
    assert count(sink_db, "SELECT count(*) FROM effects WHERE n = 31") == 0
