"""RPC contracts of the leaders methods (mentorship's are in `mentorship.py`): the roster,
applications, profiles, regions and settings, distance learning and leader coverage.

Responses are what the service returns: times and dates as ISO 8601 text."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from . import Params, Response, rpc_method
from .common import Actor, AnyId, RequestKey

LeaderStatus = Literal["active", "inactive", "alumni"]
ApplicationStatus = Literal["pending", "approved", "declined", "waitlisted"]


# ---------------------------------------------------------------------------------------
# Shapes the responses share


class ExpertiseTag(Response):
    slug: str
    label: str


class PublicProfile(Response):
    """A directory entry: no contact details."""

    id: int
    name: str
    agency: str
    title: str
    state: str
    state_name: str
    region: str
    region_name: str
    expertise: list[ExpertiseTag]
    bio: str
    distance_miles: float | None = None


class LeaderRecord(Response):
    """A leader as the leader and program managers see it, contact details included."""

    id: int
    version: int
    name: str
    agency: str
    title: str
    email: str
    phone: str | None
    state: str
    state_name: str
    region: str
    region_name: str
    region_grouping: str
    expertise: list[ExpertiseTag]
    bio: str
    max_mentees: int
    availability: Literal["available", "away"]
    away_until: str | None
    trusted_host: bool
    status: LeaderStatus
    mentoring_ready: bool
    postal_code: str | None = None


class ApplicationReference(Response):
    name: str
    contact: str


class ApplicationRecord(Response):
    id: int
    name: str
    email: str
    phone: str | None
    agency: str
    title: str
    state: str
    state_name: str
    postal_code: str | None = None
    why: str
    experience: str
    reference: ApplicationReference
    status: ApplicationStatus
    submitted_at: str
    waitlisted_at: str | None
    decided_at: str | None
    decided_by: str | None
    decline_reason: str | None
    leader_id: int | None


class State(Response):
    code: str
    name: str


class RegionTargets(Response):
    id: str
    name: str
    coverage_target: int
    states: list[State]


class Regions(Response):
    grouping: str
    grouping_name: str
    current: bool
    regions: list[RegionTargets]


class SettingsAnswer(Response):
    region_grouping: str
    region_groupings: dict[str, str]
    roster_target: int
    active_leaders: int


class ModuleProgress(Response):
    slug: str
    title: str
    required_for_mentoring: bool
    completed_at: str | None


class TrainingProgress(Response):
    leader_id: int
    modules: list[ModuleProgress]
    mentoring_ready: bool
    missing_for_mentoring: list[str]


# ---------------------------------------------------------------------------------------
# Applications


class ApplicationPage(Response):
    total: int
    page: int
    limit: int
    applications: list[ApplicationRecord]


class Approval(Response):
    application: ApplicationRecord
    leader: LeaderRecord


class ApplicationReceipt(Response):
    """The same answer whether the address was new or not: `application` is the new
    record, null when the address already had an application or a place on the roster
    (its owner is mailed where they stand instead)."""

    application: ApplicationRecord | None


@rpc_method("leaders", "submit_application", response=ApplicationReceipt)
class SubmitApplication(Params):
    application: dict[str, Any]
    request_key: RequestKey = None


@rpc_method("leaders", "list_applications", response=ApplicationPage)
class ListApplications(Params):
    status: ApplicationStatus | None = None
    page: int = 1
    limit: int = 50


@rpc_method("leaders", "get_application", response=ApplicationRecord)
class GetApplication(Params):
    application_id: AnyId


@rpc_method("leaders", "approve_application", response=Approval)
class ApproveApplication(Params):
    application_id: AnyId
    confirm_over_target: bool = False
    actor: Actor | None = None


@rpc_method("leaders", "decline_application", response=ApplicationRecord)
class DeclineApplication(Params):
    application_id: AnyId
    reason: str | None = None
    actor: Actor | None = None


@rpc_method("leaders", "waitlist_application", response=ApplicationRecord)
class WaitlistApplication(Params):
    application_id: AnyId
    actor: Actor | None = None


# ---------------------------------------------------------------------------------------
# Leaders: profiles, directory, roster


class DirectoryPage(Response):
    grouping: str
    total: int
    page: int
    limit: int
    leaders: list[PublicProfile]


class RosterPage(Response):
    grouping: str
    total: int
    page: int
    limit: int
    leaders: list[LeaderRecord]


class ProblemOfField(Response):
    field: str
    message: str


class RejectedRow(Response):
    row: int
    errors: list[ProblemOfField]


class ImportReport(Response):
    total_rows: int
    accepted: int
    rejected: list[RejectedRow]
    accepted_rows: list[int]
    leader_ids: list[int]


@rpc_method("leaders", "get_leader", response=LeaderRecord)
class GetLeader(Params):
    leader_id: AnyId


@rpc_method("leaders", "find_leader_by_email", response=LeaderRecord | None)
class FindLeaderByEmail(Params):
    email: str


@rpc_method("leaders", "public_leader", response=PublicProfile)
class PublicLeader(Params):
    leader_id: AnyId


@rpc_method("leaders", "update_leader", response=LeaderRecord)
class UpdateLeader(Params):
    leader_id: AnyId
    changes: dict[str, Any]


@rpc_method("leaders", "set_availability", response=LeaderRecord)
class SetAvailability(Params):
    leader_id: AnyId
    away_until: date | str | None = None


@rpc_method("leaders", "set_status", response=LeaderRecord)
class SetStatus(Params):
    leader_id: AnyId
    status: str


@rpc_method("leaders", "directory", response=DirectoryPage)
class Directory(Params):
    region: str | None = None
    state: str | None = None
    expertise: str | list[str] | None = None
    grouping: str | None = None
    page: int = 1
    limit: int = 50
    near_latitude: float | None = None
    near_longitude: float | None = None
    radius_miles: float = 50


@rpc_method("leaders", "roster", response=RosterPage)
class Roster(Params):
    status: LeaderStatus | None = None
    region: str | None = None
    state: str | None = None
    expertise: str | list[str] | None = None
    grouping: str | None = None
    page: int = 1
    limit: int = 50
    name: str | None = None  # part of the leader's name


@rpc_method("leaders", "expertise_tags", response=list[ExpertiseTag])
class ExpertiseTags(Params):
    pass


@rpc_method("leaders", "import_roster_csv", response=ImportReport)
class ImportRosterCsv(Params):
    csv_text: str
    dry_run: bool = False  # report what would be imported and why rows are refused; store nothing


@rpc_method("leaders", "export_roster_csv", response=str)
class ExportRosterCsv(Params):
    pass


# ---------------------------------------------------------------------------------------
# Regions, program settings and leader coverage


class RegionGroupingChange(Response):
    region_grouping: str
    republished: int


class StateCoverage(Response):
    code: str
    name: str
    active_leaders: int
    leaders_with_capacity: int
    free_mentee_places: int


class RegionCoverage(Response):
    id: str
    name: str
    target: int
    active_leaders: int
    shortfall: int
    meets_target: bool
    leaders_with_capacity: int
    free_mentee_places: int
    states_without_leaders: list[str]
    states: list[StateCoverage]


class LeaderCoverage(Response):
    grouping: str
    as_of: str
    active_leaders: int
    roster_target: int
    leaders_with_capacity: int
    regions_below_target: list[str]
    states_without_leaders: list[str]
    regions: list[RegionCoverage]


@rpc_method("leaders", "regions", response=Regions)
class ListRegions(Params):
    grouping: str | None = None


@rpc_method("leaders", "program_settings", response=SettingsAnswer)
class GetProgramSettings(Params):
    pass


@rpc_method("leaders", "set_region_grouping", response=RegionGroupingChange)
class SetRegionGrouping(Params):
    grouping: str


@rpc_method("leaders", "set_roster_target", response=SettingsAnswer)
class SetRosterTarget(Params):
    target: int


@rpc_method("leaders", "set_coverage_target", response=Regions)
class SetCoverageTarget(Params):
    region: str
    target: int
    grouping: str | None = None


@rpc_method("leaders", "coverage_leaders", response=LeaderCoverage)
class CoverageLeaders(Params):
    grouping: str | None = None
    as_of: date | str | None = None


# ---------------------------------------------------------------------------------------
# Distance learning


class TrainingModule(Response):
    slug: str
    title: str
    description: str
    minutes: int
    required_for_mentoring: bool


class Reading(Response):
    title: str
    publisher: str
    description: str


class CheckOption(Response):
    key: str
    text: str


class CheckQuestion(Response):
    id: str
    prompt: str
    options: list[CheckOption]


class Lesson(TrainingModule):
    """A module with what it teaches and its knowledge check, without the answers."""

    objectives: list[str]
    readings: list[Reading]
    questions: list[CheckQuestion]
    pass_mark_percent: int


class CheckResult(TrainingProgress):
    """How a knowledge check went, and the leader's progress after it. `to_revisit` names
    the questions answered wrongly or not at all, never the right answers."""

    module: str
    passed: bool
    correct: int
    total: int
    pass_mark_percent: int
    to_revisit: list[str]
    unanswered: list[str]
    newly_completed: bool


class RegionTraining(Response):
    id: str
    name: str
    active_leaders: int
    all_modules: int
    mentoring_ready: int
    modules: dict[str, int]


class TrainingTotals(Response):
    active_leaders: int
    all_modules: int
    mentoring_ready: int
    modules: dict[str, int]


class RegionalTraining(Response):
    grouping: str
    modules: list[TrainingModule]
    regions: list[RegionTraining]
    totals: TrainingTotals


@rpc_method("leaders", "training_modules", response=list[TrainingModule])
class TrainingModules(Params):
    pass


@rpc_method("leaders", "training_module", response=Lesson)
class TrainingModuleContent(Params):
    module: str


@rpc_method("leaders", "leader_training", response=TrainingProgress)
class LeaderTraining(Params):
    leader_id: AnyId


@rpc_method("leaders", "submit_training_answers", response=CheckResult)
class SubmitTrainingAnswers(Params):
    leader_id: AnyId
    module: str
    answers: Any


@rpc_method("leaders", "training_progress", response=RegionalTraining)
class TrainingProgressByRegion(Params):
    grouping: str | None = None
