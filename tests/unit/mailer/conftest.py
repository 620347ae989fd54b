from __future__ import annotations

import pytest

from services.mailer import app
from services.mailer.models import Base
from services.runtime.db import Transactions, make_engine, session_factory

CONFIG = {
    "PUBLIC_BASE_URL": "https://network.niot.example.org",
    "PROGRAM_MANAGER_EMAILS": "programs@niot.example.org, deputy@niot.example.org",
    "SMTP": {"from": "NIOT Law Enforcement Network <network@niot.example.org>",
             "reply_to": "program@niot.example.org", "host": "127.0.0.1", "port": 1025},
    "MAILER": {"retry_delays": [30, 120], "lease_seconds": 300},
}


@pytest.fixture
def settings():
    return app.settings_from(CONFIG)


@pytest.fixture
def factory(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'mailer.db'}")
    Base.metadata.create_all(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def db(factory):
    unit = Transactions(factory)
    yield unit
    unit.close()
