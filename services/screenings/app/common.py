"""Steps the screening use cases share: load an event and its host, check co-hosts, save,
and answer with the event's view."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.contracts.rpc.common import Actor
from services.runtime.errors import Conflict, NotFound, ValidationFailed

from .. import presenters
from ..domain.rules import HostRecord, Interval
from ..domain.screening import Screening
from ..domain.validation import MAX_TEXT


def load(uow, screening_id: Any, *, lock: bool = True) -> Screening:
    screening = uow.screenings.get(screening_id, lock=lock)
    if screening is None:
        raise NotFound("no such screening")
    return screening


def host_of(uow, screening: Screening) -> HostRecord:
    host = uow.leaders.get(screening.host_id)
    if host is None:
        raise Conflict("the host is unknown to this service")
    return host


def host_busy(uow, screening: Screening, now: datetime) -> list[Interval]:
    """When the host has their other open events."""
    return uow.screenings.host_busy(screening.host_id, exclude=screening.id, now=now)


def check_cohosts(uow, screening: Screening) -> None:
    for cohost in screening.details.cohost_ids:
        leader = uow.leaders.get(cohost)
        if leader is None or not leader.active:
            raise ValidationFailed(f"co-host {cohost} is not an active network leader", field="cohost_ids")


def save(uow, screening: Screening, host: HostRecord) -> None:
    screening.locate(host)
    uow.screenings.save(screening)


def view(uow, screening: Screening, actor: Actor | None) -> dict:
    host = uow.leaders.get(screening.host_id)
    return presenters.screening_view(
        screening, actor, host_name=host.name if host else None, counts=uow.rsvps.counts(screening.id),
        report_filed=lambda: uow.reports.filed(screening.id))


def optional_message(message: Any) -> str | None:
    """A note to attendees: absent, or text of a bounded length."""
    if message is None or (isinstance(message, str) and not message.strip()):
        return None
    if not isinstance(message, str) or len(message) > MAX_TEXT:
        raise ValidationFailed(f"must be text of at most {MAX_TEXT} characters", field="message")
    return message.strip()
