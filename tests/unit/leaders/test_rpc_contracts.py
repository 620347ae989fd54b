"""Every roster RPC method of the leaders service is a checked entrypoint whose signature
is its contract's, and every leaders contract outside mentorship has its method. (The
entrypoints refuse to start otherwise; this says so without a broker.)"""
from __future__ import annotations

import inspect

from nameko.rpc import Rpc

from services.contracts import rpc as contracts
from services.leaders.service import LeadersService, MentorshipEntrypoints
from services.runtime.rpc import CheckedRpc


def rpc_entrypoints() -> dict[str, Rpc]:
    found = {}
    for name in dir(LeadersService):
        for entrypoint in getattr(getattr(LeadersService, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, Rpc):
                found[name] = entrypoint
    return found


def roster_methods() -> set[str]:
    return set(rpc_entrypoints()) - set(vars(MentorshipEntrypoints))


def test_every_roster_method_is_checked_against_a_contract_with_its_signature():
    entrypoints = rpc_entrypoints()
    for name in roster_methods():
        assert isinstance(entrypoints[name], CheckedRpc), name
        spec = contracts.method("leaders", name)
        parameters = list(inspect.signature(getattr(LeadersService, name)).parameters.values())[1:]
        assert [(p.name, p.default) for p in parameters] == [
            (p.name, p.default) for p in spec.signature.parameters.values()], name


def test_every_leaders_contract_outside_mentorship_has_its_method():
    contracted = {spec.name for spec in contracts.methods_of("leaders")}
    assert roster_methods() <= contracted
    assert contracted - set(vars(MentorshipEntrypoints)) == roster_methods()


def test_the_deciding_manager_travels_as_an_actor():
    actor = {"role": "manager", "account_id": 7}
    for name in ("approve_application", "decline_application", "waitlist_application"):
        assert contracts.bind("leaders", name, (4,), {"actor": actor}, check_types=True)["actor"] == actor
