"""The program manager's roster: leaders searched by name and filtered by status and
region, paged; a leader's status; each region's target; the CSV export; and the CSV
import, checked first (a preview with every refused row's problems), then confirmed."""
from __future__ import annotations

import csv
import io
import math
from typing import Annotated, Literal
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.gateway.api.common import Page
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import MANAGER

from . import forms
from .manager_refusals import form_again
from .render import HTML, TAG, notice, page, see_other

route = ROUTES.route
PAGE_SIZE = 25
STATUSES = (("active", "Active"), ("inactive", "Inactive"), ("alumni", "Alumni"))
STATUS_CHANGED = notice("leader-status-changed", "success", "The leader's status is changed.")
TARGET_SET = notice("region-target-set", "success", "The region's target is saved; coverage counts against it now.")
IMPORTED = notice("roster-imported", "success", "The good rows are imported: those leaders are on the roster now.")
IMPORT_LABELS = {"csv": "The roster as CSV"}


class RosterPageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    status: Literal["active", "inactive", "alumni", ""] | None = None
    region: Annotated[str, StringConstraints(max_length=60)] | None = None
    page: Page = 1


def roster_page(call: Call, target_form: forms.FormState | None = None, status: int = 200) -> Reply:
    query = call.query if isinstance(call.query, RosterPageQuery) else RosterPageQuery()
    filters = {key: value for key, value in (("name", query.name), ("status", query.status),
                                             ("region", query.region)) if value}
    found = call.rpc("leaders", "roster", **filters, page=query.page, limit=PAGE_SIZE)
    regions = call.rpc("leaders", "regions")["regions"]
    return page(call, "manage_roster.html", status=status, title="Roster", found=found, regions=regions,
                filters=forms.empty({"name": "Name", "status": "Status", "region": "Region"}, filters),
                statuses=STATUSES, page_number=query.page, pages=max(1, math.ceil(found["total"] / PAGE_SIZE)),
                params=("&" + urlencode(filters)) if filters else "", target_form=target_form or forms.empty())


@route("GET", "/manage/roster", access=MANAGER, tag=TAG, content_type=HTML, query=RosterPageQuery,
       summary="Page: the roster, searched by name and filtered by status and region, with region targets")
def roster_list_page(call: Call):
    return roster_page(call)


class StatusForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["active", "inactive", "alumni"]


@route("POST", "/manage/roster/{leader_id:int}/status", access=MANAGER, tag=TAG, content_type=HTML,
       body=StatusForm, form=True, summary="Page: set a leader active, inactive or alumni")
def status_submit(call: Call):
    changed = call.rpc("leaders", "set_status", call.path["leader_id"], call.body.status)
    return see_other("/manage/roster?" + urlencode({"name": changed["name"]}), STATUS_CHANGED)


class TargetForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: int = Field(ge=0, le=10_000)


@form_again("Target not saved")
def target_invalid(call: Call, exc: ApiError) -> Reply:
    region = call.path["region"]
    state = forms.submitted(call)
    state.prefix = f"target-{region}-"
    state.errors["target"] = "Give a whole number of leaders, 0 or more."
    state.values.add("region", region)
    return roster_page(call, target_form=state, status=422)


@route("POST", "/manage/roster/regions/{region:str}/target", access=MANAGER, tag=TAG, content_type=HTML,
       body=TargetForm, form=True, invalid=target_invalid, summary="Page: set a region's target of active leaders")
def target_submit(call: Call):
    call.rpc("leaders", "set_coverage_target", call.path["region"], call.body.target)
    return see_other("/manage/roster#targets", TARGET_SET)


# --- import: preview, then confirm -----------------------------------------------------------

class ImportForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    csv: Annotated[str, StringConstraints(max_length=250_000)] = ""


def rows_of(text: str) -> dict[int, dict[str, str]]:
    """Each data row by its spreadsheet row number (the header is row 1), to show who a row is."""
    try:
        reader = csv.DictReader(io.StringIO(text))
        return {number: {key.strip().lower(): value for key, value in row.items()
                         if isinstance(key, str) and isinstance(value, str)}
                for number, row in enumerate(reader, start=2)}
    except csv.Error:
        return {}


def import_page(call: Call, form: forms.FormState, report: dict | None = None, status: int = 200) -> Reply:
    rows = rows_of(form.values.get("csv", "")) if report else {}
    return page(call, "manage_import.html", status=status, title="Import leaders from CSV", form=form,
                report=report, rows=rows)


def import_invalid(call: Call, exc: ApiError) -> Reply:
    state = forms.refused(call, exc, IMPORT_LABELS, {"file": "csv", "columns": "csv", "csv_text": "csv"})
    return import_page(call, state, status=422)


@route("GET", "/manage/roster/import", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: import leaders from CSV (checked first, with a preview)")
def import_form(call: Call):
    return import_page(call, forms.empty(IMPORT_LABELS))


@route("POST", "/manage/roster/import/preview", access=MANAGER, tag=TAG, content_type=HTML, body=ImportForm,
       form=True, invalid=import_invalid, summary="Page: check a roster CSV: the rows it would import and each problem")
def import_preview(call: Call):
    report = call.rpc("leaders", "import_roster_csv", call.body.csv, dry_run=True)
    return import_page(call, forms.submitted(call, IMPORT_LABELS), report=report)


@route("POST", "/manage/roster/import", access=MANAGER, tag=TAG, content_type=HTML, body=ImportForm, form=True,
       invalid=import_invalid, summary="Page: import the good rows of a roster CSV")
def import_submit(call: Call):
    call.rpc("leaders", "import_roster_csv", call.body.csv)
    return see_other("/manage/roster", IMPORTED)
