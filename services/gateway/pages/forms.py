"""Forms that keep what was typed: the state a form template renders (values, each
field's problem, labels) from a submitted request and a refusal, so a page comes back
with the input and the message next to the field instead of losing either."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from werkzeug.datastructures import MultiDict

from services.gateway.errors import ApiError
from services.gateway.http import Call


@dataclass
class FormState:
    values: MultiDict = field(default_factory=MultiDict)
    errors: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    message: str | None = None  # a problem that belongs to no one field
    prefix: str = ""


def empty(labels: Mapping[str, str] | None = None, values: Mapping[str, Any] | None = None,
          prefix: str = "") -> FormState:
    return FormState(MultiDict(values or {}), {}, dict(labels or {}), None, prefix)


def submitted(call: Call, labels: Mapping[str, str] | None = None, prefix: str = "") -> FormState:
    """What the person sent, as typed (the CSRF token and hidden keys left out)."""
    values = MultiDict([(k, v) for k, v in call.request.form.items(multi=True)
                        if k not in ("csrf_token", "form_key", "idempotency_key")])
    return FormState(values, {}, dict(labels or {}), None, prefix)


def refused(call: Call, exc: ApiError, labels: Mapping[str, str] | None = None,
            aliases: Mapping[str, str] | None = None, prefix: str = "") -> FormState:
    """The submitted form with the refusal's problems attached to their fields. `aliases`
    maps the services' field names (e.g. `reference.name`, `details.venue.city`) to the
    form's; a problem whose field the form does not show becomes the form's message."""
    state = submitted(call, labels, prefix)
    aliases = dict(aliases or {})
    shown = set(state.labels) | set(state.values.keys())
    loose = []
    problems = exc.errors or [{"field": exc.field, "message": exc.message}]
    for problem in problems:
        name = _form_field(problem.get("field"), aliases)
        if name and name in shown:
            state.errors.setdefault(name, problem.get("message") or "is not valid")
        else:
            loose.append(problem.get("message") or exc.message)
    if loose or not state.errors:
        state.message = "; ".join(dict.fromkeys(loose)) or exc.message
    return state


def _form_field(name: str | None, aliases: Mapping[str, str]) -> str | None:
    if not name:
        return None
    if name in aliases:
        return aliases[name]
    for prefix in ("body.", "details.", "request.", "changes.", "application."):
        if name.startswith(prefix):
            return aliases.get(name[len(prefix):], name[len(prefix):])
    return name
