"""The mentorship room's layers (DESIGN.md §7): the rules and the use cases reach no
framework and no table; only the repository, the views and the entrypoints do."""
from __future__ import annotations

from pathlib import Path

import grimp
import pytest

ROOM = "services.leaders.mentorship"
# Plain Python: the rules, the use cases and what they share.
PLAIN = ("domain", "app", "records", "schemas", "paths", "roster")
# What only the edges of the room may reach.
EDGES = ("sqlalchemy", "nameko", "eventlet", "services.leaders.models", f"{ROOM}.repository", f"{ROOM}.views",
         f"{ROOM}.service")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("services", include_external_packages=True)


def test_the_rules_and_use_cases_reach_no_framework_and_no_table(graph):
    plain = sorted(m for m in graph.find_descendants(ROOM) if m.split(".")[3] in PLAIN)
    assert any(".domain." in m for m in plain) and any(".app." in m for m in plain)
    chains = [graph.find_shortest_chain(importer=module, imported=edge) for module in plain for edge in EDGES]
    assert [chain for chain in chains if chain] == []


def test_the_domain_knows_nothing_of_the_use_cases(graph):
    domain = sorted(graph.find_descendants(f"{ROOM}.domain"))
    above = [f"{ROOM}.{name}" for name in PLAIN if name != "domain"]
    chains = [graph.find_shortest_chain(importer=module, imported=other) for module in domain for other in above]
    assert [chain for chain in chains if chain] == []


def test_use_cases_reach_the_database_only_through_the_repositories():
    app = Path(__file__).resolve().parents[3] / "services" / "leaders" / "mentorship" / "app"
    assert [path.name for path in sorted(app.glob("*.py")) if "uow.session" in path.read_text()] == []
