"""The checked RPC edge (services/contracts/rpc): every method a service offers has a
contract with its exact signature, every contract has its method, every place in the code
that calls a service names a method and parameters it takes, and a response with a
misspelt field is refused. (The services refuse to start, and the gateway to send, when a
contract is broken; these say so without a broker.)"""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from services.contracts import rpc as contracts
from services.leaders.service import LeadersService
from services.mailer.service import MailerService
from services.runtime.rpc import CheckedRpc
from services.screenings.service import ScreeningsService

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"leaders": LeadersService, "screenings": ScreeningsService, "mailer": MailerService}
# Every module that calls a service: the gateway, and the operator program's demo data.
CALLERS = [*sorted((ROOT / "services" / "gateway").rglob("*.py")), *sorted((ROOT / "services" / "ops").rglob("*.py"))]


def entrypoints(service_class) -> dict[str, object]:
    found = {}
    for name in dir(service_class):
        for entrypoint in getattr(getattr(service_class, name, None), "nameko_entrypoints", ()):
            if type(entrypoint).__name__ in ("Rpc", "CheckedRpc"):
                found[name] = entrypoint
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_method_is_checked_against_a_contract_with_its_signature(service):
    service_class = SERVICES[service]
    offered = entrypoints(service_class)
    declared = {spec.name: spec for spec in contracts.methods_of(service)}
    assert set(offered) == set(declared), "methods without a contract, or contracts without a method"
    for name, entrypoint in offered.items():
        assert isinstance(entrypoint, CheckedRpc), f"{service}.{name} is not checked"
        parameters = list(inspect.signature(getattr(service_class, name)).parameters.values())[1:]
        assert [(p.name, p.default) for p in parameters] == [
            (p.name, p.default) for p in declared[name].signature.parameters.values()], f"{service}.{name}"


def _constant(node):
    return node.value if isinstance(node, ast.Constant) else None


def call_sites():
    """(where, service, method, positional nodes, keyword names) of every call written as
    call.rpc("service", "method", ...), a ("service", "method", (args), {kwargs}) tuple for
    call.rpc_many, or <client>.service.method(...)."""
    for path in CALLERS:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                args = node.args
                if node.func.attr == "rpc" and len(args) >= 2 and _constant(args[0]) in SERVICES:
                    yield where, args[0].value, _constant(args[1]), args[2:], [k.arg for k in node.keywords]
                owner = node.func.value
                if isinstance(owner, ast.Attribute) and owner.attr in SERVICES:
                    yield where, owner.attr, node.func.attr, args, [k.arg for k in node.keywords]
            if isinstance(node, ast.Tuple) and len(node.elts) == 4 and _constant(node.elts[0]) in SERVICES \
                    and isinstance(node.elts[2], ast.Tuple) and isinstance(node.elts[3], ast.Dict):
                yield (where, node.elts[0].value, _constant(node.elts[1]), node.elts[2].elts,
                       [_constant(k) for k in node.elts[3].keys])


# Calls whose method is a variable (a helper such as `by_link(call, "confirm_request")`)
# are bound when they run: Call.rpc binds every call against its contract before sending.
SITES = [site for site in call_sites() if isinstance(site[2], str)]


def test_the_code_calls_every_service():
    assert {service for _, service, *_ in SITES} == set(SERVICES)
    assert len(SITES) > 80


@pytest.mark.parametrize("where, service, method, positional, keywords", SITES, ids=[s[0] for s in SITES])
def test_every_call_site_names_a_method_and_parameters_it_takes(where, service, method, positional, keywords):
    unpacked = any(isinstance(a, ast.Starred) for a in positional) or None in keywords
    positional = [a for a in positional if not isinstance(a, ast.Starred)]
    keywords = [k for k in keywords if k is not None]
    try:
        contracts.bind(service, method, tuple(positional), {k: None for k in keywords})
    except contracts.UnknownMethod as exc:
        pytest.fail(f"{where}: {exc}")
    except contracts.ContractViolation as exc:
        if not unpacked:  # with *args or **kwargs, what is missing here is bound when it runs
            pytest.fail(f"{where}: {exc}")


def test_the_acting_person_travels_in_one_shape():
    manager = {"role": "manager", "account_id": 7}
    for service, method, others in [("leaders", "approve_application", {"application_id": 4}),
                                    ("leaders", "assign", {"request_id": 4, "leader_id": 5}),
                                    ("screenings", "approve_screening", {"screening_id": "s"})]:
        bound = contracts.bind(service, method, (), {"actor": manager, **others}, check_types=True)
        assert bound["actor"] == manager


def test_a_misspelt_field_in_a_response_is_refused():
    place = {"rsvp_id": "r", "screening_id": "s", "status": "waitlisted", "created": True,
             "waitlist_position": 1, "cancel_path": None}
    contracts.check_response("screenings", "rsvp", place)
    misspelt = {**place, "position": place["waitlist_position"]}
    del misspelt["waitlist_position"]
    with pytest.raises(contracts.ContractViolation, match="position"):
        contracts.check_response("screenings", "rsvp", misspelt)


def test_a_call_with_a_parameter_the_method_does_not_take_is_refused_before_it_is_sent():
    with pytest.raises(contracts.ContractViolation, match="position"):
        contracts.bind("screenings", "rsvp", ("s", "Ann", "ann@example.org"), {"position": 1})
    with pytest.raises(contracts.UnknownMethod):
        contracts.bind("screenings", "rsvpp", ("s",))
