"""RPC contracts of the screenings methods.

Times in responses travel as ISO 8601 text, as the service writes them. Ids are as the
caller got them (the service answers NotFound for one it does not hold); event details,
changes, reports and films are JSON objects the service validates field by field.
"""
from __future__ import annotations

from typing import Any, Literal, Union

from . import Params, Response, rpc_method
from .common import Actor, RequestKey

SERVICE = "screenings"

Status = Literal["submitted", "sent_back", "resubmitted", "scheduled", "cancelled", "completed"]
Kind = Literal["film_screening", "guided_discussion"]
Format = Literal["community_screening", "roll_call", "academy", "school_program"]
Visibility = Literal["public", "invitation_only"]
RsvpStatus = Literal["confirmed", "waitlisted", "cancelled"]


# --- responses ------------------------------------------------------------------------


class ProjectedLeader(Response):
    leader_id: int
    leader_version: int
    name: str
    state: str
    region: str
    region_grouping: str
    status: str
    trusted_host: bool
    away_until: str | None


class KitItem(Response):
    """Something in a film's screening kit: ordered from the program (`orderable`, see the
    materials orders) and/or downloaded at `url` where the program publishes one."""

    kind: Literal["dvd", "usb_drive", "discussion_guide", "law_enforcement_guide", "flyer"]
    title: str
    description: str | None
    orderable: bool
    url: str | None


class Film(Response):
    slug: str
    title: str
    description: str | None  # null: the program's pages publish none
    runtime_minutes: int | None  # null: no published figure
    audiences: list[str]
    guide: KitItem | None
    kit: list[KitItem]


class Venue(Response):
    name: str
    address: str
    city: str
    state: str
    postal_code: str | None = None


class Host(Response):
    leader_id: int
    name: str | None


class Screening(Response):
    """A screening as anyone who may see it sees it."""

    id: str
    uid: str
    sequence: int
    status: Status
    title: str
    kind: Kind
    format: Format
    description: str
    film: str | None
    online: bool
    venue: Venue | None
    state: str | None
    region: str
    time_zone: str
    local_start: str
    local_end: str
    local_label: str
    start_utc: str
    end_utc: str
    capacity: int
    seats_left: int
    waitlist: int
    audiences: list[str]
    partners: list[str]
    visibility: Visibility
    host: Host
    cohost_ids: list[int]
    cancel_message: str | None
    page_path: str
    ics_path: str
    distance_miles: float | None = None


class ManagedScreening(Screening):
    """A screening as its host, its co-hosts and program managers see it."""

    join_url: str | None
    review_note: str | None
    confirmed: int
    report_filed: bool


ScreeningView = Union[ManagedScreening, Screening]


class SearchResult(Response):
    items: list[ScreeningView]
    total: int
    page: int
    page_size: int


class CoverageState(Response):
    state: str | None
    held: int
    upcoming: int
    attendance: int
    reports_filed: int
    report_share: float | None
    upcoming_rsvps: int
    audiences_reached: dict[str, int]
    partners: int = 0  # distinct partners named on the events or their reports


class CoverageRegion(Response):
    region: str
    held: int
    upcoming: int
    attendance: int
    reports_filed: int
    upcoming_rsvps: int
    audiences_reached: dict[str, int]
    partners: int = 0
    states: list[CoverageState]
    report_share: float | None


class Coverage(Response):
    window_start: str
    window_end: str
    grouping: str | None
    regions: list[CoverageRegion]
    states_with_none: list[str]


class Place(Response):
    """A seat or a waitlist place just asked for (`created` false: the address already had one)."""

    rsvp_id: str
    screening_id: str
    status: Literal["confirmed", "waitlisted"]
    created: bool
    waitlist_position: int | None
    cancel_path: str | None


class CancelledRsvp(Response):
    rsvp_id: str
    status: Literal["cancelled"]
    promoted_rsvp_id: str | None


class Seat(Response):
    rsvp_id: str
    name: str
    status: RsvpStatus


class AttendeeView(Screening):
    """The screening as one attendee sees it from their private link."""

    rsvp: Seat
    join_url: str | None


class Attendee(Response):
    rsvp_id: str
    name: str
    email: str | None
    status: RsvpStatus
    walk_in: bool
    invited: bool
    position: int
    registered_at: str
    # An invitee's answer from their calendar: NEEDS-ACTION (not yet), ACCEPTED, DECLINED
    # or TENTATIVE; null for someone who took a place themselves.
    calendar_answer: Literal["NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE"] | None = None


class WalkIn(Response):
    rsvp_id: str
    status: Literal["confirmed"]
    walk_in: bool


class FiledReport(Response):
    screening_id: str
    filed_at: str
    head_count: int


class GivenFeedback(Response):
    rsvp_id: str
    rating: int


class Feed(Response):
    not_modified: Literal[False]
    body: str
    content_type: str
    etag: str
    last_modified: str


class FeedNotModified(Response):
    """The caller's copy (If-None-Match / If-Modified-Since) is current."""

    not_modified: Literal[True]
    etag: str
    last_modified: str


FeedAnswer = Union[Feed, FeedNotModified]


# --- methods --------------------------------------------------------------------------


@rpc_method(SERVICE, "projected_leader", response=ProjectedLeader)
class ProjectedLeaderParams(Params):
    leader_id: int


@rpc_method(SERVICE, "list_films", response=list[Film])
class ListFilms(Params):
    pass


@rpc_method(SERVICE, "get_film", response=Film)
class GetFilm(Params):
    slug: str


@rpc_method(SERVICE, "add_film", response=Film)
class AddFilm(Params):
    actor: Actor
    film: dict[str, Any]


@rpc_method(SERVICE, "register_screening", response=ScreeningView)
class RegisterScreening(Params):
    actor: Actor
    host_id: int
    details: dict[str, Any]
    request_key: RequestKey = None


@rpc_method(SERVICE, "approve_screening", response=ScreeningView)
class ApproveScreening(Params):
    actor: Actor
    screening_id: str


@rpc_method(SERVICE, "send_back_screening", response=ScreeningView)
class SendBackScreening(Params):
    actor: Actor
    screening_id: str
    note: str


@rpc_method(SERVICE, "resubmit_screening", response=ScreeningView)
class ResubmitScreening(Params):
    actor: Actor
    screening_id: str
    changes: dict[str, Any] | None = None


@rpc_method(SERVICE, "reschedule_screening", response=ScreeningView)
class RescheduleScreening(Params):
    actor: Actor
    screening_id: str
    start: str
    end: str
    time_zone: str | None = None
    message: str | None = None


@rpc_method(SERVICE, "change_venue", response=ScreeningView)
class ChangeVenue(Params):
    actor: Actor
    screening_id: str
    venue: dict[str, Any] | None = None
    join_url: str | None = None
    state: str | None = None
    time_zone: str | None = None
    message: str | None = None


@rpc_method(SERVICE, "change_capacity", response=ScreeningView)
class ChangeCapacity(Params):
    actor: Actor
    screening_id: str
    capacity: int


@rpc_method(SERVICE, "cancel_screening", response=ScreeningView)
class CancelScreening(Params):
    actor: Actor
    screening_id: str
    message: str | None = None


@rpc_method(SERVICE, "get_screening", response=ScreeningView)
class GetScreening(Params):
    screening_id: str
    actor: Actor | None = None


@rpc_method(SERVICE, "search_screenings", response=SearchResult)
class SearchScreenings(Params):
    filters: dict[str, Any] | None = None
    actor: Actor | None = None


@rpc_method(SERVICE, "coverage_screenings", response=Coverage)
class CoverageScreenings(Params):
    window_start: str
    window_end: str
    grouping: str | None = None


@rpc_method(SERVICE, "rsvp", response=Place)
class TakePlace(Params):
    screening_id: str
    name: str
    email: str
    request_key: RequestKey = None


@rpc_method(SERVICE, "invite", response=Place)
class Invite(Params):
    actor: Actor
    screening_id: str
    name: str
    email: str
    request_key: RequestKey = None


class MessagedAttendees(Response):
    screening_id: str
    recipients: int


@rpc_method(SERVICE, "message_attendees", response=MessagedAttendees)
class MessageAttendees(Params):
    actor: Actor
    screening_id: str
    subject: str
    message: str
    request_key: RequestKey = None


@rpc_method(SERVICE, "cancel_rsvp", response=CancelledRsvp)
class CancelRsvp(Params):
    rsvp_id: str
    token: str


@rpc_method(SERVICE, "attendee_view", response=AttendeeView)
class AttendeeViewParams(Params):
    rsvp_id: str
    token: str


@rpc_method(SERVICE, "attendees", response=list[Attendee])
class Attendees(Params):
    actor: Actor
    screening_id: str


@rpc_method(SERVICE, "attendees_csv", response=str)
class AttendeesCsv(Params):
    actor: Actor
    screening_id: str


@rpc_method(SERVICE, "add_walk_in", response=WalkIn)
class AddWalkIn(Params):
    actor: Actor
    screening_id: str
    name: str
    email: str | None = None
    request_key: RequestKey = None


@rpc_method(SERVICE, "file_report", response=FiledReport)
class FileReport(Params):
    actor: Actor
    screening_id: str
    report: dict[str, Any]


@rpc_method(SERVICE, "give_feedback", response=GivenFeedback)
class GiveFeedback(Params):
    rsvp_id: str
    token: str
    rating: int
    comment: str | None = None


@rpc_method(SERVICE, "event_ics", response=str)
class EventIcs(Params):
    screening_id: str


@rpc_method(SERVICE, "rsvp_ics", response=str)
class RsvpIcs(Params):
    rsvp_id: str
    token: str


@rpc_method(SERVICE, "national_feed", response=FeedAnswer)
class NationalFeed(Params):
    if_none_match: str | None = None
    if_modified_since: str | None = None


@rpc_method(SERVICE, "region_feed", response=FeedAnswer)
class RegionFeed(Params):
    region_id: str
    if_none_match: str | None = None
    if_modified_since: str | None = None


@rpc_method(SERVICE, "leader_feed", response=FeedAnswer)
class LeaderFeed(Params):
    leader_id: int
    if_none_match: str | None = None
    if_modified_since: str | None = None
