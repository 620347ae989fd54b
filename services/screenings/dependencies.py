"""The screenings service's own nameko dependency: the process-wide feed cache."""
from __future__ import annotations

import logging

from nameko.extensions import DependencyProvider
from sqlalchemy.exc import IntegrityError

from services.runtime import clock
from services.runtime.dependencies import Database, Settings

from . import feeds
from .app import films
from .library import app as library

log = logging.getLogger(__name__)


class FeedCacheProvider(DependencyProvider):
    """Gives workers the instance's feeds.FeedCache. When the service starts (its
    migrations applied), it also adds the catalog's films and the library's entries the
    database lacks and renders the national feed once, so the first subscriber does not
    wait for every VEVENT to be rendered (later changes re-render one event each)."""

    def setup(self):
        self.cache = feeds.FeedCache()

    def start(self):
        self.db = self._sibling(Database)
        self.settings = self._sibling(Settings).value
        self.cache.max_vevents = self.settings.feed_cache_events
        units = self.db.transactions()
        try:
            with units.unit_of_work() as uow:
                films.seed_films(uow)
        finally:
            units.close()
        self._seed_library()
        self.container.spawn_managed_thread(self._prewarm, identifier="screenings feed prewarm")

    def _seed_library(self):
        # Two instances starting together may both add the missing entries: the seed key is
        # unique, so one of them is refused and the library holds each entry once.
        units = self.db.transactions()
        try:
            with units.unit_of_work() as uow:
                library.seed_library(uow)
        except IntegrityError:
            log.info("the resource library was seeded by another instance")
        finally:
            units.close()

    def _prewarm(self):
        units = self.db.transactions()
        try:
            with units.unit_of_work() as uow:
                plan = feeds.plan(uow.session, self.cache, "national", None, now=clock.now(),
                                  past_days=self.settings.feed_past_days, base_url=self.settings.public_base_url)
            feeds.complete(self.cache, plan)
        except Exception:
            log.exception("could not prewarm the national feed; it will be built on first request")
        finally:
            units.close()

    def _sibling(self, kind: type):
        return next(d for d in self.container.dependencies if isinstance(d, kind))

    def get_dependency(self, worker_ctx):
        return self.cache
