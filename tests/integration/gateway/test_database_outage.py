"""The database failing under a request (here: locked by another process past SQLite's
wait) is a 503 with Retry-After that says nothing was changed, never a 500."""
from __future__ import annotations

import sqlite3

import pytest
import requests

from .conftest import APPLICATION, start_gateway


@pytest.fixture
def sqlite_gateway(container_factory, gateway_config, tmp_path):
    """A gateway on a SQLite file in either pass of the suite: holding that file's write
    lock is a database that does not answer, and what the gateway then says is the same
    whatever its database (the outage is recognised by the shared error classification)."""
    config = gateway_config()
    config["DB_URIS"] = {**config["DB_URIS"], "gateway": f"sqlite:///{tmp_path / 'gateway.db'}"}
    base_url, config = start_gateway(container_factory, config)
    return base_url, config, None


def test_a_database_that_does_not_answer_is_a_503_with_retry_after(sqlite_gateway):
    base_url, config, _ = sqlite_gateway
    path = config["DB_URIS"]["gateway"].split("sqlite:///", 1)[1]
    holder = sqlite3.connect(path, timeout=1, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        # A public form: its rate-limit transaction is the first write it makes.
        response = requests.post(base_url + "/api/applications", json=APPLICATION, timeout=120)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "database_unavailable"
    assert int(response.headers["Retry-After"]) > 0
