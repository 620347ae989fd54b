"""The program manager's resource library: every entry, retired ones marked, with the same
search and filters as the public page; adding and editing an entry (a form that keeps what
was typed and names each problem), retiring one from public view and reinstating it."""
from __future__ import annotations

from services.gateway.api.common import actor
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import MANAGER

from . import forms, listing
from .library import LABELS as SEARCH_LABELS, ResourcesPageQuery, choices, found
from .manager_refusals import form_again
from .render import HTML, TAG, notice, page, see_other

route = ROUTES.route
PAGE_SIZE = 20
LABELS = {"title": "Title", "publisher": "Publisher", "kind": "Kind", "series": "Series", "description": "Description",
          "topics": "Topics", "audiences": "Audiences", "url": "Web address"}
ADDED = notice("resource-added", "success", "The resource is added to the library; the public search shows it now.")
SAVED = notice("resource-saved", "success", "The resource is saved.")
RETIRED = notice("resource-retired", "success",
                 "The resource is retired: it no longer shows in the public library or in suggestions.")
REINSTATED = notice("resource-reinstated", "success", "The resource is back in the public library.")


@route("GET", "/manage/resources", access=MANAGER, tag=TAG, content_type=HTML, query=ResourcesPageQuery,
       summary="Page: the resource library as managers keep it, retired entries included")
def manage_resources_page(call: Call):
    options = choices(call)
    form = listing.checked(call, SEARCH_LABELS, options)
    result, number = found(call, form, options, manager_actor=actor(call), page_size=PAGE_SIZE)
    return page(call, "manage_resources.html", status=422 if form.errors else 200, title="Resource library",
                form=form, choices=options, result=result,
                paging=listing.pager("/manage/resources", form, number, PAGE_SIZE, result.get("total", 0)))


def _submitted(call: Call) -> dict:
    form = call.request.form
    text = {name: (form.get(name) or "").strip() for name in ("title", "publisher", "kind", "series", "description",
                                                               "url")}
    return {**{k: v or None for k, v in text.items()}, "topics": form.getlist("topics"),
            "audiences": form.getlist("audiences")}


def resource_form(call: Call, form: forms.FormState, *, resource: dict | None = None, status: int = 200) -> Reply:
    title = f"Edit “{resource['title']}”" if resource else "Add a resource"
    return page(call, "manage_resource_form.html", status=status, title=title, form=form, resource=resource,
                choices=choices(call), action=f"/manage/resources/{resource['id']}" if resource
                else "/manage/resources/new")


@route("GET", "/manage/resources/new", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: add a resource to the library")
def new_resource_page(call: Call):
    return resource_form(call, forms.empty(LABELS))


@route("POST", "/manage/resources/new", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: add a resource (POST /api/resources does the same as JSON)")
def new_resource_submit(call: Call):
    try:
        call.rpc("screenings", "add_resource", actor(call), _submitted(call), request_key=call.request_key())
    except ApiError as exc:
        if exc.status == 422:
            return resource_form(call, forms.refused(call, exc, LABELS, _ALIASES), status=422)
        raise
    return see_other("/manage/resources", ADDED)


_ALIASES = {"resource": "title", "changes": "title"}


def _values(resource: dict) -> forms.FormState:
    state = forms.empty(LABELS, {k: resource.get(k) or "" for k in ("title", "publisher", "kind", "series",
                                                                     "description", "url")})
    for topic in resource["topics"]:
        state.values.add("topics", topic["slug"])
    for audience in resource["audiences"]:
        state.values.add("audiences", audience["slug"])
    return state


@route("GET", "/manage/resources/{resource_id:int}", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: edit, retire or reinstate one resource")
def edit_resource_page(call: Call):
    resource = call.rpc("screenings", "get_resource", call.path["resource_id"], actor=actor(call))
    return resource_form(call, _values(resource), resource=resource)


@form_again("Resource not saved")
def _edit_invalid(call: Call, exc: ApiError) -> Reply:
    resource = call.rpc("screenings", "get_resource", call.path["resource_id"], actor=actor(call))
    return resource_form(call, forms.refused(call, exc, LABELS, _ALIASES), resource=resource, status=422)


@route("POST", "/manage/resources/{resource_id:int}", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: save a resource's changes (PATCH /api/resources/{id} does the same as JSON)")
def edit_resource_submit(call: Call):
    try:
        call.rpc("screenings", "edit_resource", actor(call), call.path["resource_id"], _submitted(call))
    except ApiError as exc:
        if exc.status == 422:
            return _edit_invalid(call, exc)
        raise
    return see_other(f"/manage/resources/{call.path['resource_id']}", SAVED)


@route("POST", "/manage/resources/{resource_id:int}/retire", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: retire a resource from public view")
def retire_resource_submit(call: Call):
    call.rpc("screenings", "retire_resource", actor(call), call.path["resource_id"])
    return see_other("/manage/resources", RETIRED)


@route("POST", "/manage/resources/{resource_id:int}/reinstate", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: bring a retired resource back into public view")
def reinstate_resource_submit(call: Call):
    call.rpc("screenings", "reinstate_resource", actor(call), call.path["resource_id"])
    return see_other("/manage/resources", REINSTATED)
