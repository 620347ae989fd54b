"""The mailer's layers (DESIGN.md §7): rules and use cases are plain Python that reach
no framework and no table; use cases go through the unit of work's repositories, never
its session; only service.py and dispatch.py know nameko."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

MAILER = Path(__file__).resolve().parents[3] / "services" / "mailer"
DOMAIN = ["delivery.py", "messages.py", "notifications.py", "compose.py", "render.py"]
USE_CASES = sorted(p.relative_to(MAILER).as_posix() for p in (MAILER / "app").glob("*.py"))
FRAMEWORKS = ("nameko", "eventlet", "sqlalchemy", "kombu")
ADAPTERS = ("models", "repository", "views", "service", "dispatch", "smtp", "sink")


def imports(module: str) -> set[str]:
    """The modules a mailer module imports, by absolute name (`from . import x` as
    services.mailer.x)."""
    package = ["services", "mailer", *module.split("/")[:-1]]
    found = set()
    for node in ast.walk(ast.parse((MAILER / module).read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(".".join(package[:len(package) - node.level + 1] + [node.module]))
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1])
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def mailer_module(name: str) -> str | None:
    """`repository` for services.mailer.repository(.Something), else None."""
    parts = name.split(".")
    return parts[2] if parts[:2] == ["services", "mailer"] and len(parts) > 2 else None


@pytest.mark.parametrize("module", DOMAIN + USE_CASES)
def test_rules_and_use_cases_reach_no_framework_and_no_adapter(module):
    for name in imports(module):
        assert name.split(".")[0] not in FRAMEWORKS, f"{module} imports {name}"
        assert mailer_module(name) not in ADAPTERS, f"{module} imports {name}"


@pytest.mark.parametrize("module", DOMAIN)
def test_rules_import_no_use_case(module):
    assert not any(mailer_module(name) == "app" for name in imports(module))


@pytest.mark.parametrize("module", USE_CASES)
def test_use_cases_never_touch_the_session(module):
    assert "uow.session" not in (MAILER / module).read_text()
