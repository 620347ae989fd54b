"""One JSON error shape for every failure the gateway reports, and the mapping from the
errors the services raise over RPC to HTTP statuses.

Shape: {"error": code, "message": text, "field": name-or-null, "errors": [{field, message}]}
"""
from __future__ import annotations

import json
from typing import Any

from kombu.exceptions import OperationalError as BrokerError
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService, get_module_path, registry
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc
from werkzeug.wrappers import Response

from services.runtime.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed

def _remote_twin(error_class: type[DomainError]) -> type:
    """`error_class` as it arrives over RPC: rebuilt from its args (so ValidationFailed
    keeps its field list) and still a RemoteError with `exc_type` and `value`, because the
    registration is process-wide and other RPC callers expect what nameko gives them."""

    def __init__(self, *args):
        error_class.__init__(self, *args)
        self.args = args
        self.exc_type = error_class.__name__
        self.value = self.message

    return type(error_class.__name__, (error_class, RemoteError), {"__init__": __init__,
                                                                    "__str__": error_class.__str__})


for _error_class in (DomainError, ValidationFailed, NotFound, Conflict, Forbidden):
    registry[get_module_path(_error_class)] = _remote_twin(_error_class)

# Subclasses a service defines in its own modules arrive as RemoteError naming only the
# class; these names map to statuses like their bases.
REMOTE_STATUS_BY_NAME = {
    "ValidationFailed": 422, "NotFound": 404, "Conflict": 409, "Forbidden": 403, "DomainError": 400,
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, field: str | None = None,
                 errors: list[dict] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.errors = errors or ([{"field": field, "message": message}] if field else [])
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, "field": self.field, "errors": self.errors}


def bad_request(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, "bad_request", message, field=field)


def not_found(message: str = "no such resource") -> ApiError:
    return ApiError(404, "not_found", message)


def unauthorized(message: str = "sign in or send an API token") -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="niot"'})


def forbidden(message: str = "you may not do this") -> ApiError:
    return ApiError(403, "forbidden", message)


def from_validation_error(exc: ValidationError, prefix: str = "") -> ApiError:
    """A pydantic failure on request input, naming each field."""
    errors = []
    for err in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in err["loc"]) or "(body)"
        errors.append({"field": f"{prefix}{field}" if prefix else field, "message": err["msg"]})
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return ApiError(422, "validation_failed", summary,
                    field=errors[0]["field"] if len(errors) == 1 else None, errors=errors)


def _field(value) -> str | None:
    # nameko serialises error args as text, so a missing field arrives as "None".
    return None if value in (None, "None", "") else str(value)


# What a service's database driver raises when the connection is refused or dropped,
# by the class name it crosses RPC with (SQLAlchemy's wrappers).
_DATABASE_OUTAGES = frozenset({"OperationalError", "InterfaceError", "DisconnectionError"})


def from_service_error(exc: BaseException, service: str) -> ApiError:
    """What a caller sees when an RPC to `service` failed."""
    if isinstance(exc, ValidationFailed):
        errors = [{"field": _field(e.get("field")), "message": str(e.get("message", ""))} for e in exc.errors]
        return ApiError(422, "validation_failed", exc.message, field=_field(exc.field), errors=errors)
    if isinstance(exc, DomainError):
        return ApiError(exc.status, _code(type(exc).__name__), exc.message, field=_field(exc.field))
    if isinstance(exc, UnknownService):
        return ApiError(503, "service_unavailable", f"the {service} service is not running; try again shortly")
    if isinstance(exc, BrokerError):
        # The broker refused the connection or dropped it while the call was being sent
        # (nameko's publisher gave up after its retries): the client should come back.
        return ApiError(503, "service_unavailable", f"the {service} service cannot be reached just now. Send the "
                        "request again shortly with the same Idempotency-Key header to have it done once",
                        headers={"Retry-After": "5"})
    if isinstance(exc, RpcTimeout):
        return ApiError(503, "service_unavailable", f"the {service} service did not answer in time. A request "
                        "that changes something may still be carried out: send it again with the same "
                        "Idempotency-Key header to have it done once")
    if isinstance(exc, RemoteError) and exc.exc_type in _DATABASE_OUTAGES:
        # The service lost its database connection mid-call (a restart, a failover): its
        # transaction did not commit, or, failing at the commit, may have.
        return ApiError(503, "service_unavailable", f"the {service} service lost its database for a moment. Send "
                        "the request again shortly with the same Idempotency-Key header to have it done once",
                        headers={"Retry-After": "5"})
    if isinstance(exc, RemoteError):
        status = REMOTE_STATUS_BY_NAME.get(exc.exc_type)
        if exc.exc_type == "MethodNotFound":
            return ApiError(503, "service_unavailable",
                            f"the {service} service does not offer this operation yet")
        if status is not None:
            return ApiError(status, _code(exc.exc_type), str(exc.value))
    raise exc


def _code(class_name: str) -> str:
    out = []
    for index, char in enumerate(class_name):
        if char.isupper() and index:
            out.append("_")
        out.append(char.lower())
    return "".join(out)


def error_response(error: ApiError) -> Response:
    return Response(json.dumps(error.body()), status=error.status,
                    headers={"Content-Type": "application/json", "Cache-Control": "no-store", **error.headers})


def database_unavailable(retry_after: int = 5) -> ApiError:
    """A database the gateway could not reach or lost mid-request: nothing was committed,
    and the client should try again shortly (never reported as the server being broken)."""
    return ApiError(503, "database_unavailable", "the database did not answer; nothing was changed, try again shortly",
                    headers={"Retry-After": str(retry_after)})


def is_database_outage(exc: BaseException) -> bool:
    """Whether `exc` says the database is unreachable or dropped the connection (as
    opposed to a bug or a refused statement)."""
    return isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
                            sa_exc.TimeoutError)) or bool(getattr(exc, "connection_invalidated", False))


def is_dropped_connection(exc: BaseException) -> bool:
    """Whether the connection itself was lost (worth one retry on a fresh connection)."""
    return isinstance(exc, (sa_exc.InterfaceError, sa_exc.DisconnectionError)) or \
        bool(getattr(exc, "connection_invalidated", False))


def internal_error() -> ApiError:
    return ApiError(500, "internal_error", "something went wrong on our side; it has been logged")


def internal_error_response() -> Response:
    return error_response(internal_error())
