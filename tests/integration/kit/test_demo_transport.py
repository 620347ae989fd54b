"""The kit on the in-memory transport that `niot run` falls back to without a broker."""
from __future__ import annotations

import pytest
from nameko.standalone.rpc import ClusterRpcClient

from services.runtime import deadletters, topology
from services.ops.memory_transport import register
from tests.support import kit_probe as probe

from .helpers import count, create_tables, wait_for


@pytest.fixture
def demo(make_db_uri):
    uri = register()
    config = {
        "AMQP_URI": uri,
        "DB_URIS": {"kitprobe": make_db_uri("kitprobe"), "kitsink": make_db_uri("kitsink")},
        "MESSAGING": {"quorum_queues": False, "retry_delays": [1, 2], "outbox_sweep_seconds": 1,
                      "timer_seconds": 0.2},
    }
    for db in config["DB_URIS"].values():
        create_tables(db, probe.metadata)
    topology.declare(uri, retry_delays=[1, 2])
    probe.attempts.clear()
    probe.refusing.set()
    return config


def test_events_flow_retry_and_dead_letter_in_one_process(demo, runner_factory):
    runner = runner_factory(demo, probe.Probe, probe.Sink)
    runner.start()
    with ClusterRpcClient(uri=demo["AMQP_URI"]) as client:
        client.kitprobe.happen(1)
        client.kitprobe.happen(2, "fail")
    sink_db = demo["DB_URIS"]["kitsink"]
    wait_for(lambda: count(sink_db, "SELECT count(*) FROM effects WHERE n = 1") == 1)
    wait_for(lambda: len(deadletters.list_dead_letters(demo["AMQP_URI"], ["kitsink"])) == 1, timeout=20)
    assert len([n for n, _ in probe.attempts if n == 2]) == 3
    probe.refusing.clear()
    deadletters.replay(demo["AMQP_URI"], "kitsink")
    wait_for(lambda: count(sink_db, "SELECT count(*) FROM effects WHERE n = 2") == 1)
