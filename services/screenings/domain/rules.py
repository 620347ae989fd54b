"""The rules that depend on other records: the host's standing and their other bookings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from services.runtime.errors import Conflict, Forbidden, ValidationFailed

from .details import ScreeningDetails


@dataclass(frozen=True)
class HostRecord:
    """What the screenings service knows about a leader, from the leader_* events."""

    leader_id: str
    status: str
    trusted: bool = False
    name: str = ""
    email: str = ""
    state: str | None = None
    region: str = ""
    region_grouping: str = ""

    @property
    def active(self) -> bool:
        return self.status == "active"


Interval = tuple[datetime, datetime]


def require_active_host(host: HostRecord | None) -> HostRecord:
    if host is None or not host.active:
        raise Forbidden("only an active network leader can host screenings", field="host")
    return host


def check_schedule(
    details: ScreeningDetails, *, now: datetime, host_busy: Iterable[Interval] = (),
) -> None:
    """The time rules that depend on the clock and on the host's other bookings."""
    _require_aware(now)
    if details.start <= now:
        raise ValidationFailed("must be in the future", field="start")
    for busy_start, busy_end in host_busy:
        if details.start < busy_end and busy_start < details.end:
            raise Conflict(
                "the host already has an event from "
                f"{busy_start:%Y-%m-%d %H:%M} to {busy_end:%Y-%m-%d %H:%M} UTC",
                field="start",
            )


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
