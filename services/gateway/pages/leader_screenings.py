"""A leader's screening forms: registering a screening or guided discussion, editing a
sent-back one to resubmit it, and the post-event report. The screenings service validates
the details; the form comes back with what was typed and each problem next to its field."""
from __future__ import annotations

from typing import Any

from services.gateway.api.common import actor
from services.gateway.api.screenings import organisers
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import LEADER, SIGNED_IN

from . import forms
from .leader import leaders_by_name, signed_in_leader, status_words
from .render import HTML, TAG, notice, page, refused_as_page, see_other

route = ROUTES.route

KINDS = (("film_screening", "Film screening"), ("guided_discussion", "Guided discussion"))
FORMATS = (("community_screening", "Community screening"), ("roll_call", "Roll call (officers only)"),
           ("academy", "Police academy"), ("school_program", "School program"))
AUDIENCES = (("general_public", "General public"), ("law_enforcement", "Law enforcement"), ("students", "Students"),
             ("educators", "Educators"), ("parents", "Parents"), ("faith_communities", "Faith communities"),
             ("community_organizations", "Community organizations"), ("civic_leaders", "Civic leaders"))
VISIBILITIES = (("public", "Public: listed on the calendar, anyone can take a seat"),
                ("invitation_only", "Invitation only: only the people you invite can see it and take a seat"))

LABELS = {"kind": "Kind of event", "format": "Format", "film": "Film", "title": "Title",
          "description": "Description", "venue_name": "Venue name", "venue_address": "Street address",
          "venue_city": "City", "venue_state": "State", "join_url": "Online join link", "time_zone": "Time zone",
          "start": "Starts", "end": "Ends", "capacity": "Seats", "audiences": "Audiences", "visibility": "Who can come",
          "cohosts": "Co-hosts", "partners": "Partners"}
ALIASES = {"venue.name": "venue_name", "venue.address": "venue_address", "venue.city": "venue_city",
           "venue.state": "venue_state", "venue": "venue_name", "state": "venue_state", "cohost_ids": "cohosts"}

REPORT_LABELS = {"head_count": "How many people came", "audiences": "Who came", "partners": "Partners",
                 "follow_up_actions": "Follow-up actions", "notes": "Notes"}

REGISTERED = notice("screening-registered", "success",
                    "Your screening is registered. A program manager reviews it; you get an email when it is approved.")
RESUBMITTED = notice("screening-resubmitted", "success",
                     "Your changes are sent. A program manager reviews the screening again.")
REPORT_FILED = notice("report-filed", "success", "Thank you: your report is filed.")


def _lines(text: str | None, commas: bool = False) -> list[str]:
    """One item a line (or, with `commas`, also separated by commas), blanks left out."""
    lines = (text or "").splitlines()
    return [part.strip() for line in lines for part in (line.split(",") if commas else [line]) if part.strip()]


def _cohost_ids(call: Call, names: list[str], errors: dict[str, str]) -> list[int]:
    if not names:
        return []
    known = leaders_by_name(call)
    ids, unknown, ambiguous = [], [], []
    for name in names:
        matches = known.get(name.lower(), [])
        if len(matches) == 1:
            ids.append(matches[0]["id"])
        elif matches:
            ambiguous.append(name)
        else:
            unknown.append(name)
    if unknown:
        errors["cohosts"] = ("no leader in the directory is called " + ", ".join(f"“{n}”" for n in unknown)
                             + "; write each name as the directory shows it")
    elif ambiguous:
        errors["cohosts"] = ("more than one leader is called " + ", ".join(f"“{n}”" for n in ambiguous)
                             + "; ask a program manager to add them after approval")
    return ids


def details_from_form(call: Call, errors: dict[str, str]) -> dict[str, Any]:
    """The service's `details` from the submitted form; co-hosts are looked up by name."""
    form = call.request.form
    text = {name: (form.get(name) or "").strip() for name in LABELS if name != "audiences"}
    venue = {key: text[f"venue_{key}"] for key in ("name", "address", "city", "state")}
    online = bool(text["join_url"]) and not any(venue.values())
    capacity: Any = text["capacity"]
    if capacity.isdigit():
        capacity = int(capacity)
    details: dict[str, Any] = {
        "kind": text["kind"] or None, "format": text["format"] or None, "film": text["film"] or None,
        "title": text["title"], "description": text["description"],
        "venue": None if online else venue, "join_url": text["join_url"] or None,
        "state": venue["state"] if online else None, "time_zone": text["time_zone"] or None,
        "start": text["start"], "end": text["end"], "capacity": capacity,
        "audiences": form.getlist("audiences"), "visibility": text["visibility"] or "public",
        "cohost_ids": _cohost_ids(call, _lines(text["cohosts"], commas=True), errors), "partners": _lines(text["partners"]),
    }
    return details


def values_from_view(call: Call, view: dict) -> dict[str, Any]:
    """A screening's details as the form shows them, for editing."""
    venue = view.get("venue") or {}
    names = {leader["id"]: leader["name"] for matches in leaders_by_name(call).values() for leader in matches}
    return {"kind": view.get("kind"), "format": view.get("format"), "film": view.get("film") or "",
            "title": view.get("title"), "description": view.get("description"),
            "venue_name": venue.get("name", ""), "venue_address": venue.get("address", ""),
            "venue_city": venue.get("city", ""), "venue_state": venue.get("state") or view.get("state") or "",
            "join_url": view.get("join_url") or "", "time_zone": view.get("time_zone"),
            "start": str(view.get("local_start") or "")[:16], "end": str(view.get("local_end") or "")[:16],
            "capacity": view.get("capacity"), "visibility": view.get("visibility"),
            "audiences": list(view.get("audiences", [])),
            "cohosts": "\n".join(names.get(i, "") for i in view.get("cohost_ids", [])),
            "partners": "\n".join(view.get("partners", []))}


def known_partners(call: Call, state: str | None) -> dict[str, Any]:
    """The partners on record in the event's state, so an organiser types a known name
    as it is kept (a name matching one links the event to it)."""
    if not state:
        return {"partner_state": None, "known_partners": []}
    found = call.rpc("screenings", "search_partners", {"state": state, "page_size": 200})
    return {"partner_state": state, "known_partners": [p["name"] for p in found["items"]]}


def _organiser_state(call: Call, view: dict | None) -> str | None:
    if view is not None:
        return view.get("state")
    caller = call.require_caller()
    if caller.leader_id is None:
        return None
    try:
        return call.rpc("screenings", "projected_leader", caller.leader_id)["state"]
    except ApiError as exc:
        if exc.status != 404:  # a new leader the screenings service has not heard of yet
            raise
        return None


def screening_form(call: Call, form: forms.FormState, *, action: str, heading: str, view: dict | None = None,
                   status: int = 200) -> Reply:
    return page(call, "leader_screening_form.html", status=status, title=heading, form=form, action=action,
                view=view, films=call.rpc("screenings", "list_films"), kinds=KINDS, formats=FORMATS,
                audiences=AUDIENCES, visibilities=VISIBILITIES,
                **known_partners(call, _organiser_state(call, view)))


def _with_errors(call: Call, errors: dict[str, str], exc: ApiError | None) -> forms.FormState:
    state = forms.refused(call, exc, LABELS, ALIASES) if exc else forms.submitted(call, LABELS)
    for name, text in errors.items():
        state.errors.setdefault(name, text)
    if not exc:
        state.message = None
    return state


@route("GET", "/leader/screenings/new", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: register a screening or guided discussion")
def new_screening_page(call: Call):
    signed_in_leader(call)
    return screening_form(call, forms.empty(LABELS, {"kind": "film_screening", "visibility": "public"}),
                          action="/leader/screenings/new", heading="Register a screening or discussion")


@route("POST", "/leader/screenings/new", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: register a screening (POST /api/screenings does the same as JSON)", idempotent=True)
def new_screening_submit(call: Call):
    leader_id = signed_in_leader(call)
    errors: dict[str, str] = {}
    details = details_from_form(call, errors)
    heading = "Register a screening or discussion"
    if errors:
        return screening_form(call, _with_errors(call, errors, None), action="/leader/screenings/new",
                              heading=heading, status=422)
    try:
        view = call.rpc("screenings", "register_screening", actor(call), leader_id, details,
                        request_key=call.request_key())
    except ApiError as exc:
        if exc.status == 422:
            return screening_form(call, _with_errors(call, errors, exc), action="/leader/screenings/new",
                                  heading=heading, status=422)
        if exc.status in (403, 409):
            return refused_as_page(call, exc, "Not registered")
        raise
    return see_other(f"/manage/screenings/{view['id']}", REGISTERED)


@route("GET", "/manage/screenings/{screening_id:token}/edit", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, summary="Page: edit a sent-back screening and resubmit it (the send-back mail's link)")
def edit_screening_page(call: Call):
    view = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    if view.get("status") != "sent_back":
        return see_other(f"/manage/screenings/{view['id']}")
    return screening_form(call, forms.empty(LABELS, values_from_view(call, view)),
                          action=f"/manage/screenings/{view['id']}/edit", heading=f"Edit: {view.get('title')}",
                          view=view)


@route("POST", "/manage/screenings/{screening_id:token}/edit", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, summary="Page: resubmit a sent-back screening with changes "
                                  "(POST /api/screenings/{id}/resubmit does the same as JSON)")
def edit_screening_submit(call: Call):
    view = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    errors: dict[str, str] = {}
    details = details_from_form(call, errors)
    action, heading = f"/manage/screenings/{view['id']}/edit", f"Edit: {view.get('title')}"
    if errors:
        return screening_form(call, _with_errors(call, errors, None), action=action, heading=heading, view=view,
                              status=422)
    try:
        call.rpc("screenings", "resubmit_screening", actor(call), view["id"], details)
    except ApiError as exc:
        if exc.status == 422:
            return screening_form(call, _with_errors(call, errors, exc), action=action, heading=heading, view=view,
                                  status=422)
        if exc.status in (403, 404, 409):
            return refused_as_page(call, exc, "Not resubmitted")
        raise
    return see_other(f"/manage/screenings/{view['id']}", RESUBMITTED)


# --- the post-event report ------------------------------------------------------------------

def report_form(call: Call, view: dict, form: forms.FormState, status: int = 200) -> Reply:
    return page(call, "leader_report.html", status=status, title=f"Report: {view.get('title')}", view=view,
                form=form, audiences=AUDIENCES, status_text=status_words(view.get("status")),
                **known_partners(call, view.get("state")))


@route("GET", "/manage/screenings/{screening_id:token}/report", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, summary="Page: the post-event report form (the report chaser's link)")
def screening_report_page(call: Call):
    view = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    values = {"partners": "\n".join(view.get("partners", []))}
    if view.get("confirmed") is not None:
        values["head_count"] = view["confirmed"]
    return report_form(call, view, forms.empty(REPORT_LABELS, values))


@route("POST", "/manage/screenings/{screening_id:token}/report", access=LEADER, owner=organisers, tag=TAG,
       content_type=HTML, summary="Page: file the post-event report "
                                  "(POST /api/screenings/{id}/report does the same as JSON)")
def screening_report_submit(call: Call):
    view = call.rpc("screenings", "get_screening", call.path["screening_id"], actor=actor(call))
    form = call.request.form
    head_count: Any = (form.get("head_count") or "").strip()
    if head_count.isdigit():
        head_count = int(head_count)
    report = {"head_count": head_count, "audiences": form.getlist("audiences"),
              "partners": _lines(form.get("partners")), "follow_up_actions": _lines(form.get("follow_up_actions")),
              "notes": (form.get("notes") or "").strip()}
    try:
        call.rpc("screenings", "file_report", actor(call), view["id"], report)
    except ApiError as exc:
        if exc.status == 422:
            return report_form(call, view, forms.refused(call, exc, REPORT_LABELS), status=422)
        if exc.status in (403, 409):
            return refused_as_page(call, exc, "Report not filed")
        raise
    return see_other("/leader", REPORT_FILED)
