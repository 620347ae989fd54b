"""The event registry and the code agree (DESIGN.md §3): every type a service consumes
according to the registry has a handler there and every handler is registered; every
type a service produces is published somewhere in that service's code."""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services import contracts
from services.ops.system import SERVICES
from services.runtime.messaging import EventHandler

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"
PRODUCTION_SPECS = [s for s in contracts.REGISTRY.values() if s.model.__module__.startswith("services.contracts.")]


def service_class(name: str):
    module = importlib.import_module(f"services.{name}.service")
    classes = [c for _, c in inspect.getmembers(module, inspect.isclass) if getattr(c, "name", None) == name]
    assert len(classes) == 1, f"services.{name}.service should define exactly one service named {name!r}"
    return classes[0]


def handled_types(cls) -> set[str]:
    return {
        entrypoint.event_type
        for _, member in inspect.getmembers(cls, callable)
        for entrypoint in getattr(member, ENTRYPOINT_EXTENSIONS_ATTR, ())
        if isinstance(entrypoint, EventHandler)
    }


@pytest.mark.parametrize("service", SERVICES)
def test_handlers_match_the_registry(service):
    registered = {s.type for s in PRODUCTION_SPECS if service in s.consumers}
    handled = handled_types(service_class(service))
    assert handled - registered == set(), "handlers for types the registry does not route to this service"
    assert registered - handled == set(), "registered types this service has no handler for"


@pytest.mark.parametrize("spec", PRODUCTION_SPECS, ids=lambda s: s.type)
def test_every_produced_type_is_published_by_its_producer(spec):
    assert spec.producer in SERVICES
    source = "\n".join(p.read_text() for p in (SERVICES_DIR / spec.producer).rglob("*.py")
                       if "migrations" not in p.parts)
    assert spec.model.__name__ in source, f"{spec.producer} never publishes {spec.type} ({spec.model.__name__})"


@pytest.mark.parametrize("spec", PRODUCTION_SPECS, ids=lambda s: s.type)
def test_consumers_are_known_services(spec):
    assert set(spec.consumers) <= set(SERVICES)
    assert spec.producer not in spec.consumers


def test_type_names_are_snake_case_and_unique_per_model():
    for spec in PRODUCTION_SPECS:
        assert spec.type == spec.type.lower() and " " not in spec.type
    models = [s.model for s in PRODUCTION_SPECS]
    assert len(models) == len(set(models))
