"""RPC entrypoints checked against their contracts (services.contracts.rpc).

Services declare every RPC method with `rpc` from here instead of nameko's: a method with
no contract, or whose signature differs from its contract, refuses to start; with
`RPC.check_responses` on in config (the tests turn it on), a response that does not
match the contract is refused and the caller gets a ContractViolation instead. A reply
the broker cannot take (it is down longer than the publisher's retries) is given up with
a warning instead of stopping the service.
"""
from __future__ import annotations

import inspect
import logging
import sys

from kombu.exceptions import OperationalError
from nameko import config
from nameko.rpc import Rpc

from services.contracts import rpc as contracts

from .settings import flag, section

log = logging.getLogger(__name__)


class CheckedRpc(Rpc):
    def setup(self):
        spec = contracts.method(self.container.service_name, self.method_name)
        method = getattr(self.container.service_cls, self.method_name)
        parameters = list(inspect.signature(method).parameters.values())[1:]  # without self
        declared = list(spec.signature.parameters.values())
        if [(p.name, p.default) for p in parameters] != [(p.name, p.default) for p in declared]:
            raise contracts.ContractViolation(
                f"{spec.service}.{spec.name}{inspect.Signature(parameters)} does not match its contract "
                f"{spec.name}{spec.signature}")
        self.check_responses = flag(section(dict(config), "RPC").get("check_responses", False))
        super().setup()

    def handle_result(self, message, worker_ctx, result, exc_info):
        if exc_info is None and self.check_responses:
            try:
                contracts.check_response(self.container.service_name, self.method_name, result)
            except contracts.ContractViolation:
                log.exception("response outside its contract")
                result, exc_info = None, sys.exc_info()
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except (OperationalError, OSError) as exc:
            # The broker went away and nameko's publisher gave up: the work is done (or
            # failed) and only the reply is lost. Raising here would end the container, and
            # with it every worker and consumer of this process; the caller instead times
            # out, and a client retrying with its Idempotency-Key gets the one answer.
            log.warning("%s.%s: the reply could not be sent (%s: %s); the caller will time out",
                        self.container.service_name, self.method_name, type(exc).__name__, exc)
            self.rpc_consumer.consumer.ack_message(message)  # a no-op on a dead connection
            return result, exc_info


rpc = CheckedRpc.decorator
