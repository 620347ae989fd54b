"""Finding a leader or a screening: the directory and the screening list with their
filters, paging and the map of the states, and each leader's public profile. Filters come
from a GET form; a value that is not one of the choices comes back as that form with the
message next to its field."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.gateway import state_map
from services.gateway.api import nearby
from services.gateway.api.common import scrub
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import PUBLIC

from . import listing
from .forms import FormState
from .render import HTML, TAG, page

route = ROUTES.route
Choice = Annotated[str, StringConstraints(max_length=80)]

FORMATS = (("community_screening", "Community screening"), ("roll_call", "Roll call"), ("academy", "Academy"),
           ("school_program", "School program"))
AUDIENCES = (("general_public", "General public"), ("law_enforcement", "Law enforcement"), ("students", "Students"),
             ("educators", "Educators"), ("parents", "Parents"), ("faith_communities", "Faith communities"),
             ("community_organizations", "Community organizations"), ("civic_leaders", "Civic leaders"))
DIRECTORY_LABELS = {"near": "Near (ZIP code or city, state)", "radius": "Within", "region": "Region", "state": "State",
                    "expertise": "Expertise", "page": "Page"}
RADII = [(str(miles), f"{miles} miles") for miles in nearby.RADIUS_CHOICES]
SCREENING_LABELS = {"near": "Near (ZIP code or city, state)", "radius": "Within", "region": "Region", "state": "State",
                    "format": "Format", "audience": "Audience",
                    "film": "Film", "from_date": "From", "to_date": "Until", "page": "Page"}
DIRECTORY_PAGE_SIZE = 24
SCREENINGS_PAGE_SIZE = 20


def _regions(call: Call) -> list[dict[str, Any]]:
    return scrub(call.rpc("leaders", "regions")).get("regions", [])


def _states(regions: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted({(s["code"], s["name"]) for r in regions for s in r.get("states", [])}, key=lambda s: s[1])


# --- the directory ----------------------------------------------------------------------

class DirectoryPageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    near: Choice | None = None
    radius: Choice | None = None
    region: Choice | None = None
    state: Choice | None = None
    expertise: Choice | None = None
    page: Choice | None = None


def _directory(call: Call, status: int = 200, form: FormState | None = None) -> Reply:
    regions = _regions(call)
    choices = {"region": [(r["id"], r["name"]) for r in regions], "state": _states(regions),
               "expertise": [(t["slug"], t["label"]) for t in call.rpc("leaders", "expertise_tags")], "radius": RADII}
    if form is None:
        form = listing.checked(call, DIRECTORY_LABELS, choices)
    place, around = listing.near(form)
    found, total, number = [], 0, 1
    if not form.errors:
        chosen = listing.chosen(form, choices)
        chosen.pop("radius", None)
        number = listing.page_number(form)
        result = scrub(call.rpc("leaders", "directory", **chosen, **around, page=number, limit=DIRECTORY_PAGE_SIZE))
        found, total = result.get("leaders", []), result.get("total", 0)
    counts = {s["code"]: s["active_leaders"] for r in scrub(call.rpc("leaders", "coverage_leaders")).get("regions", [])
              for s in r.get("states", [])}
    names = dict(choices["state"])
    return page(call, "directory.html", status=422 if form.errors else status, title="Leaders", form=form,
                choices=choices, leaders=found, total=total, place=place, radius=around.get("radius_miles"),
                paging=listing.pager("/directory", form, number, DIRECTORY_PAGE_SIZE, total),
                map=listing.state_tiles(names, counts, "/directory", "leader"),
                map_size=(state_map.WIDTH, state_map.HEIGHT), legend=listing.MAP_LEGEND)


def directory_invalid(call: Call, exc: ApiError) -> Reply:
    return _directory(call, form=listing.refused(call, exc, DIRECTORY_LABELS))


@route("GET", "/directory", access=PUBLIC, tag=TAG, content_type=HTML, query=DirectoryPageQuery,
       invalid=directory_invalid, summary="Page: the public directory, by region, state and expertise")
def directory_page(call: Call):
    return _directory(call)


# --- the screening list -----------------------------------------------------------------

class ScreeningsPageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    near: Choice | None = None
    radius: Choice | None = None
    region: Choice | None = None
    state: Choice | None = None
    format: Choice | None = None
    audience: Choice | None = None
    film: Choice | None = None
    from_date: Choice | None = None
    to_date: Choice | None = None
    page: Choice | None = None


def _window(call: Call, form: forms.FormState) -> dict[str, str]:
    """The date range as the search wants it: from the start of `from_date` (never before
    now) to the end of `to_date`, in UTC."""
    start, end = listing.date_value(form, "from_date"), listing.date_value(form, "to_date")
    if start and end and end < start:
        form.errors["to_date"] = "Choose a date on or after the first date"
    window = {"starts_from": max(call.now, datetime.combine(start, time(), timezone.utc)) if start else call.now}
    if end:
        window["starts_before"] = datetime.combine(end + timedelta(days=1), time(), timezone.utc)
    return {key: value.isoformat() for key, value in window.items()}


def _screenings(call: Call, status: int = 200, form: FormState | None = None) -> Reply:
    regions = _regions(call)
    films = scrub(call.rpc("screenings", "list_films"))
    choices = {"region": [(r["id"], r["name"]) for r in regions], "state": _states(regions),
               "format": list(FORMATS), "audience": list(AUDIENCES), "film": [(f["slug"], f["title"]) for f in films],
               "radius": RADII}
    if form is None:
        form = listing.checked(call, SCREENING_LABELS, choices)
    window = _window(call, form)
    place, around = listing.near(form)
    found, total, number = [], 0, 1
    if not form.errors:
        number = listing.page_number(form)
        chosen = listing.chosen(form, choices)
        chosen.pop("radius", None)
        result = call.rpc("screenings", "search_screenings", {**chosen, **window, **around,
                                                               "page": number, "page_size": SCREENINGS_PAGE_SIZE})
        found, total = scrub(result.get("items", [])), result.get("total", 0)
    now = call.now
    coverage = call.rpc("screenings", "coverage_screenings", now.isoformat(), (now + timedelta(days=366)).isoformat())
    counts = {s["state"]: s["upcoming"] for r in coverage.get("regions", []) for s in r.get("states", []) if s["state"]}
    return page(call, "screenings.html", status=422 if form.errors else status, title="Upcoming screenings",
                form=form, choices=choices, upcoming=found, total=total, place=place, radius=around.get("radius_miles"),
                paging=listing.pager("/screenings", form, number, SCREENINGS_PAGE_SIZE, total),
                map=listing.state_tiles(dict(choices["state"]), counts, "/screenings", "upcoming screening"),
                map_size=(state_map.WIDTH, state_map.HEIGHT), legend=listing.MAP_LEGEND,
                feeds=listing.feeds(call, regions))


def screenings_invalid(call: Call, exc: ApiError) -> Reply:
    return _screenings(call, form=listing.refused(call, exc, SCREENING_LABELS))


@route("GET", "/screenings", access=PUBLIC, tag=TAG, content_type=HTML, query=ScreeningsPageQuery,
       invalid=screenings_invalid,
       summary="Page: upcoming screenings, by region, state, format, audience, film and dates")
def screenings_page(call: Call):
    return _screenings(call)


# --- a leader's public profile ----------------------------------------------------------

@route("GET", "/leaders/{leader_id:int}", access=PUBLIC, tag=TAG, content_type=HTML,
       summary="Page: a leader's public profile, with their upcoming screenings (no contact details)")
def leader_profile_page(call: Call):
    leader = scrub(call.rpc("leaders", "public_leader", call.path["leader_id"]))
    found = call.rpc("screenings", "search_screenings", {"leader_id": leader["id"], "starts_from": call.now.isoformat(),
                                                         "page_size": 20})
    expertise = leader.get("expertise") or []
    ask = {"state": leader.get("state") or "", **({"topic": expertise[0]["slug"]} if expertise else {})}
    feed = f"/feeds/leaders/{leader['id']}/screenings.ics"
    return page(call, "public_profile.html", title=leader.get("name") or "Leader", leader=leader,
                upcoming=scrub(found.get("items", [])), ask_href=listing.filtered_href("/mentorship/request", **ask),
                feed={"href": feed, "webcal": listing.webcal(call, feed)})
