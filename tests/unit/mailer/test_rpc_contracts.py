"""The mailer's RPC edge against its contracts (services/contracts/rpc/mailer.py): every
method has one with its signature, and the gateway calls them with parameters they take.
(The integration tests check every response against the contracts.)"""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from nameko.containers import ServiceContainer

from services.contracts import rpc as contracts
from services.gateway.api.mail import DeliveriesQuery, SuppressionRemoval, SuppressionsQuery
from services.mailer.service import MailerService
from services.runtime.rpc import CheckedRpc

GATEWAY = Path(__file__).resolve().parents[3] / "services" / "gateway"


def rpc_methods() -> dict[str, inspect.Signature]:
    container = ServiceContainer(MailerService)
    names = {e.method_name for e in container.entrypoints if isinstance(e, CheckedRpc)}
    return {name: inspect.signature(getattr(MailerService, name)) for name in names}


def test_every_method_has_a_contract_with_its_signature_and_every_contract_a_method():
    methods = rpc_methods()
    assert set(methods) == {spec.name for spec in contracts.methods_of("mailer")}
    for name, signature in methods.items():
        parameters = [(p.name, p.default) for p in list(signature.parameters.values())[1:]]
        declared = [(p.name, p.default) for p in contracts.method("mailer", name).signature.parameters.values()]
        assert parameters == declared, name


def mailer_calls():
    """(file, line, method, positional count, keyword names, has **) of each call of a
    mailer method in the gateway: `call.rpc("mailer", name, ...)` or `x.rpc.mailer.name(...)`."""
    for path in sorted(GATEWAY.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            func, args = node.func, node.args
            if func.attr in ("rpc", "call_async") and len(args) >= 2 and all(
                    isinstance(a, ast.Constant) for a in args[:2]) and args[0].value == "mailer":
                name, args = args[1].value, args[2:]
            elif isinstance(func.value, ast.Attribute) and func.value.attr == "mailer":
                name = func.attr
            else:
                continue
            keywords = [k.arg for k in node.keywords if k.arg is not None]
            expands = any(k.arg is None for k in node.keywords)
            yield f"{path.name}:{node.lineno}", name, len(args), keywords, expands


def test_the_gateway_calls_mailer_methods_that_exist_with_parameters_they_take():
    calls = list(mailer_calls())
    assert {name for _, name, *_ in calls} >= {"search_deliveries", "get_delivery", "resend", "list_suppressions",
                                               "remove_suppression", "unsubscribe", "send_account_setup"}
    for where, name, positional, keywords, expands in calls:
        signature = contracts.method("mailer", name).signature
        bind = signature.bind_partial if expands else signature.bind  # expanded mappings: below
        try:
            bind(*(None,) * positional, **dict.fromkeys(keywords))
        except TypeError as refused:
            pytest.fail(f"{where}: mailer.{name}: {refused}")


@pytest.mark.parametrize("method, model", [
    ("search_deliveries", DeliveriesQuery), ("list_suppressions", SuppressionsQuery),
    ("remove_suppression", SuppressionRemoval),
])
def test_the_gateways_request_models_name_parameters_of_the_method(method, model):
    contracts.bind("mailer", method, (), dict.fromkeys(model.model_fields))


def test_the_account_setup_request_the_gateway_builds_names_the_methods_parameters():
    source = (GATEWAY / "app.py").read_text()
    [function] = [n for n in ast.walk(ast.parse(source))
                  if isinstance(n, ast.FunctionDef) and n.name == "setup_mail_request"]
    [built] = [n.value for n in ast.walk(function) if isinstance(n, ast.Return) and isinstance(n.value, ast.Dict)]
    contracts.bind("mailer", "send_account_setup", (), {key.value: None for key in built.keys})
