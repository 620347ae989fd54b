"""What the finding pages share: filters read from the query string and checked against
their choices (a problem goes next to its field), paging links that keep the filters, the
map tiles with their counts, and the calendar subscription links."""
from __future__ import annotations

from datetime import date
from math import ceil
from typing import Any, Mapping, Sequence
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from services.gateway import state_map
from services.gateway.api import nearby
from services.gateway.errors import ApiError
from services.gateway.http import Call

from .forms import FormState

Choices = Mapping[str, Sequence[tuple[str, str]]]


def from_query(call: Call, labels: Mapping[str, str]) -> FormState:
    """The filters as typed, blanks left out."""
    values = MultiDict([(k, v.strip()) for k, v in call.request.args.items(multi=True) if v.strip()])
    return FormState(values, {}, dict(labels), None, "")


def checked(call: Call, labels: Mapping[str, str], choices: Choices) -> FormState:
    """The filters with a problem on each that is not one of its choices or not a date or page."""
    form = from_query(call, labels)
    if form.values.get("state"):
        form.values["state"] = form.values["state"].upper()
    for name, options in choices.items():
        value = form.values.get(name)
        if value and value not in {v for v, _ in options}:
            form.errors[name] = f"Choose a {labels[name].lower()} from the list"
    for name in ("from_date", "to_date"):
        if name in labels:
            date_value(form, name)
    page_number(form)
    return form


def refused(call: Call, exc: ApiError, labels: Mapping[str, str]) -> FormState:
    """The filters as typed with the refusal's problems next to their fields."""
    form = from_query(call, labels)
    for problem in exc.errors or [{"field": exc.field, "message": exc.message}]:
        name = str(problem.get("field") or "").removeprefix("query.")
        if name in labels:
            form.errors.setdefault(name, "This is too long to be one of the choices")
        else:
            form.message = problem.get("message") or exc.message
    if not form.errors and not form.message:
        form.message = exc.message
    return form


def near(form: FormState) -> tuple[Any, dict[str, Any]]:
    """The place typed in `near` and the search arguments around it; a problem on the field if unknown."""
    radius = form.values.get("radius") or nearby.DEFAULT_RADIUS
    try:
        return nearby.around(form.values.get("near"), float(radius) if str(radius).isdigit() else None)
    except ApiError as exc:
        form.errors["near"] = exc.message
        return None, {}


def chosen(form: FormState, choices: Choices) -> dict[str, str]:
    return {name: form.values[name] for name in choices if form.values.get(name)}


def page_number(form: FormState) -> int:
    text = form.values.get("page") or "1"
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        form.errors["page"] = "A page is a whole number from 1"
        return 1
    return int(text)


def date_value(form: FormState, name: str) -> date | None:
    text = form.values.get(name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        form.errors[name] = "Give a date as year-month-day, e.g. 2026-12-01"
        return None


def pager(path: str, form: FormState, number: int, size: int, total: int) -> dict[str, Any]:
    """'Page 2 of 5' with links to the pages before and after that keep the filters."""
    pages = max(1, ceil(total / size))
    kept = [(k, v) for k, v in form.values.items(multi=True) if k != "page"]

    def href(n: int) -> str:
        return path + "?" + urlencode(kept + [("page", str(n))])

    return {"page": number, "pages": pages, "previous": href(number - 1) if number > 1 else None,
            "next": href(number + 1) if number < pages else None}


def filtered_href(path: str, **values: str) -> str:
    return path + "?" + urlencode(values)


def _level(count: int) -> str:
    return "none" if count <= 0 else "low" if count < 3 else "some" if count < 10 else "many"


def state_tiles(names: Mapping[str, str], counts: Mapping[str, int], path: str, noun: str) -> list[dict[str, Any]]:
    """A tile for each state on the map: its count of `noun`s, and a link that filters the page by it."""
    known = [code for code in names if code in state_map.TILES]
    return state_map.tiles({"code": code, "name": names[code], "level": _level(counts.get(code, 0)),
                            "label": plural_words(counts.get(code, 0), noun),
                            "href": filtered_href(path, state=code)} for code in known)


def plural_words(count: int, noun: str) -> str:
    return f"{count} {noun if count == 1 else noun + 's'}"


MAP_LEGEND = (("none", "none"), ("low", "1 or 2"), ("some", "3 to 9"), ("many", "10 or more"))


def webcal(call: Call, path: str) -> str:
    """A one-click subscription: the feed's address with the webcal scheme."""
    host = call.request.host_url.split("://", 1)[-1].rstrip("/")
    return f"webcal://{host}{path}"


def feeds(call: Call, regions: list[dict[str, Any]]) -> dict[str, Any]:
    """The national feed and each region's, to subscribe to or download."""
    national = "/feeds/screenings.ics"
    return {"national": {"href": national, "webcal": webcal(call, national)},
            "regions": [{"name": r["name"], "href": f"/feeds/regions/{r['id']}/screenings.ics",
                         "webcal": webcal(call, f"/feeds/regions/{r['id']}/screenings.ics")} for r in regions]}
