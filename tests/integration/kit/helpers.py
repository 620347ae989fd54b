from __future__ import annotations

import time
from typing import Callable

import sqlalchemy as sa

from services.runtime.db import make_engine


def create_tables(uri: str, metadata: sa.MetaData) -> None:
    engine = make_engine(uri)
    metadata.create_all(engine)
    engine.dispose()


def count(uri: str, sql: str) -> int:
    engine = make_engine(uri)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


def wait_for(condition: Callable[[], bool], timeout: float = 15.0, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    assert condition(), f"condition not met within {timeout}s"
