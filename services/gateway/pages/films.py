"""The film library for the public: every film with its description, running time and
discussion guide, and each film's page with the upcoming screenings of it."""
from __future__ import annotations

from typing import Any

from services.gateway.api.common import scrub
from services.gateway.api.table import ROUTES
from services.gateway.http import Call
from services.gateway.routing import PUBLIC

from .library import suggested
from .render import HTML, TAG, page, upcoming

route = ROUTES.route

KIT_LABELS = {"dvd": "DVD", "usb_drive": "USB drive", "discussion_guide": "Discussion guide",
              "law_enforcement_guide": "Guide for law enforcement", "flyer": "Screening flyer"}
# What the program's pages say of Not In Our Town, for a film they describe no further.
NIOT_MISSION = ("Not In Our Town works to stop hate, address bullying, and build safe, inclusive communities "
                "through film, new media, and organizing tools that help local leaders build vibrant, diverse "
                "cities and towns.")


def film_card(film: dict[str, Any]) -> dict[str, Any]:
    """A film as the pages show it: the kit with readable kinds."""
    kit = [{**item, "kind_label": KIT_LABELS.get(item.get("kind"), "Material")} for item in film.get("kit", [])]
    return {**film, "kit": kit}


@route("GET", "/films", access=PUBLIC, tag=TAG, content_type=HTML, summary="Page: the film library")
def films_page(call: Call):
    films = [film_card(f) for f in scrub(call.rpc("screenings", "list_films"))]
    return page(call, "films.html", title="Films", films=films, mission=NIOT_MISSION)


@route("GET", "/films/{slug:str}", access=PUBLIC, tag=TAG, content_type=HTML,
       summary="Page: one film, its discussion guide and its upcoming screenings")
def film_page(call: Call):
    film = film_card(scrub(call.rpc("screenings", "get_film", call.path["slug"])))
    return page(call, "film.html", title=film.get("title") or "Film", film=film, mission=NIOT_MISSION,
                upcoming=upcoming(call, film=film["slug"]), resources=suggested(call, film=film["slug"]))
