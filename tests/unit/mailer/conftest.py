from __future__ import annotations

import contextlib

import pytest

from services.mailer.models import Base
from services.mailer.repository import MailerUnitOfWork
from services.mailer.settings import from_config
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
    return from_config(CONFIG)


@pytest.fixture
def factory(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'mailer.db'}")
    Base.metadata.create_all(engine)
    yield session_factory(engine)
    engine.dispose()


class MailerTransactions(Transactions):
    """A worker's transactions, as the service's Database gives them: each one also as
    the mailer's unit of work."""

    @contextlib.contextmanager
    def unit_of_work(self):
        with self.transaction() as session:
            yield MailerUnitOfWork(session, "mailer")


@pytest.fixture
def db(factory):
    unit = MailerTransactions(factory)
    yield unit
    unit.close()
