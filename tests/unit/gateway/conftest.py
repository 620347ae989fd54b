"""A scratch gateway database for the unit tests that need one."""
from __future__ import annotations

import pytest

from services.gateway.models import Base
from services.runtime.db import Transactions, make_engine, session_factory


@pytest.fixture
def db(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'gateway.db'}")
    Base.metadata.create_all(engine)
    unit = Transactions(session_factory(engine))
    yield unit
    unit.close()
    engine.dispose()
