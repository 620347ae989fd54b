"""The resource library's use cases over an in-memory library: seeding once, who may
change entries, retiring out of public view, and suggestions by topic and film."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from services.contracts.rpc.common import Actor
from services.runtime.errors import Forbidden, NotFound, ValidationFailed
from services.screenings.library import app, domain
from services.screenings.library.seed import SEED

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
MANAGER = Actor(role="manager", account_id=1)
LEADER = Actor(role="leader", leader_id=7)
NEW = {"title": "Campus bias incidents", "publisher": "COPS Office", "kind": "guide",
       "description": "Answering a bias incident together.", "topics": ["school-safety"]}


class MemoryLibrary:
    """What ResourceRepository offers, over a dict (the storage side of the rules)."""

    def __init__(self):
        self.rows: dict[int, domain.Resource] = {}

    def keys(self):
        return {r.key for r in self.rows.values() if r.key}

    def add(self, resource):
        stored = replace(resource, id=len(self.rows) + 1)
        self.rows[stored.id] = stored
        return stored

    def get(self, resource_id, *, lock=False):
        return self.rows.get(resource_id)

    def save(self, resource):
        self.rows[resource.id] = resource
        return resource

    def in_view(self, query=None, *, include_retired=False):
        seen = include_retired or (query is not None and query.include_retired)
        return [r for r in self.rows.values() if seen or not r.retired]

    def page_in_title_order(self, query):
        found = domain.search(self.in_view(query), query)
        return found.total, found.items


class Uow:
    def __init__(self):
        self.library = MemoryLibrary()


@pytest.fixture
def uow():
    unit = Uow()
    assert app.seed_library(unit) == len(SEED)
    return unit


def test_seeding_again_adds_nothing_and_keeps_a_retired_entry_retired(uow):
    app.retire(uow, MANAGER, 1, now=NOW)
    assert app.seed_library(uow) == 0
    assert uow.library.get(1).retired


def test_only_a_program_manager_changes_the_library(uow):
    with pytest.raises(Forbidden):
        app.add(uow, LEADER, NEW, now=NOW)
    with pytest.raises(Forbidden):
        app.edit(uow, LEADER, 1, {"title": "x"}, now=NOW)
    with pytest.raises(Forbidden):
        app.retire(uow, LEADER, 1, now=NOW)
    added = app.add(uow, MANAGER, NEW, now=NOW)
    assert added["id"] == len(SEED) + 1 and added["topics"] == [{"slug": "school-safety", "label": "School safety"}]
    with pytest.raises(ValidationFailed) as exc:
        app.edit(uow, MANAGER, added["id"], {"topics": ["knitting"]}, now=NOW)
    assert exc.value.errors[0]["field"] == "topics"
    with pytest.raises(NotFound):
        app.edit(uow, MANAGER, 9999, {"title": "x"}, now=NOW)


def test_a_retired_entry_leaves_public_view_but_not_the_managers(uow):
    app.retire(uow, MANAGER, 1, now=NOW)
    public = app.search(uow, {"page_size": 100}, None)
    assert public["total"] == len(SEED) - 1 and 1 not in [r["id"] for r in public["items"]]
    with pytest.raises(NotFound):
        app.get(uow, 1, None)
    assert app.get(uow, 1, MANAGER)["retired"] is True
    kept = app.search(uow, {"page_size": 100, "include_retired": True}, MANAGER)
    assert kept["total"] == len(SEED)
    with pytest.raises(ValidationFailed):
        app.search(uow, {"include_retired": True}, LEADER)
    assert app.reinstate(uow, MANAGER, 1, now=NOW)["retired"] is False


def test_suggestions_by_topic_and_by_film(uow):
    on_topic = app.suggest(uow, ["lgbtq-liaison"])
    assert [r["title"] for r in on_topic][0].startswith("Gender, Sexuality, and 21st Century Policing")
    by_film = app.suggest(uow, film="moses-robinson-school-guardian")
    assert by_film and all({"school-safety", "youth-outreach"} & {t["slug"] for t in r["topics"]} for r in by_film)
    assert app.suggest(uow, film="no-such-film") == []
    with pytest.raises(ValidationFailed):
        app.suggest(uow, ["knitting"])
