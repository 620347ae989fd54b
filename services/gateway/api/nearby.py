"""'Near me' for the directory and the screening list: a ZIP code or a city and state
turned into the point and radius the services search around (offline ZIP data)."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from services.gateway.errors import ApiError
from services.runtime import places

Near = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Radius = Annotated[float, Field(gt=0, le=500, description="miles around `near`")]
RADIUS_CHOICES = (10, 25, 50, 100, 250, 500)
DEFAULT_RADIUS = 50
UNKNOWN_PLACE = "We do not know this place: give a five-digit ZIP code (62701) or a city and state (Springfield, IL)"


def around(near: str | None, radius_miles: float | None) -> tuple[places.Place | None, dict[str, Any]]:
    """The place `near` names and the search arguments around it; nothing without `near`."""
    if not near:
        return None, {}
    place = places.locate(near)
    if place is None:
        raise ApiError(422, "validation_failed", UNKNOWN_PLACE, field="near")
    return place, {"near_latitude": place.latitude, "near_longitude": place.longitude,
                   "radius_miles": float(radius_miles or DEFAULT_RADIUS)}
