"""Crashes and several instances, with services in their own processes."""
from __future__ import annotations

import time

import eventlet
import pytest
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcClient

from tests.support import kit_probe as probe
from .helpers import ServiceProcess, count, create_tables, queue_settled, scalar, wait_for

PROBE = "tests.support.kit_probe:Probe"
SINK = "tests.support.kit_probe:Sink"


@pytest.fixture
def kit(service_config):
    config = service_config("kitprobe", "kitsink")
    for uri in config["DB_URIS"].values():
        create_tables(uri, probe.metadata)
    return config


def start(processes, target, config, tmp_path, **env) -> ServiceProcess:
    process = ServiceProcess(target, config, tmp_path, env)
    processes.append(process)
    return process


def wait_until_serving(config, service: str, instances: int = 1, timeout: float = 60) -> None:
    """Until `instances` distinct processes of `service` answer RPC. A call can also time
    out while they start: an earlier test's RPC queue holds it with nobody consuming."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    with ClusterRpcClient(uri=config["AMQP_URI"], timeout=5) as client:
        while len(seen) < instances:
            assert time.monotonic() < deadline, f"{service}: {len(seen)} of {instances} instances answered"
            try:
                seen.add(getattr(client, service).ping())
            except (UnknownService, RpcTimeout):
                eventlet.sleep(0.2)


def test_event_committed_before_a_crash_is_published_after_restart(kit, tmp_path, processes, container_factory):
    producer_db = kit["DB_URIS"]["kitprobe"]
    doomed = start(processes, PROBE, kit, tmp_path, NIOT_FAULT="crash_after_commit")
    wait_until_serving(kit, "kitprobe")
    with ClusterRpcClient(uri=kit["AMQP_URI"], timeout=30) as client:
        reply = client.kitprobe.happen.call_async(21)
        assert doomed.wait(30) == 3, doomed.output()
        del reply
    # The state change and its event were committed together, and nothing was published.
    assert count(producer_db, "SELECT count(*) FROM happenings WHERE n = 21") == 1
    assert count(producer_db, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 1
    orphan = scalar(producer_db, "SELECT event_id FROM outbox")

    container_factory(probe.Sink, kit).start()
    start(processes, PROBE, kit, tmp_path)  # the sweep at start-up finds the orphan
    sink_db = kit["DB_URIS"]["kitsink"]
    wait_for(lambda: count(sink_db, f"SELECT count(*) FROM effects WHERE event_id = '{orphan}'") == 1, timeout=30)
    # The unacknowledged RPC request is redelivered to the new process too; whatever it
    # produces is published like anything else.
    wait_for(lambda: count(producer_db, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0)


def test_two_instances_lose_nothing_apply_nothing_twice_and_run_each_timer_once(kit, tmp_path, processes):
    for _ in range(2):
        start(processes, PROBE, kit, tmp_path)
        start(processes, SINK, kit, tmp_path)
    wait_until_serving(kit, "kitprobe", 2)
    wait_until_serving(kit, "kitsink", 2)
    events = 200
    with ClusterRpcClient(uri=kit["AMQP_URI"], timeout=30) as client:
        client.kitprobe.schedule_ticks(50)
        replies = [client.kitprobe.happen.call_async(n) for n in range(events)]
        assert sorted(r.result() for r in replies) == list(range(events))

    sink_db, producer_db = kit["DB_URIS"]["kitsink"], kit["DB_URIS"]["kitprobe"]
    wait_for(lambda: count(sink_db, "SELECT count(DISTINCT n) FROM effects") == events, timeout=60)
    wait_for(lambda: count(producer_db, "SELECT count(*) FROM timer_effects") >= 50, timeout=30)
    # Every event delivered and settled, every outbox row published, every tick done:
    # a duplicate that was going to happen has happened.
    wait_for(lambda: queue_settled(kit["AMQP_URI"], "kitsink.events"), timeout=30)
    wait_for(lambda: count(producer_db, "SELECT count(*) FROM scheduled_jobs WHERE done_at IS NULL") == 0)
    assert count(sink_db, "SELECT count(*) FROM effects") == events
    assert count(producer_db, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
    assert count(producer_db, "SELECT count(*) FROM timer_effects") == 50
    assert count(producer_db, "SELECT count(DISTINCT job_key) FROM timer_effects") == 50
    # Both instances of each service took part.
    assert count(sink_db, "SELECT count(DISTINCT instance) FROM effects") == 2
