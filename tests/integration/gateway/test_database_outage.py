"""The database failing under a request (here: locked by another process past SQLite's
wait) is a 503 with Retry-After that says nothing was changed, never a 500."""
from __future__ import annotations

import sqlite3

import pytest
import requests

from .conftest import APPLICATION


@pytest.fixture
def sqlite_gateway(gateway, db_backend):
    if db_backend != "sqlite":
        pytest.skip("holds SQLite's write lock; PostgreSQL's dropped connections are retried by the pool")
    return gateway


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
