"""Service errors map to one JSON error shape and the right status."""
from __future__ import annotations

import json

import pytest
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService, deserialize, serialize
from pydantic import BaseModel, ValidationError

from services.gateway import errors
from services.runtime.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed


def over_rpc(exc: Exception) -> Exception:
    """What the gateway receives when a service raised `exc`."""
    return deserialize(json.loads(json.dumps(serialize(exc))))


@pytest.mark.parametrize("raised, status, code", [
    (ValidationFailed([{"field": "email", "message": "bad"}, {"field": "state", "message": "unknown"}]), 422,
     "validation_failed"),
    (NotFound("no leader 3", field="leader_id"), 404, "not_found"),
    (Conflict("already decided"), 409, "conflict"),
    (Forbidden("not yours"), 403, "forbidden"),
    (DomainError("refused"), 400, "domain_error"),
])
def test_kit_errors_cross_rpc_and_map_to_statuses(raised, status, code):
    error = errors.from_service_error(over_rpc(raised), "leaders")
    assert (error.status, error.code) == (status, code)
    body = error.body()
    assert set(body) == {"error", "message", "field", "errors"}
    assert body["field"] != "None"


def test_a_broker_out_of_reach_is_a_503_to_retry_not_a_500():
    error = errors.from_service_error(OperationalError("[Errno 111] ECONNREFUSED"), "screenings")
    assert (error.status, error.code) == (503, "service_unavailable")
    assert error.headers["Retry-After"] == "5" and "Idempotency-Key" in error.message


def test_a_service_that_lost_its_database_is_a_503_to_retry_not_a_500():
    error = errors.from_service_error(RemoteError("OperationalError", "terminating connection due to "
                                                  "administrator command"), "screenings")
    assert (error.status, error.code, error.headers["Retry-After"]) == (503, "service_unavailable", "5")


def test_validation_errors_keep_every_field():
    error = errors.from_service_error(over_rpc(ValidationFailed([
        {"field": "email", "message": "bad"}, {"field": "state", "message": "unknown"}])), "leaders")
    assert [e["field"] for e in error.errors] == ["email", "state"]


def test_subclasses_defined_in_a_service_map_by_name():
    error = errors.from_service_error(RemoteError("NotFound", "no such screening"), "screenings")
    assert error.status == 404 and error.message == "no such screening"


def test_missing_service_or_timeout_is_503_and_says_which():
    for exc in (UnknownService("mailer"), RpcTimeout("mailer.x"), RemoteError("MethodNotFound", "x")):
        error = errors.from_service_error(exc, "mailer")
        assert error.status == 503 and "mailer" in error.message


def test_unexpected_remote_errors_are_not_disguised_as_client_errors():
    with pytest.raises(RemoteError):
        errors.from_service_error(RemoteError("KeyError", "'x'"), "leaders")


def test_pydantic_errors_name_the_field():
    class Body(BaseModel):
        email: str
        count: int

    with pytest.raises(ValidationError) as caught:
        Body.model_validate({"count": "x"})
    error = errors.from_validation_error(caught.value)
    assert error.status == 422 and {e["field"] for e in error.errors} == {"email", "count"}
