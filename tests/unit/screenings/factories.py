"""Builders shared by the screenings unit tests."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from services.screenings.domain.rules import HostRecord
from services.screenings.domain.screening import Screening, register_screening

UTC = timezone.utc
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)

HOST = HostRecord(leader_id="leader-1", status="active", name="Sgt. Dana Ruiz")
TRUSTED_HOST = HostRecord(leader_id="leader-2", status="active", trusted=True, name="Chief Lee")


def raw_details(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "kind": "film_screening",
        "format": "community_screening",
        "film": "waking-in-oak-creek",
        "venue": {
            "name": "Lincoln Library",
            "address": "326 S 7th St",
            "city": "Springfield",
            "state": "IL",
        },
        "start": "2026-07-15T19:00",
        "end": "2026-07-15T21:00",
        "capacity": 50,
        "audiences": ["general_public", "law_enforcement"],
        "partners": ["Springfield Interfaith Council"],
        "description": "Screening followed by a guided discussion.",
    }
    raw.update(overrides)
    return raw


def scheduled(**overrides: Any) -> Screening:
    """A screening by a trusted host, so it is scheduled straight away."""
    return register_screening(raw_details(**overrides), host=TRUSTED_HOST, now=NOW)


def submitted(**overrides: Any) -> Screening:
    return register_screening(raw_details(**overrides), host=HOST, now=NOW)


def errors_by_field(excinfo) -> dict[str, str]:
    return {e["field"]: e["message"] for e in excinfo.value.errors}
