"""Inputs for the use-case tests: an application form, the deciding manager, and a leader
who joined through an approved application."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from services.leaders.app import applications

NOW = datetime(2025, 3, 10, 15, 30, tzinfo=timezone.utc)
MANAGER = {"role": "manager", "account_id": 7}


def form(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Maria Lopez", "email": "Maria.Lopez@OakCreekPD.gov", "phone": "414-555-0134",
        "agency": "Oak Creek Police Department", "title": "Lieutenant", "state": "WI",
        "why": "After the temple shooting our department rebuilt trust with the Sikh community.",
        "experience": "Twelve years in community policing; led the department's hate crime unit.",
        "reference": {"name": "Chief John Edwards", "contact": "jedwards@oakcreekpd.gov"},
        **overrides,
    }


def approved_leader(uow, *, now: datetime = NOW, **overrides: Any) -> dict[str, Any]:
    """A leader approved at `now` (the answer of approve_application's "leader")."""
    submitted = applications.submit_application(uow, form(**overrides), now=now)["application"]
    return applications.approve_application(uow, submitted["id"], actor=MANAGER, now=now)["leader"]
