"""Joining the network, the roster and directory, profiles, regions and distance learning
(the leaders service)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.contracts.rpc import leaders as rpc_leaders
from services.gateway.errors import forbidden
from services.gateway.http import Call, Reply
from services.gateway.routing import LEADER, MANAGER, PUBLIC
from services.gateway.schemas import list_of
from services.runtime.errors import ValidationFailed

from . import accounts as accounts_api, nearby
from .common import JsonObject, Page, Slug, actor, leader_id_from_path, query_args, scrub
from .table import ROUTES

route = ROUTES.route
JOIN, ROSTER, PROFILE, TRAINING = "Joining the network", "Roster and directory", "Leader profiles", "Training"
OBJECT = {"type": "object"}
PAGE = {"type": "object", "required": ["total"], "properties": {"total": {"type": "integer"}}}
# Only program managers change these on a profile: trust skips the screening review.
MANAGER_ONLY_FIELDS = frozenset({"trusted_host", "status"})


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DirectoryQuery(_Query):
    region: Slug | None = None
    state: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    expertise: list[Slug] | None = None
    grouping: Slug | None = None
    page: Page = 1
    limit: int = Field(50, ge=1, le=200)


class DirectoryNearQuery(DirectoryQuery):
    near: nearby.Near | None = Field(None, description="a ZIP code (62701) or a city and state (Springfield, IL): "
                                                       "leaders within `radius_miles` of it, nearest first")
    radius_miles: nearby.Radius = nearby.DEFAULT_RADIUS


class RosterQuery(DirectoryQuery):
    status: Literal["active", "inactive", "alumni"] | None = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        None, description="part of the name, any case")


class ApplicationsQuery(_Query):
    status: Literal["pending", "approved", "declined", "waitlisted"] | None = None
    page: Page = 1
    limit: int = Field(50, ge=1, le=200)


class GroupingQuery(_Query):
    grouping: Slug | None = None


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm_over_target: bool = False


class Decline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(max_length=1000)] | None = None


class Availability(BaseModel):
    model_config = ConfigDict(extra="forbid")
    away_until: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        None, description="ISO date the leader is back; null when available")


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["active", "inactive", "alumni"]


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: int = Field(ge=0, le=10_000)


class RegionTarget(Target):
    grouping: Slug | None = None


class Grouping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grouping: Slug


class RosterCsv(BaseModel):
    model_config = ConfigDict(extra="forbid")
    csv: Annotated[str, StringConstraints(max_length=250_000)]
    dry_run: bool = Field(False, description="only check the file: the answer says what would be imported and "
                                             "why each refused row is refused; nothing is stored")


# --- public ---------------------------------------------------------------------------

APPLICATION_RECEIVED = {
    "status": "received",
    "message": "Thank you. A program manager reviews every application and will be in touch by email.",
}


@route("POST", "/api/applications", access=PUBLIC, tag=JOIN, body=JsonObject, response=OBJECT, status=202,
       rate_limit="public_form", summary="Apply to join the network",
       description="Name, email, agency, title, state, why, experience and a reference; the leaders "
                   "service validates each field. The answer is the same whether or not the address "
                   "already has an application or a place on the roster (its owner is mailed where they "
                   "stand), so it tells nobody who is a leader; managers find the application in "
                   "GET /api/applications.", idempotent=True)
def submit_application(call: Call):
    call.rpc("leaders", "submit_application", call.body.root, request_key=call.request_key())
    return Reply(APPLICATION_RECEIVED, status=202)


@route("GET", "/api/directory", access=PUBLIC, tag=ROSTER, query=DirectoryNearQuery, response=PAGE,
       summary="The public directory of active leaders (no contact details), or those near a place")
def directory(call: Call):
    args = query_args(call)
    args.update(nearby.around(args.pop("near", None), args.pop("radius_miles", None))[1])
    if "expertise" in args and len(args["expertise"]) == 1:
        args["expertise"] = args["expertise"][0]
    return scrub(call.rpc("leaders", "directory", **args))


@route("GET", "/api/directory/{leader_id:int}", access=PUBLIC, tag=ROSTER, response=OBJECT,
       summary="One leader's public profile")
def directory_entry(call: Call):
    return scrub(call.rpc("leaders", "public_leader", call.path["leader_id"]))


@route("GET", "/api/expertise", access=PUBLIC, tag=ROSTER, response=list_of(OBJECT),
       summary="The expertise tags")
def expertise_tags(call: Call):
    return call.rpc("leaders", "expertise_tags")


@route("GET", "/api/regions", access=PUBLIC, tag=ROSTER, query=GroupingQuery, response=OBJECT,
       summary="Regions of a grouping, with their states and coverage targets")
def regions(call: Call):
    return call.rpc("leaders", "regions", call.query.grouping)


@route("GET", "/api/training/modules", access=PUBLIC, tag=TRAINING, response=list_of(OBJECT),
       summary="The distance-learning modules")
def training_modules(call: Call):
    return call.rpc("leaders", "training_modules")


@route("GET", "/api/training/modules/{module:str}", access=PUBLIC, tag=TRAINING, response=rpc_leaders.Lesson,
       summary="A module's objectives, readings and knowledge check (without the answers)")
def training_module(call: Call):
    return call.rpc("leaders", "training_module", call.path["module"])


@route("GET", "/api/training/progress", access=MANAGER, tag=TRAINING, query=GroupingQuery,
       response=rpc_leaders.RegionalTraining,
       summary="Distance learning per region: active leaders who passed each module, all of them, and the "
               "modules mentoring needs")
def training_progress(call: Call):
    return call.rpc("leaders", "training_progress", call.query.grouping)


# --- program managers -----------------------------------------------------------------

@route("GET", "/api/applications", access=MANAGER, tag=JOIN, query=ApplicationsQuery, response=PAGE,
       summary="Applications, newest first")
def list_applications(call: Call):
    return call.rpc("leaders", "list_applications", **query_args(call))


@route("GET", "/api/applications/{application_id:int}", access=MANAGER, tag=JOIN, response=OBJECT,
       summary="One application")
def get_application(call: Call):
    return call.rpc("leaders", "get_application", call.path["application_id"])


@route("POST", "/api/applications/{application_id:int}/approve", access=MANAGER, tag=JOIN, body=Approval,
       response=OBJECT, summary="Approve: the applicant becomes a leader and gets an account set-up link")
def approve_application(call: Call):
    return call.rpc("leaders", "approve_application", call.path["application_id"],
                    confirm_over_target=call.body.confirm_over_target, actor=actor(call))


@route("POST", "/api/applications/{application_id:int}/decline", access=MANAGER, tag=JOIN, body=Decline,
       response=OBJECT, summary="Decline, with an optional reason")
def decline_application(call: Call):
    return call.rpc("leaders", "decline_application", call.path["application_id"], reason=call.body.reason,
                    actor=actor(call))


@route("POST", "/api/applications/{application_id:int}/waitlist", access=MANAGER, tag=JOIN, response=OBJECT,
       summary="Place on the waitlist")
def waitlist_application(call: Call):
    return call.rpc("leaders", "waitlist_application", call.path["application_id"], actor=actor(call))


@route("GET", "/api/roster", access=MANAGER, tag=ROSTER, query=RosterQuery, response=PAGE,
       summary="The full roster, with contact details")
def roster(call: Call):
    args = query_args(call)
    if "expertise" in args and len(args["expertise"]) == 1:
        args["expertise"] = args["expertise"][0]
    return call.rpc("leaders", "roster", **args)


@route("GET", "/api/roster.csv", access=MANAGER, tag=ROSTER, content_type="text/csv",
       summary="The roster as CSV")
def roster_csv(call: Call):
    result = call.rpc("leaders", "export_roster_csv")
    text = result if isinstance(result, str) else result.get("csv", "")
    return Reply(text, content_type="text/csv", headers={"Content-Disposition": 'attachment; filename="roster.csv"'})


@route("POST", "/api/roster/import", access=MANAGER, tag=ROSTER, body=RosterCsv, response=OBJECT,
       summary="Import leaders from CSV; every rejected row is reported with why")
def import_roster(call: Call):
    return call.rpc("leaders", "import_roster_csv", call.body.csv, dry_run=call.body.dry_run)


@route("GET", "/api/settings", access=MANAGER, tag=ROSTER, response=OBJECT,
       summary="Program settings (region grouping, roster target)")
def program_settings(call: Call):
    return call.rpc("leaders", "program_settings")


@route("PUT", "/api/settings/region-grouping", access=MANAGER, tag=ROSTER, body=Grouping, response=OBJECT,
       summary="Switch the region grouping (every leader's region is derived again)")
def set_region_grouping(call: Call):
    return call.rpc("leaders", "set_region_grouping", call.body.grouping)


@route("PUT", "/api/settings/roster-target", access=MANAGER, tag=ROSTER, body=Target, response=OBJECT,
       summary="Set the roster's target size")
def set_roster_target(call: Call):
    return call.rpc("leaders", "set_roster_target", call.body.target)


@route("PUT", "/api/regions/{region:str}/target", access=MANAGER, tag=ROSTER, body=RegionTarget, response=OBJECT,
       summary="Set a region's coverage target (active leaders)")
def set_coverage_target(call: Call):
    return call.rpc("leaders", "set_coverage_target", call.path["region"], call.body.target,
                    grouping=call.body.grouping)


@route("PUT", "/api/leaders/{leader_id:int}/status", access=MANAGER, tag=PROFILE, body=StatusChange,
       response=OBJECT, summary="Set a leader active, inactive or alumni")
def set_leader_status(call: Call):
    return call.rpc("leaders", "set_status", call.path["leader_id"], call.body.status)


# --- a leader's own profile (or any, for managers) -------------------------------------

@route("GET", "/api/leaders/{leader_id:int}", access=LEADER, owner=leader_id_from_path, tag=PROFILE,
       response=OBJECT, summary="A leader's full profile, contact details included")
def get_leader(call: Call):
    return call.rpc("leaders", "get_leader", call.path["leader_id"])


@route("PATCH", "/api/leaders/{leader_id:int}", access=LEADER, owner=leader_id_from_path, tag=PROFILE,
       body=JsonObject, response=OBJECT, summary="Change profile fields",
       description="Fields: name, agency, title, email, phone, state, postal_code (the ZIP code where the leader "
                   "works, for near-me searches), expertise, bio, max_mentees. "
                   "trusted_host and status are for program managers only. A leader's own new email takes "
                   "effect once its owner opens the link mailed to it (POST /api/account/email-confirmation); "
                   "until then the answer names it as `pending_email`.")
def update_leader(call: Call):
    changes: dict[str, Any] = dict(call.body.root)
    if not call.caller.is_manager and MANAGER_ONLY_FIELDS & set(changes):
        raise forbidden("only a program manager changes " + ", ".join(sorted(MANAGER_ONLY_FIELDS & set(changes))))
    leader_id = call.path["leader_id"]
    if call.caller.is_manager or "email" not in changes:
        return call.rpc("leaders", "update_leader", leader_id, changes)
    new_email = changes.pop("email")
    if not isinstance(new_email, str):
        raise ValidationFailed("give the email address as text", field="email")
    # The other fields are checked (and kept) first, so a refusal there asks for no mail.
    leader = call.rpc("leaders", "update_leader", leader_id, changes) if changes else \
        call.rpc("leaders", "get_leader", leader_id)
    pending = accounts_api.ask_email_change(call, new_email)
    return {**leader, "pending_email": pending}


@route("PUT", "/api/leaders/{leader_id:int}/availability", access=LEADER, owner=leader_id_from_path, tag=PROFILE,
       body=Availability, response=OBJECT,
       summary="Set away until a date (pending mentorship offers are re-routed) or available")
def set_availability(call: Call):
    return call.rpc("leaders", "set_availability", call.path["leader_id"], call.body.away_until)


@route("GET", "/api/leaders/{leader_id:int}/training", access=LEADER, owner=leader_id_from_path, tag=TRAINING,
       response=OBJECT, summary="A leader's training progress")
def leader_training(call: Call):
    return call.rpc("leaders", "leader_training", call.path["leader_id"])


QuestionId = Annotated[str, StringConstraints(min_length=1, max_length=40)]
OptionKey = Annotated[str, StringConstraints(max_length=10)]


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[QuestionId, OptionKey] = Field(
        max_length=20, description="each question's id mapped to the key of the chosen option; a question left "
                                   "out counts as unanswered")


@route("POST", "/api/leaders/{leader_id:int}/training/{module:str}/answers", access=LEADER,
       owner=leader_id_from_path, tag=TRAINING, body=AnswersIn, response=rpc_leaders.CheckResult,
       summary="Answer a module's knowledge check: passing it completes the module",
       description="Answers which questions to revisit (never the right answers); a leader may try again at "
                   "once. Passing a module already completed changes nothing: the first pass time is kept.")
def submit_training_answers(call: Call):
    return call.rpc("leaders", "submit_training_answers", call.path["leader_id"], call.path["module"],
                    call.body.answers)
