"""The film catalog: seeded from the program's films, extended by program managers."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from services.contracts.rpc.common import Actor
from services.runtime.errors import ValidationFailed

from ..access import require_manager
from ..films import FILMS, film_from_input
from ..presenters import film_view


def seed_films(uow) -> int:
    """Add the catalog's films that the table does not hold yet and bring the seeded ones
    up to the catalog (films a manager added are left as they are); returns how many
    rows were added or changed."""
    held = uow.films.all()
    changed = 0
    for film in FILMS:
        if film.slug not in held:
            uow.films.add(film, added_at=None)
            changed += 1
        elif uow.films.refresh_seeded(film):
            changed += 1
    return changed


def add_film(uow, actor: Actor, raw: Any, *, now: datetime) -> dict:
    require_manager(actor)
    if not isinstance(raw, Mapping):
        raise ValidationFailed("must be an object", field="film")
    film = film_from_input(raw, existing=uow.films.all())
    uow.films.add(film, added_at=now)
    return film_view(film)
