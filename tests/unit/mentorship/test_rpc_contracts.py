"""The mentorship RPC methods against their contracts (services/contracts/rpc/mentorship.py):
every entrypoint has one with its exact signature, and every gateway call site names a
method and parameters it has. The integration tests check the responses (RPC.check_responses)."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from nameko.rpc import Rpc

from services.contracts import rpc as contracts
from services.contracts.rpc.common import Actor
from services.leaders.mentorship.service import MentorshipEntrypoints

ROOT = Path(__file__).resolve().parents[3]
METHODS = sorted(name for name, member in vars(MentorshipEntrypoints).items()
                 if any(isinstance(e, Rpc) for e in getattr(member, "nameko_entrypoints", ())))


def test_every_mentorship_method_is_served():
    assert len(METHODS) == 14


@pytest.mark.parametrize("name", METHODS)
def test_each_method_has_its_contracts_signature(name):
    declared = contracts.method("leaders", name).signature.parameters.values()
    served = list(inspect.signature(getattr(MentorshipEntrypoints, name)).parameters.values())[1:]
    assert [(p.name, p.default) for p in served] == [(p.name, p.default) for p in declared]


def _gateway_calls() -> list[tuple[str, int, str, int, list[str]]]:
    """(file, line, method, positional count, keyword names) of each call of a mentorship
    method in the gateway: `call.rpc("leaders", name, ...)` and `rpc_many` tuples."""
    found = []
    for path in sorted((ROOT / "services" / "gateway").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            where = str(path.relative_to(ROOT))
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "rpc"
                    and len(node.args) >= 2 and all(isinstance(a, ast.Constant) for a in node.args[:2])
                    and node.args[0].value == "leaders" and node.args[1].value in METHODS):
                assert not any(isinstance(a, ast.Starred) for a in node.args), (where, node.lineno)
                keywords = [k.arg for k in node.keywords if k.arg is not None]
                found.append((where, node.lineno, node.args[1].value, len(node.args) - 2, keywords))
            if (isinstance(node, ast.Tuple) and len(node.elts) == 4 and isinstance(node.elts[0], ast.Constant)
                    and node.elts[0].value == "leaders" and isinstance(node.elts[1], ast.Constant)
                    and node.elts[1].value in METHODS):
                args, kwargs = node.elts[2], node.elts[3]
                assert isinstance(args, ast.Tuple) and isinstance(kwargs, ast.Dict), (where, node.lineno)
                found.append((where, node.lineno, node.elts[1].value, len(args.elts),
                              [k.value for k in kwargs.keys]))
    return found


def test_every_gateway_call_site_names_a_method_and_parameters_it_takes():
    calls = _gateway_calls()
    assert {"assign", "close_unanswered", "coverage_mentorship", "list_requests", "leader_requests"} <= {
        c[2] for c in calls}
    for where, line, name, positional, keywords in calls:
        try:
            contracts.bind("leaders", name, (None,) * positional, dict.fromkeys(keywords))
        except contracts.ContractViolation as wrong:
            pytest.fail(f"{where}:{line}: {wrong}")


def test_the_acting_manager_travels_in_the_one_actor_shape():
    for name in ("assign", "close_unanswered"):
        assert contracts.method("leaders", name).params.model_fields["actor"].annotation is Actor
