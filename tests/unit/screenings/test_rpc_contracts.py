"""The screenings RPC edge against its contracts (services.contracts.rpc.screenings): every
entrypoint has one with its exact signature, and every place that calls a screenings
method names one that exists, with parameters it takes."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from services.contracts import rpc as contracts
from services.screenings.service import ScreeningsService

ROOT = Path(__file__).resolve().parents[3]
CALLERS = [*sorted((ROOT / "services/gateway").rglob("*.py")), ROOT / "services/ops/demo.py"]


def entrypoints() -> dict[str, inspect.Signature]:
    found = {}
    for name, member in inspect.getmembers(ScreeningsService, inspect.isfunction):
        if any(type(e).__name__ == "CheckedRpc" for e in getattr(member, "nameko_entrypoints", ())):
            found[name] = inspect.signature(member)
    return found


def test_every_entrypoint_has_a_contract_with_its_signature_and_every_contract_an_entrypoint():
    offered = entrypoints()
    declared = {spec.name: spec for spec in contracts.methods_of("screenings")}
    assert set(offered) == set(declared)
    for name, signature in offered.items():
        parameters = list(signature.parameters.values())[1:]
        assert [(p.name, p.default) for p in parameters] == \
            [(p.name, p.default) for p in declared[name].signature.parameters.values()], name


def _call_sites():
    """(file:line, method, positional count, keyword names) of each screenings call written
    as call.rpc("screenings", "m", ...), a ("screenings", "m", (args), {kwargs}) tuple for
    call.rpc_many, or rpc.screenings.m(...)."""
    for path in CALLERS:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                args = node.args
                if node.func.attr == "rpc" and len(args) >= 2 and _constant(args[0]) == "screenings" \
                        and isinstance(_constant(args[1]), str):
                    yield where, args[1].value, args[2:], node.keywords
                owner = node.func.value
                if isinstance(owner, ast.Attribute) and owner.attr == "screenings":
                    yield where, node.func.attr, args, node.keywords
            if isinstance(node, ast.Tuple) and len(node.elts) == 4 and _constant(node.elts[0]) == "screenings":
                positional, keywords = node.elts[2], node.elts[3]
                yield where, _constant(node.elts[1]), positional.elts, [
                    ast.keyword(arg=_constant(k), value=v) for k, v in zip(keywords.keys, keywords.values)]
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_feed" \
                    and path.name == "screenings.py":
                # The gateway's feed helper adds the conditional-request headers itself.
                yield where, _constant(node.args[1]), node.args[2:], [
                    ast.keyword(arg="if_none_match"), ast.keyword(arg="if_modified_since")]


def _constant(node):
    return node.value if isinstance(node, ast.Constant) else None


def test_every_call_site_names_a_method_and_parameters_it_takes():
    sites = list(_call_sites())
    assert len(sites) > 30  # the gateway's pages and API, the coverage report, the demo data
    for where, method, positional, keywords in sites:
        if any(isinstance(a, ast.Starred) for a in positional) or any(k.arg is None for k in keywords):
            continue  # *args or **kwargs: bound at run time
        try:
            contracts.bind("screenings", method, tuple(positional), {k.arg: None for k in keywords})
        except (contracts.UnknownMethod, contracts.ContractViolation) as exc:
            pytest.fail(f"{where}: {exc}")


def test_a_misspelt_field_in_a_response_is_refused():
    place = {"rsvp_id": "r", "screening_id": "s", "status": "waitlisted", "created": True,
             "waitlist_position": 1, "cancel_path": None}
    contracts.check_response("screenings", "rsvp", place)
    with pytest.raises(contracts.ContractViolation, match="position"):
        contracts.check_response("screenings", "rsvp", {**place, "position": place.pop("waitlist_position")})
