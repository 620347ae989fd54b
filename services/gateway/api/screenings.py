"""Films, screenings and guided discussions, RSVPs, reports and calendar feeds (the
screenings service). The service checks hosts and co-hosts from the `actor` it is sent."""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.gateway import conditional
from services.gateway.errors import forbidden
from services.gateway.http import Call, Reply
from services.gateway.routing import LEADER, MANAGER, PUBLIC, SIGNED_IN
from services.gateway.schemas import Name, list_of

from . import nearby
from .common import JsonObject, Page, RecordId, Slug, actor, scrub
from .table import ROUTES

route = ROUTES.route
FILMS, SCREENINGS, RSVPS, HOSTING, FEEDS = "Films", "Screenings", "RSVPs", "Hosting", "Calendar feeds"
OBJECT = {"type": "object"}
# The attendee list is an array (services.contracts.rpc.screenings.Attendee per entry).
ATTENDEES = {"type": "array", "items": {"type": "object", "required": [
    "rsvp_id", "name", "email", "status", "walk_in", "invited", "position", "registered_at"]}}
Token = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(max_length=5000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchQuery(Strict):
    region: Slug | None = None
    state: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    leader_id: RecordId | None = None
    starts_from: datetime | None = Field(None, description="UTC offset required, e.g. 2026-05-01T00:00:00Z")
    starts_before: datetime | None = None
    kind: Literal["film_screening", "guided_discussion"] | None = None
    format: Literal["community_screening", "roll_call", "academy", "school_program"] | None = None
    status: Literal["submitted", "sent_back", "resubmitted", "scheduled", "cancelled", "completed"] | None = None
    film: Slug | None = Field(None, description="a film's slug (see /api/films)")
    audience: Slug | None = Field(None, description="one audience the event is for, e.g. students")
    near: nearby.Near | None = Field(None, description="a ZIP code (62701) or a city and state (Springfield, IL): "
                                                       "events within `radius_miles` of it, nearest first")
    radius_miles: nearby.Radius = nearby.DEFAULT_RADIUS
    ends_before: datetime | None = Field(None, description="events that ended before this time (UTC offset required)")
    report_missing: bool = Field(False, description="only held events whose report has not been filed")
    page: Page = 1
    page_size: int = Field(25, ge=1, le=100)


class TokenQuery(Strict):
    token: Token


class RsvpIn(Strict):
    name: Name
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]


class TokenIn(Strict):
    token: Token


class FeedbackIn(Strict):
    token: Token
    rating: int = Field(ge=1, le=5)
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None


class RegisterIn(Strict):
    host_id: RecordId
    details: dict = Field(description="title, kind, format, film, venue or online join link, state, time_zone, "
                                      "start, end (venue-local ISO times), capacity, audiences, co-hosts, "
                                      "partners, visibility")


class SendBackIn(Strict):
    note: Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class ResubmitIn(Strict):
    changes: dict | None = None


class RescheduleIn(Strict):
    start: Annotated[str, StringConstraints(max_length=40)]
    end: Annotated[str, StringConstraints(max_length=40)]
    time_zone: Annotated[str, StringConstraints(max_length=60)] | None = None
    message: Note | None = None


class VenueIn(Strict):
    venue: dict | None = None
    join_url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    state: Annotated[str, StringConstraints(max_length=2)] | None = None
    time_zone: Annotated[str, StringConstraints(max_length=60)] | None = None
    message: Note | None = None


class CapacityIn(Strict):
    capacity: int = Field(ge=0, le=1_000_000)


class CancelIn(Strict):
    message: Note | None = None


class WalkInIn(Strict):
    name: Name
    email: Annotated[str, StringConstraints(max_length=254)] | None = None


def _public(call: Call, result):
    return scrub(result)


def organisers(call: Call) -> list[int]:
    """The host and co-hosts of the addressed screening, as the service shows them to the
    caller (a leader who may not see an unpublished screening gets its 404)."""
    view = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    return [view["host"]["leader_id"], *view.get("cohost_ids", [])]


# --- films ----------------------------------------------------------------------------

@route("GET", "/api/films", access=PUBLIC, tag=FILMS, response=list_of(OBJECT),
       summary="The film catalog with discussion guides and screening kits")
def list_films(call: Call):
    return call.rpc("screenings", "list_films")


@route("GET", "/api/films/{slug:str}", access=PUBLIC, tag=FILMS, response=OBJECT, summary="One film")
def get_film(call: Call):
    return call.rpc("screenings", "get_film", call.path["slug"])


@route("POST", "/api/films", access=MANAGER, tag=FILMS, body=JsonObject, response=OBJECT, status=201,
       summary="Add a film to the catalog")
def add_film(call: Call):
    return Reply(call.rpc("screenings", "add_film", actor(call), call.body.root), status=201)


# --- public screening pages -----------------------------------------------------------

@route("GET", "/api/screenings", access=PUBLIC, tag=SCREENINGS, query=SearchQuery, response=OBJECT,
       summary="Search public screenings and discussions")
def search_screenings(call: Call):
    return _public(call, call.rpc("screenings", "search_screenings", _filters(call)))


def _filters(call: Call) -> dict:
    """The search's filters, with `near` turned into the point and radius around it."""
    filters = call.query.model_dump(mode="json", exclude_none=True)
    filters.update(nearby.around(filters.pop("near", None), filters.pop("radius_miles", None))[1])
    return filters


@route("GET", "/api/screenings/{screening_id:token}", access=PUBLIC, tag=SCREENINGS, response=OBJECT,
       summary="A public screening")
def get_screening(call: Call):
    return _public(call, call.rpc("screenings", "get_screening", call.path["screening_id"]))


@route("GET", "/screenings/{screening_id:token}/event.ics", access=PUBLIC, tag=FEEDS, content_type="text/calendar",
       extra_statuses=(304,), summary="One screening as an iCalendar file")
def screening_ics(call: Call):
    body = call.rpc("screenings", "event_ics", call.path["screening_id"])
    etag = conditional.etag_of(body)
    # Short public caching with a validator: a calendar app re-checks it cheaply.
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60",
               "Content-Disposition": f'attachment; filename="screening-{call.path["screening_id"]}.ics"'}
    if conditional.not_modified(call.request, etag):
        return Reply(None, status=304, content_type="text/calendar", headers=headers)
    return Reply(body, content_type="text/calendar; charset=utf-8", headers=headers)


# --- RSVPs ----------------------------------------------------------------------------

@route("POST", "/api/screenings/{screening_id:token}/rsvps", access=PUBLIC, tag=RSVPS, body=RsvpIn, status=201,
       response=OBJECT, rate_limit="public_form",
       summary="RSVP (no account): confirmed, or waitlisted when full with the place in line "
               "(`waitlist_position`); the cancel link is emailed", idempotent=True)
def rsvp(call: Call):
    result = call.rpc("screenings", "rsvp", call.path["screening_id"], call.body.name, call.body.email,
                      request_key=call.request_key())
    # Not the RSVP's id nor its private link: those go only to the address, by mail.
    keep = {k: result[k] for k in ("status", "waitlist_position", "created", "screening_id")}
    return Reply(keep, status=201)


@route("GET", "/api/rsvps/{rsvp_id:token}", access=PUBLIC, tag=RSVPS, query=TokenQuery, response=OBJECT,
       summary="Your RSVP, from the private link (join link of online events included)")
def attendee_view(call: Call):
    return call.rpc("screenings", "attendee_view", call.path["rsvp_id"], call.query.token)


@route("POST", "/api/rsvps/{rsvp_id:token}/cancel", access=PUBLIC, tag=RSVPS, body=TokenIn, response=OBJECT,
       rate_limit="public_form", summary="Cancel your RSVP with the private link's token")
def cancel_rsvp(call: Call):
    return call.rpc("screenings", "cancel_rsvp", call.path["rsvp_id"], call.body.token)


@route("POST", "/api/rsvps/{rsvp_id:token}/feedback", access=PUBLIC, tag=RSVPS, body=FeedbackIn, response=OBJECT,
       rate_limit="public_form", summary="Rate the event and comment (attendees)")
def give_feedback(call: Call):
    return call.rpc("screenings", "give_feedback", call.path["rsvp_id"], call.body.token, call.body.rating,
                    call.body.comment)


@route("GET", "/rsvps/{rsvp_id:token}/event.ics", access=PUBLIC, tag=RSVPS, query=TokenQuery,
       content_type="text/calendar", summary="Your RSVP's calendar file")
def rsvp_ics(call: Call):
    body = call.rpc("screenings", "rsvp_ics", call.path["rsvp_id"], call.query.token)
    return Reply(body, content_type="text/calendar; charset=utf-8")


# --- hosting (leaders for their own events, managers for all) --------------------------

@route("POST", "/api/screenings", access=SIGNED_IN, tag=HOSTING, body=RegisterIn, response=OBJECT, status=201,
       summary="Register a screening or guided discussion (waits for review unless the host is trusted)",
       idempotent=True)
def register_screening(call: Call):
    if not call.caller.is_manager and call.body.host_id != call.caller.leader_id:
        raise forbidden("a leader registers events only as their own host")
    return Reply(call.rpc("screenings", "register_screening", actor(call), call.body.host_id, call.body.details,
                          request_key=call.request_key()),
                 status=201)


@route("GET", "/api/manage/screenings", access=SIGNED_IN, tag=HOSTING, query=SearchQuery, response=OBJECT,
       summary="Search screenings as the signed-in host or manager (includes unpublished ones you may see)")
def manage_search(call: Call):
    return call.rpc("screenings", "search_screenings", _filters(call), actor=actor(call))


@route("GET", "/api/manage/screenings/{screening_id:token}", access=LEADER, owner=organisers, tag=HOSTING,
       response=OBJECT, summary="A screening with the host's details (join link, review note)")
def manage_get(call: Call):
    return call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))


@route("POST", "/api/screenings/{screening_id:token}/approve", access=MANAGER, tag=HOSTING, response=OBJECT,
       summary="Approve a submitted screening (it goes on the calendar)")
def approve_screening(call: Call):
    return call.rpc("screenings", "approve_screening", actor(call), call.path["screening_id"])


@route("POST", "/api/screenings/{screening_id:token}/send-back", access=MANAGER, tag=HOSTING, body=SendBackIn,
       response=OBJECT, summary="Send a submitted screening back to its host with a note")
def send_back_screening(call: Call):
    return call.rpc("screenings", "send_back_screening", actor(call), call.path["screening_id"], call.body.note)


@route("POST", "/api/screenings/{screening_id:token}/resubmit", access=LEADER, owner=organisers, tag=HOSTING,
       body=ResubmitIn, response=OBJECT, summary="Resubmit a sent-back screening, with changes")
def resubmit_screening(call: Call):
    return call.rpc("screenings", "resubmit_screening", actor(call), call.path["screening_id"], call.body.changes)


@route("POST", "/api/screenings/{screening_id:token}/reschedule", access=LEADER, owner=organisers, tag=HOSTING,
       body=RescheduleIn, response=OBJECT, summary="Move to a new time (attendees are told)")
def reschedule_screening(call: Call):
    b = call.body
    return call.rpc("screenings", "reschedule_screening", actor(call), call.path["screening_id"], b.start, b.end,
                    time_zone=b.time_zone, message=b.message)


@route("POST", "/api/screenings/{screening_id:token}/venue", access=LEADER, owner=organisers, tag=HOSTING,
       body=VenueIn, response=OBJECT, summary="Change the venue or online join link (attendees are told)")
def change_venue(call: Call):
    b = call.body
    return call.rpc("screenings", "change_venue", actor(call), call.path["screening_id"], venue=b.venue,
                    join_url=b.join_url, state=b.state, time_zone=b.time_zone, message=b.message)


@route("POST", "/api/screenings/{screening_id:token}/capacity", access=LEADER, owner=organisers, tag=HOSTING,
       body=CapacityIn, response=OBJECT, summary="Change the capacity (waitlisted people are promoted)")
def change_capacity(call: Call):
    return call.rpc("screenings", "change_capacity", actor(call), call.path["screening_id"], call.body.capacity)


@route("POST", "/api/screenings/{screening_id:token}/cancel", access=LEADER, owner=organisers, tag=HOSTING,
       body=CancelIn, response=OBJECT, summary="Cancel, with a message to attendees")
def cancel_screening(call: Call):
    return call.rpc("screenings", "cancel_screening", actor(call), call.path["screening_id"], call.body.message)


@route("GET", "/api/screenings/{screening_id:token}/attendees", access=LEADER, owner=organisers, tag=HOSTING,
       response=ATTENDEES, summary="The attendee list")
def attendees(call: Call):
    return call.rpc("screenings", "attendees", actor(call), call.path["screening_id"])


@route("GET", "/api/screenings/{screening_id:token}/attendees.csv", access=LEADER, owner=organisers,
       tag=HOSTING, content_type="text/csv", summary="The attendee list as CSV")
def attendees_csv(call: Call):
    body = call.rpc("screenings", "attendees_csv", actor(call), call.path["screening_id"])
    return Reply(body, content_type="text/csv",
                 headers={"Content-Disposition": f'attachment; filename="attendees-{call.path["screening_id"]}.csv"'})


@route("POST", "/api/screenings/{screening_id:token}/walk-ins", access=LEADER, owner=organisers, tag=HOSTING,
       body=WalkInIn, response=OBJECT, status=201, summary="Add a walk-in attendee", idempotent=True)
def add_walk_in(call: Call):
    return Reply(call.rpc("screenings", "add_walk_in", actor(call), call.path["screening_id"], call.body.name,
                          call.body.email, request_key=call.request_key()), status=201)


class MessageIn(Strict):
    subject: Annotated[str, StringConstraints(max_length=200)]
    message: Note


@route("POST", "/api/screenings/{screening_id:token}/messages", access=LEADER, owner=organisers, tag=HOSTING,
       body=MessageIn, response=OBJECT, summary="Send a message to everyone with a seat or a waitlist place "
       "(the organisers get a copy)", idempotent=True)
def message_attendees(call: Call):
    return call.rpc("screenings", "message_attendees", actor(call), call.path["screening_id"], call.body.subject,
                    call.body.message, request_key=call.request_key())


@route("POST", "/api/screenings/{screening_id:token}/report", access=LEADER, owner=organisers, tag=HOSTING,
       body=JsonObject, response=OBJECT, status=201,
       summary="File the post-event report (head count, partners, audience, follow-up, notes)")
def file_report(call: Call):
    return Reply(call.rpc("screenings", "file_report", actor(call), call.path["screening_id"], call.body.root),
                 status=201)


# --- calendar feeds (webcal-friendly: plain paths ending in .ics, conditional GET) ------

class FeedCache:
    """The last body of each feed this gateway served, by its strong ETag. A warm request
    then costs the screenings service only a conditional check, not the whole feed
    through the broker; the service's answer still decides whether it is current."""

    def __init__(self, size: int = 64):
        self.size = size
        self.entries: OrderedDict[tuple, dict] = OrderedDict()

    def get(self, key: tuple) -> dict | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key: tuple, entry: dict) -> None:
        self.entries[key] = entry
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


FEEDS_CACHE = FeedCache()


def _feed(call: Call, method: str, *args):
    key = (method, *args)
    cached = FEEDS_CACHE.get(key)
    result = call.rpc("screenings", method, *args,
                      if_none_match=cached["etag"] if cached else call.request.headers.get("If-None-Match"),
                      if_modified_since=None if cached else call.request.headers.get("If-Modified-Since"))
    if not result.get("not_modified"):
        cached = {"etag": result["etag"], "last_modified": result["last_modified"], "body": result["body"]}
        FEEDS_CACHE.put(key, cached)
    elif cached is None:  # current, and the client already holds it
        cached = {"etag": result["etag"], "last_modified": result["last_modified"], "body": None}
    headers = {"ETag": cached["etag"], "Last-Modified": cached["last_modified"],
               "Cache-Control": "public, max-age=300"}
    if cached["body"] is None or conditional.not_modified(call.request, cached["etag"], cached["last_modified"]):
        return Reply(None, status=304, content_type="text/calendar", headers=headers)
    return Reply(cached["body"], content_type="text/calendar; charset=utf-8", headers=headers)


@route("GET", "/feeds/screenings.ics", access=PUBLIC, tag=FEEDS, content_type="text/calendar",
       extra_statuses=(304,), summary="Every public screening of the network (subscribe with webcal://)")
def national_feed(call: Call):
    return _feed(call, "national_feed")


@route("GET", "/feeds/regions/{region_id:str}/screenings.ics", access=PUBLIC, tag=FEEDS,
       content_type="text/calendar", extra_statuses=(304,), summary="Public screenings of one region")
def region_feed(call: Call):
    return _feed(call, "region_feed", call.path["region_id"])


@route("GET", "/feeds/leaders/{leader_id:int}/screenings.ics", access=PUBLIC, tag=FEEDS,
       content_type="text/calendar", extra_statuses=(304,), summary="Public screenings hosted by one leader")
def leader_feed(call: Call):
    return _feed(call, "leader_feed", call.path["leader_id"])
