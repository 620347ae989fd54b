"""The import layering of DESIGN.md §2 and §7, as import-linter contracts (pyproject.toml):
the kit is a library, contracts stand alone, services never import each other, the
operator program sits on top, and layers run one way only."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
