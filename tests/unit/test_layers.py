"""The layering of DESIGN.md §2 and §7, as import-linter contracts (pyproject.toml): the
kit is a library, contracts stand alone, services never import each other, the operator
program sits on top, each service runs in layers one way only, and rules and use cases
touch no framework or storage. Plus what imports cannot show: use cases never reach past
the repositories to the session, and every module stays small enough to read in one
sitting."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
USE_CASES = sorted(p for room in ("leaders/app", "leaders/mentorship/app", "screenings/app", "mailer/app")
                   for p in (SERVICES / room).glob("*.py"))
MAX_LINES = 500


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", USE_CASES, ids=lambda p: str(p.relative_to(SERVICES)))
def test_use_cases_never_touch_the_session(module):
    assert "uow.session" not in module.read_text()


def test_no_module_is_over_500_lines():
    modules = [p for p in SERVICES.rglob("*.py") if "migrations" not in p.parts]
    long = {str(p.relative_to(ROOT)): n for p in modules if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert len(modules) > 100 and long == {}
