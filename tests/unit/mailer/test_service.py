"""The service class as nameko sees it: one event handler per type the registry says the
mailer consumes, each queueing its event's mail, and no other."""
from __future__ import annotations

from collections import Counter

from nameko.containers import ServiceContainer

from services import contracts
from services.mailer.service import MailerService
from services.runtime.messaging import EventHandler

CONSUMED = {spec.type for spec in contracts.consumed_by("mailer")}


def event_handlers() -> list[EventHandler]:
    container = ServiceContainer(MailerService)
    return [entrypoint for entrypoint in container.entrypoints if isinstance(entrypoint, EventHandler)]


def test_each_consumed_type_has_one_handler_and_nothing_else_has_one():
    handlers = event_handlers()
    assert len(CONSUMED) == 43
    assert Counter(h.event_type for h in handlers) == Counter(CONSUMED)
    assert {h.method_name for h in handlers} == {f"on_{event_type}" for event_type in CONSUMED}
    for handler in handlers:
        assert handler.method_name == f"on_{handler.event_type}"


class RecordingService:
    def __init__(self):
        self.queued = []

    def queue_mail(self, uow, event):
        self.queued.append((uow, event))


def test_each_handler_queues_the_mail_of_its_event():
    for event_type in CONSUMED:
        service, uow, event = RecordingService(), object(), object()
        # The method as written, inside the kit's batching and idempotency wrapper.
        getattr(MailerService, f"on_{event_type}").__wrapped__(service, uow, event)
        assert service.queued == [(uow, event)]
