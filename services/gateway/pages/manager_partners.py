"""The program manager's partners: every record region by region (its states under the
current grouping), filtered by region, kind and words; adding one and editing one (a form
that keeps what was typed and names each problem); records that names on screenings or
reports created are marked as to be completed."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.gateway.api.common import actor
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import MANAGER

from . import forms, listing
from .manager_refusals import form_again
from .render import HTML, TAG, notice, page, see_other

route = ROUTES.route
PAGE_SIZE = 100
Choice = Annotated[str, StringConstraints(max_length=80)]
LABELS = {"name": "Name", "kind": "Kind", "city": "City", "state": "State", "postal_code": "ZIP code",
          "website": "Web address", "contact_role": "Contact's role"}
SEARCH_LABELS = {"region": "Region", "kind": "Kind", "text": "Words in the name", "page": "Page"}
FIELDS = tuple(LABELS)
ADDED = notice("partner-added", "success", "The partner is added; leaders can name it on their screenings now.")
SAVED = notice("partner-saved", "success", "The partner is saved.")


class PartnersPageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: Choice | None = None
    kind: Choice | None = None
    text: Annotated[str, StringConstraints(max_length=200)] | None = None
    page: Choice | None = None


class PartnerForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(max_length=300)] = ""
    kind: Choice = ""
    city: Annotated[str, StringConstraints(max_length=200)] = ""
    state: Choice = ""
    postal_code: Choice = ""
    website: Annotated[str, StringConstraints(max_length=2100)] = ""
    contact_role: Annotated[str, StringConstraints(max_length=200)] = ""


def _regions(call: Call) -> list[dict]:
    return call.rpc("leaders", "regions")["regions"]


def _choices(call: Call, regions: list[dict]) -> dict[str, list[tuple[str, str]]]:
    kinds = call.rpc("screenings", "partner_vocabulary")["kinds"]
    states = sorted({(s["code"], f"{s['name']} ({s['code']})") for r in regions for s in r["states"]},
                    key=lambda s: s[1])
    return {"region": [(r["id"], r["name"]) for r in regions], "kind": [(k["slug"], k["label"]) for k in kinds],
            "state": states}


def by_region(items: list[dict], regions: list[dict]) -> list[dict[str, Any]]:
    """The partners under the region their state is in, regions in the grouping's order."""
    region_of = {s["code"]: r["id"] for r in regions for s in r["states"]}
    groups = [{"id": r["id"], "name": r["name"], "partners": []} for r in regions]
    index = {g["id"]: g for g in groups}
    elsewhere = {"id": "", "name": "Outside every region", "partners": []}
    for item in items:
        index.get(region_of.get(item["state"], ""), elsewhere)["partners"].append(item)
    return [g for g in [*groups, elsewhere] if g["partners"]]


@route("GET", "/manage/partners", access=MANAGER, tag=TAG, content_type=HTML, query=PartnersPageQuery,
       summary="Page: partners region by region, with filters")
def manage_partners_page(call: Call):
    regions = _regions(call)
    options = _choices(call, regions)
    form = listing.checked(call, SEARCH_LABELS, {k: options[k] for k in ("region", "kind")})
    number = listing.page_number(form)
    result: dict[str, Any] = {"total": 0, "items": []}
    if not form.errors:
        query: dict[str, Any] = {"page": number, "page_size": PAGE_SIZE}
        if form.values.get("region"):
            query["states"] = [s["code"] for r in regions if r["id"] == form.values["region"] for s in r["states"]]
        for name in ("kind", "text"):
            if form.values.get(name):
                query[name] = form.values[name]
        result = call.rpc("screenings", "search_partners", query)
    return page(call, "manage_partners.html", status=422 if form.errors else 200, title="Partners", form=form,
                choices=options, result=result, groups=by_region(result["items"], regions),
                paging=listing.pager("/manage/partners", form, number, PAGE_SIZE, result.get("total", 0)))


def partner_form(call: Call, form: forms.FormState, *, partner: dict | None = None, status: int = 200) -> Reply:
    title = f"Edit “{partner['name']}”" if partner else "Add a partner"
    return page(call, "manage_partner_form.html", status=status, title=title, form=form, partner=partner,
                choices=_choices(call, _regions(call)),
                action=f"/manage/partners/{partner['id']}" if partner else "/manage/partners/new")


def _submitted(body: PartnerForm) -> dict:
    return {name: (getattr(body, name) or "").strip() or None for name in FIELDS}


_ALIASES = {"partner": "name", "changes": "name"}


@route("GET", "/manage/partners/new", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: add a partner")
def new_partner_page(call: Call):
    return partner_form(call, forms.empty(LABELS))


@form_again("Partner not added")
def _new_invalid(call: Call, exc: ApiError) -> Reply:
    return partner_form(call, forms.refused(call, exc, LABELS, _ALIASES), status=422)


@route("POST", "/manage/partners/new", access=MANAGER, tag=TAG, content_type=HTML, body=PartnerForm, form=True,
       invalid=_new_invalid, idempotent=True,
       summary="Page: add a partner (POST /api/partners does the same as JSON)")
def new_partner_submit(call: Call):
    try:
        call.rpc("screenings", "add_partner", actor(call), _submitted(call.body), request_key=call.request_key())
    except ApiError as exc:
        if exc.status in (409, 422):
            return _new_invalid(call, exc)
        raise
    return see_other("/manage/partners", ADDED)


def _values(partner: dict) -> forms.FormState:
    return forms.empty(LABELS, {k: partner.get(k) or "" for k in FIELDS})


@route("GET", "/manage/partners/{partner_id:int}", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: edit one partner")
def edit_partner_page(call: Call):
    partner = call.rpc("screenings", "get_partner", call.path["partner_id"])
    return partner_form(call, _values(partner), partner=partner)


@form_again("Partner not saved")
def _edit_invalid(call: Call, exc: ApiError) -> Reply:
    partner = call.rpc("screenings", "get_partner", call.path["partner_id"])
    return partner_form(call, forms.refused(call, exc, LABELS, _ALIASES), partner=partner, status=422)


@route("POST", "/manage/partners/{partner_id:int}", access=MANAGER, tag=TAG, content_type=HTML, body=PartnerForm,
       form=True, invalid=_edit_invalid,
       summary="Page: save a partner's changes (PATCH /api/partners/{id} does the same as JSON)")
def edit_partner_submit(call: Call):
    try:
        call.rpc("screenings", "edit_partner", actor(call), call.path["partner_id"], _submitted(call.body))
    except ApiError as exc:
        if exc.status in (409, 422):
            return _edit_invalid(call, exc)
        raise
    return see_other(f"/manage/partners/{call.path['partner_id']}", SAVED)
