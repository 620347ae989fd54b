"""Errors raised by domain rules and services.

Plain Python (no framework imports) so domain modules can raise them. Their `args` are
exactly what rebuilds them (`type(exc)(*exc.args)`), so an error raised in a service
arrives at the gateway over RPC with its field details intact; the gateway maps the
class to an HTTP status.
"""
from __future__ import annotations


class DomainError(Exception):
    """A request that the rules refuse; the message is safe to show to the user."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        # No None in args: nameko stringifies every arg it sends, so None would arrive as "None".
        super().__init__(*((message,) if field is None else (message, field)))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        out = {"error": type(self).__name__, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


class ValidationFailed(DomainError):
    """Input that does not validate; `errors` lists each problem with its field."""

    status = 422

    def __init__(self, errors: list[dict] | str, field: str | None = None):
        if isinstance(errors, str):
            errors = [{"field": field, "message": errors}]
        self.errors = errors
        summary = "; ".join(
            f"{e['field']}: {e['message']}" if e.get("field") else e["message"] for e in errors
        )
        super().__init__(summary, field=errors[0].get("field") if len(errors) == 1 else None)
        self.args = (errors,)

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["errors"] = self.errors
        return out


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The request is valid but clashes with the current state (already decided, full...)."""

    status = 409


class Forbidden(DomainError):
    status = 403
