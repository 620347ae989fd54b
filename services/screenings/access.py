"""Who may do what to a screening: checked per object from the `actor` the gateway sends."""
from __future__ import annotations

from services.contracts.rpc.common import Actor
from services.runtime.errors import Forbidden

from .domain.screening import Screening


def require_manager(actor: Actor) -> None:
    if not actor.manager:
        raise Forbidden("only a program manager can do this")


def is_organiser(actor: Actor | None, screening: Screening) -> bool:
    return actor is not None and actor.leader_id is not None and str(actor.leader_id) in screening.organisers()


def manages(actor: Actor | None, screening: Screening) -> bool:
    """A program manager, the host or a co-host: who sees the join link and review notes."""
    return actor is not None and (actor.manager or is_organiser(actor, screening))


def require_organiser_or_manager(actor: Actor, screening: Screening) -> None:
    if not manages(actor, screening):
        raise Forbidden("only the event's host, a co-host or a program manager can do this")


def can_see(actor: Actor | None, screening: Screening) -> bool:
    return screening.listed_in_feeds or manages(actor, screening)
