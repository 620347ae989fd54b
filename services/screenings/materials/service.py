"""The materials orders' nameko entrypoints: thin, each a unit of work around a use case."""
from __future__ import annotations

from services.runtime import clock, request_keys
from services.runtime.dependencies import Database
from services.runtime.rpc import rpc

from .. import schemas
from ..settings import ScreeningsSettings
from . import app


class MaterialEntrypoints:
    db: Database
    settings: ScreeningsSettings

    @rpc
    def order_materials(self, actor, screening_id, order, request_key=None):
        return request_keys.once(self.db, "order_materials", request_key, lambda uow: app.order_materials(
            uow, schemas.actor(actor), screening_id, order, now=clock.now(), settings=self.settings))

    @rpc
    def screening_material_orders(self, actor, screening_id):
        with self.db.unit_of_work() as uow:
            return app.screening_orders(uow, schemas.actor(actor), screening_id, settings=self.settings)

    @rpc
    def list_material_orders(self, actor, state=None, limit=50, offset=0):
        with self.db.unit_of_work() as uow:
            return app.list_orders(uow, schemas.actor(actor), state, limit, offset, settings=self.settings)

    @rpc
    def mark_materials_sent(self, actor, order_id, tracking_note=None):
        with self.db.unit_of_work() as uow:
            return app.mark_sent(uow, schemas.actor(actor), order_id, tracking_note, now=clock.now(),
                                 settings=self.settings)
