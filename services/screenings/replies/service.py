"""Answers from the calendar: the nameko entrypoints, thin, each a unit of work around a use case."""
from __future__ import annotations

from services.runtime import clock
from services.runtime.dependencies import Database
from services.runtime.rpc import rpc

from .. import schemas
from ..settings import ScreeningsSettings
from . import app


class ReplyEntrypoints:
    db: Database
    settings: ScreeningsSettings

    @rpc
    def apply_calendar_reply(self, token, reply):
        with self.db.unit_of_work() as uow:
            return app.apply_reply(uow, token, reply, now=clock.now(), settings=self.settings)

    @rpc
    def calendar_replies(self, actor, outcome=None, limit=50):
        with self.db.unit_of_work() as uow:
            return app.list_replies(uow, schemas.actor(actor), outcome, limit)
