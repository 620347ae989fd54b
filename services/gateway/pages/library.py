"""The resource library for everyone: the program's publications, curricula, media and
organisations, found by words, topic, kind and audience (a GET form that keeps its
values), paged; and the suggestions other pages show next to a film, a screening or a
mentorship request on a topic."""
from __future__ import annotations

from typing import Annotated, Any, Iterable

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import PUBLIC

from . import listing
from .forms import FormState
from .render import HTML, TAG, page

route = ROUTES.route
Choice = Annotated[str, StringConstraints(max_length=80)]
Words = Annotated[str, StringConstraints(max_length=200)]
LABELS = {"text": "Words", "topic": "Topic", "kind": "Kind", "audience": "Audience", "page": "Page"}
PAGE_SIZE = 10


class ResourcesPageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Words | None = None
    topic: Choice | None = None
    kind: Choice | None = None
    audience: Choice | None = None
    page: Choice | None = None


def choices(call: Call) -> dict[str, list[tuple[str, str]]]:
    vocabulary = call.rpc("screenings", "resource_vocabulary")
    return {name: [(item["slug"], item["label"]) for item in vocabulary[key]]
            for name, key in (("topic", "topics"), ("kind", "kinds"), ("audience", "audiences"))}


def found(call: Call, form: FormState, options: dict, *, manager_actor: dict | None = None,
          page_size: int = PAGE_SIZE) -> tuple[dict[str, Any], int]:
    """The page of entries the filters select (none when a filter needs another look)."""
    number = listing.page_number(form)
    if form.errors:
        return {"total": 0, "items": [], "pages": 1}, number
    query = {**listing.chosen(form, options), "page": number, "page_size": page_size}
    if form.values.get("text"):
        query["text"] = form.values["text"]
    if manager_actor is not None:
        query["include_retired"] = True
    try:
        return call.rpc("screenings", "search_resources", query, actor=manager_actor), number
    except ApiError as exc:
        if exc.status != 422:
            raise
        for problem in exc.errors or [{"field": exc.field, "message": exc.message}]:
            name = str(problem.get("field") or "")
            if name in LABELS:
                form.errors[name] = problem.get("message") or exc.message
            else:
                form.message = problem.get("message") or exc.message
        return {"total": 0, "items": [], "pages": 1}, number


def resources_form(call: Call) -> tuple[FormState, dict]:
    options = choices(call)
    return listing.checked(call, LABELS, options), options


def resources_invalid(call: Call, exc: ApiError) -> Reply:
    options = choices(call)
    form = listing.refused(call, exc, LABELS)
    return page(call, "resources.html", status=422, title="Resource library", form=form, choices=options,
                result={"total": 0, "items": []}, paging=listing.pager("/resources", form, 1, PAGE_SIZE, 0))


@route("GET", "/resources", access=PUBLIC, tag=TAG, content_type=HTML, query=ResourcesPageQuery,
       invalid=resources_invalid,
       summary="Page: the resource library, searched by words and filtered by topic, kind and audience")
def resources_page(call: Call):
    form, options = resources_form(call)
    result, number = found(call, form, options)
    return page(call, "resources.html", status=422 if form.errors else 200, title="Resource library", form=form,
                choices=options, result=result,
                paging=listing.pager("/resources", form, number, PAGE_SIZE, result.get("total", 0)))


def suggested(call: Call, *, topics: Iterable[str] | None = None, film: str | None = None) -> list[dict]:
    """Library entries for another page; that page still shows when the library cannot answer."""
    topics = [t for t in (topics or ()) if t]
    if not topics and not film:
        return []
    try:
        return call.rpc("screenings", "suggest_resources", topics=topics or None, film=film)
    except ApiError:
        return []
