"""Entrypoints of partners and of the feedback roll-ups, composed into the screenings
service (ScreeningsService): finding and reading partner records for everyone; adding
(program managers and leaders) and editing (program managers), as `actor`, checked by the
use cases; ratings and comments per screening and per region and film."""
from __future__ import annotations

from services.runtime import clock, request_keys
from services.runtime.dependencies import Database
from services.runtime.rpc import rpc

from .. import feedback, schemas
from . import app


class PartnerEntrypoints:
    db: Database

    @rpc
    def search_partners(self, query=None):
        with self.db.unit_of_work() as uow:
            return app.search(uow, query)

    @rpc
    def get_partner(self, partner_id):
        with self.db.unit_of_work() as uow:
            return app.get(uow, partner_id)

    @rpc
    def partner_vocabulary(self):
        return app.vocabulary()

    @rpc
    def add_partner(self, actor, partner, request_key=None):
        return request_keys.once(self.db, "add_partner", request_key, lambda uow: app.add(
            uow, schemas.actor(actor), partner, now=clock.now()))

    @rpc
    def edit_partner(self, actor, partner_id, changes):
        with self.db.unit_of_work() as uow:
            return app.edit(uow, schemas.actor(actor), partner_id, changes, now=clock.now())

    @rpc
    def screening_partners(self, screening_id):
        with self.db.unit_of_work() as uow:
            return app.of_screening(uow, screening_id)

    @rpc
    def screening_feedback(self, actor, screening_id):
        with self.db.unit_of_work() as uow:
            return feedback.screening_feedback(uow.session, schemas.actor(actor), screening_id)

    @rpc
    def feedback_summary(self, actor, window_start, window_end, region=None):
        with self.db.unit_of_work() as uow:
            return feedback.feedback_summary(uow.session, schemas.actor(actor), window_start, window_end, region)
