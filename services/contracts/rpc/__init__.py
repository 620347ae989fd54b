"""RPC contracts: for every method a service offers, its parameters and its response.

Each service's module here declares its methods with `@rpc_method(service, name,
response=...)` on a parameters model whose fields are the method's parameters in call
order. Importing `services.contracts.rpc` loads them all. The contracts are checked on
both sides:

- callers bind their arguments with `bind()` before sending (an unknown method or a
  parameter the method does not take is a programming error, raised at once);
- services declare their entrypoints with `services.runtime.rpc.rpc`, which refuses to
  start a method that has no contract and, when checking is on (`RPC.check_responses`
  in config; on in the tests), validates every response against it;
- tests check that each service's methods and their signatures match their contracts and
  that every call site in the code names a method and parameters it has.

Parameter types describe what callers send; the services still validate the values
themselves (naming the field at fault), so parameter models stay lenient where a value
is the service's to judge (a JSON object of details, an id as the caller got it).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError


class Params(BaseModel):
    """Base of every parameters model: unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class Response(BaseModel):
    """Base of response models: a field the contract does not name is an error, so a
    renamed or misspelt field cannot slip past."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class RpcMethod:
    service: str
    name: str
    params: type[Params]
    response: Any  # anything a pydantic TypeAdapter takes: a model, list[...], str, None

    @property
    def signature(self) -> inspect.Signature:
        return _signature(self.params)

    def response_adapter(self) -> TypeAdapter:
        return _adapter(self.service, self.name)


RPC_METHODS: dict[tuple[str, str], RpcMethod] = {}
_ADAPTERS: dict[tuple[str, str], TypeAdapter] = {}
_SIGNATURES: dict[type, inspect.Signature] = {}


class UnknownMethod(LookupError):
    pass


class ContractViolation(TypeError):
    """A call or a response that does not match its contract: a bug in the caller or the
    service, never the user's input."""


def rpc_method(service: str, name: str, *, response: Any):
    """Register the decorated parameters model as the contract of `service.name`."""

    def register(params: type[Params]) -> type[Params]:
        key = (service, name)
        if key in RPC_METHODS:
            raise ValueError(f"RPC method {service}.{name} registered twice")
        RPC_METHODS[key] = RpcMethod(service, name, params, response)
        return params

    return register


def method(service: str, name: str) -> RpcMethod:
    try:
        return RPC_METHODS[(service, name)]
    except KeyError:
        raise UnknownMethod(f"{service} offers no RPC method {name!r}") from None


def methods_of(service: str) -> list[RpcMethod]:
    return [spec for (owner, _), spec in RPC_METHODS.items() if owner == service]


def _signature(params: type[Params]) -> inspect.Signature:
    signature = _SIGNATURES.get(params)
    if signature is None:
        parameters = [
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              default=inspect.Parameter.empty if field.is_required() else field.default)
            for name, field in params.model_fields.items()
        ]
        signature = _SIGNATURES[params] = inspect.Signature(parameters)
    return signature


def bind(service: str, name: str, args: tuple = (), kwargs: dict | None = None, *,
         check_types: bool = False) -> dict[str, Any]:
    """The arguments of a call as {parameter: value}; raises ContractViolation when the
    method does not take them (and, with `check_types`, when a value has the wrong type)."""
    spec = method(service, name)
    try:
        bound = spec.signature.bind(*args, **(kwargs or {}))
    except TypeError as exc:
        raise ContractViolation(f"{service}.{name}: {exc}") from None
    if check_types:
        try:
            spec.params.model_validate(dict(bound.arguments))
        except ValidationError as exc:
            raise ContractViolation(f"{service}.{name} called with {_describe(exc)}") from None
    return dict(bound.arguments)


def _adapter(service: str, name: str) -> TypeAdapter:
    adapter = _ADAPTERS.get((service, name))
    if adapter is None:
        adapter = _ADAPTERS[(service, name)] = TypeAdapter(method(service, name).response)
    return adapter


def check_response(service: str, name: str, value: Any) -> None:
    """Raise ContractViolation when `value` (as it will travel, JSON-like) does not match
    the method's response contract."""
    try:
        _adapter(service, name).validate_python(value, strict=False)
    except ValidationError as exc:
        raise ContractViolation(f"{service}.{name} answered with {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
                     for err in exc.errors(include_url=False)[:10])


class Health(Params):
    pass


class HealthReport(Response):
    service: str
    ok: bool


# Every service with RPC answers `health` once its database does (runtime.health).
for _service in ("leaders", "screenings", "mailer"):
    rpc_method(_service, "health", response=HealthReport)(Health)

# The services' contracts register themselves on import.
from . import (  # noqa: E402,F401
    calendar_replies, leaders, library, mailer, materials, mentorship, partners, screenings, urgent,
)

__all__ = ["RPC_METHODS", "ContractViolation", "Params", "Response", "RpcMethod", "UnknownMethod", "bind",
           "check_response", "method", "methods_of", "rpc_method"]
