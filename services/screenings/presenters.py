"""The dicts the RPC answers with, built from domain objects: the same view of a screening
whether a command just changed it or a query read it."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from services.contracts.rpc.common import Actor
from services.contracts.screenings import PUBLIC_PATHS
from services.runtime.errors import NotFound

from . import access
from .domain.rsvps import RsvpStatus
from .domain.screening import Screening
from .domain.zones import local_label
from .films import Film


def screening_view(screening: Screening, actor: Actor | None, *, host_name: str | None, counts: Mapping[str, int],
                   report_filed: Callable[[], bool], holds_link: bool = False) -> dict[str, Any]:
    """An event as the caller may see it: never the attendees, and the join link only
    for organisers and managers (attendees get it through `attendee_view`). `counts` are
    the RSVPs by status; `report_filed` is asked only for organisers and managers."""
    if not (holds_link or access.can_see(actor, screening)):
        raise NotFound("no such screening")
    details = screening.details
    confirmed = counts.get(RsvpStatus.CONFIRMED.value, 0)
    view = {
        "id": screening.id, "uid": screening.uid, "sequence": screening.sequence, "status": screening.status.value,
        "title": details.title, "kind": details.kind.value, "format": details.format.value,
        "description": details.description, "film": details.film_slug, "online": details.online,
        "venue": None if details.venue is None else {
            "name": details.venue.name, "address": details.venue.address, "city": details.venue.city,
            "state": details.venue.state, "postal_code": details.venue.postal_code},
        "state": screening.state, "region": screening.region, "time_zone": details.time_zone,
        "local_start": details.local_start.isoformat(), "local_end": details.local_end.isoformat(),
        "local_label": local_label(details.local_start, details.local_end, details.time_zone),
        "start_utc": details.start.isoformat(), "end_utc": details.end.isoformat(),
        "capacity": details.capacity, "seats_left": max(details.capacity - confirmed, 0),
        "waitlist": counts.get(RsvpStatus.WAITLISTED.value, 0),
        "audiences": [a.value for a in details.audiences], "partners": list(details.partners),
        "visibility": details.visibility.value,
        "host": {"leader_id": int(screening.host_id), "name": host_name},
        "cohost_ids": [int(c) for c in details.cohost_ids if c.isdigit()],
        "cancel_message": screening.cancel_message,
        "page_path": PUBLIC_PATHS["screening"].format(screening_id=screening.id),
        "ics_path": PUBLIC_PATHS["screening_ics"].format(screening_id=screening.id),
    }
    if access.manages(actor, screening):
        view.update(join_url=details.join_url, review_note=screening.review_note, confirmed=confirmed,
                    report_filed=report_filed())
    return view


def film_view(film: Film) -> dict[str, Any]:
    return {
        "slug": film.slug, "title": film.title, "description": film.description,
        "runtime_minutes": film.runtime_minutes, "audiences": [a.value for a in film.audiences],
        "guide": film.guide.view() if film.guide else None, "kit": film.kit_view(),
    }
