"""What the demo data writes as history, and what its parts share: a transaction on a
service's own database through its use-case code, and the demo's fictional addresses."""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa

from services.runtime.config import db_uri
from services.runtime.db import OUTBOX, Transactions, make_engine, session_factory

DEMO_MANAGER_ID = 1


class History:
    """A transaction on a service's own database that writes through its use-case code.
    Unless `announce`, the events it produces are dropped: they describe the past."""

    def __init__(self, cfg: dict, service: str, *, announce: bool = False):
        self.engine = make_engine(db_uri(service, cfg))
        self.source = service
        self.announce = announce

    def __enter__(self):
        return self.record

    def __exit__(self, *exc):
        self.engine.dispose()

    def record(self, work: Callable) -> None:
        unit = Transactions(session_factory(self.engine))
        with unit.transaction() as session:
            newest = session.execute(sa.select(sa.func.max(OUTBOX.c.id))).scalar() or 0
            work(session)
            if not self.announce:
                session.execute(sa.delete(OUTBOX).where(OUTBOX.c.id > newest))
        unit.close()


def email_for(name: str, *, domain: str = "agency.example.org") -> str:
    return f"{name.lower().replace('.', '').replace(' ', '.')}@{domain}"
