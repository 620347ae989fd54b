"""A schemathesis run generated from the served OpenAPI document against the gateway with
the real services behind it: no 5xx, and no response that the document does not allow.
Bounded (a few examples per operation, no stateful phase) to keep the suite fast; set
NIOT_FUZZ_PHASES=examples,coverage,fuzzing and NIOT_FUZZ_EXAMPLES for a deeper run."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_schema_conformance", "response_headers_conformance",
])
MAX_EXAMPLES = os.environ.get("NIOT_FUZZ_EXAMPLES", "4")


def schemathesis(base_url: str, *extra: str) -> subprocess.CompletedProcess:
    binary = Path(sys.executable).with_name("schemathesis")
    return subprocess.run(
        [str(binary), "run", f"{base_url}/openapi.json", "--checks", CHECKS, "--max-examples", MAX_EXAMPLES,
         "--phases", os.environ.get("NIOT_FUZZ_PHASES", "examples,fuzzing"), "--workers", "1", "--generation-with-security-parameters", "false", "--seed", "20260101",
         "--request-timeout", "30", "--generation-codec", "utf-8", *extra],
        capture_output=True, text=True, timeout=600,
    )


@pytest.mark.parametrize("role", ["anonymous", "a", "manager"])
def test_fuzz_as_anonymous_a_leader_and_a_program_manager(full_stack, role):
    client = full_stack.token_client(role)
    extra = [f"--header=Authorization: Bearer {client.bearer}"] if client.bearer else []
    result = schemathesis(full_stack.base_url, *extra)
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:]
