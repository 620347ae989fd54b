"""Entrypoints of the resource library, composed into the screenings service
(ScreeningsService): public search, reading and suggestions; program managers' changes
(as `actor`, checked by the use cases)."""
from __future__ import annotations

from services.runtime import clock, request_keys
from services.runtime.dependencies import Database
from services.runtime.rpc import rpc

from .. import schemas
from . import app


def _actor(raw):
    return None if raw is None else schemas.actor(raw)


class LibraryEntrypoints:
    db: Database

    @rpc
    def search_resources(self, query=None, actor=None):
        with self.db.unit_of_work() as uow:
            return app.search(uow, query, _actor(actor))

    @rpc
    def get_resource(self, resource_id, actor=None):
        with self.db.unit_of_work() as uow:
            return app.get(uow, resource_id, _actor(actor))

    @rpc
    def suggest_resources(self, topics=None, film=None, limit=app.SUGGESTION_LIMIT):
        with self.db.unit_of_work() as uow:
            return app.suggest(uow, topics, film, limit)

    @rpc
    def resource_vocabulary(self):
        return app.vocabulary()

    @rpc
    def add_resource(self, actor, resource, request_key=None):
        return request_keys.once(self.db, "add_resource", request_key, lambda uow: app.add(
            uow, schemas.actor(actor), resource, now=clock.now()))

    @rpc
    def edit_resource(self, actor, resource_id, changes):
        with self.db.unit_of_work() as uow:
            return app.edit(uow, schemas.actor(actor), resource_id, changes, now=clock.now())

    @rpc
    def retire_resource(self, actor, resource_id):
        with self.db.unit_of_work() as uow:
            return app.retire(uow, schemas.actor(actor), resource_id, now=clock.now())

    @rpc
    def reinstate_resource(self, actor, resource_id):
        with self.db.unit_of_work() as uow:
            return app.reinstate(uow, schemas.actor(actor), resource_id, now=clock.now())
