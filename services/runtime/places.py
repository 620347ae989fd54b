"""Where a US ZIP code or a city is, and how far apart two places are: the offline ZIP
data of the `zipcodes` package (nothing fetched at run time), a great-circle distance
in miles, and the latitude/longitude box a radius fits in, for a database prefilter."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.05
ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
CITY = re.compile(r"^\s*([A-Za-z .'-]+?)\s*,\s*([A-Za-z]{2})\s*$")


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float
    longitude: float
    city: str = ""
    state: str = ""


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, Place], dict[tuple[str, str], Place]]:
    """ZIP -> place, and (CITY, ST) -> the middle of the city's ZIP codes. Loaded once."""
    import zipcodes

    by_zip: dict[str, Place] = {}
    points: dict[tuple[str, str], list[tuple[float, float, str]]] = {}
    for entry in zipcodes.list_all():
        try:
            lat, lon = float(entry["lat"]), float(entry["long"])
        except (TypeError, ValueError):
            continue
        city, state = str(entry["city"]).strip(), str(entry["state"]).upper()
        by_zip[entry["zip_code"]] = Place(f"{entry['zip_code']} ({city}, {state})", lat, lon, city, state)
        points.setdefault((city.upper(), state), []).append((lat, lon, city))
    by_city = {key: Place(f"{found[0][2]}, {key[1]}", sum(p[0] for p in found) / len(found),
                          sum(p[1] for p in found) / len(found), found[0][2], key[1])
                for key, found in points.items()}
    return by_zip, by_city


def zip_codes_in(state: str) -> list[str]:
    """Every ZIP code of a state (two letters) that has a point, in order."""
    suffix = f", {state.upper()})"
    return sorted(code for code, place in _index()[0].items() if place.label.endswith(suffix))


def normal_zip(text: str | None) -> str | None:
    """The five-digit ZIP of '94110' or '94110-1234'; None when it is not one."""
    match = ZIP.match((text or "").strip())
    return match.group(1) if match else None


def zip_place(code: str | None) -> Place | None:
    zip5 = normal_zip(code)
    return _index()[0].get(zip5) if zip5 else None


def city_place(city: str | None, state: str | None) -> Place | None:
    if not city or not state:
        return None
    return _index()[1].get((" ".join(city.split()).upper(), state.strip().upper()))


def locate(text: str | None) -> Place | None:
    """A ZIP code ('62701') or a city with its state ('Springfield, IL'); None if unknown."""
    text = (text or "").strip()
    if normal_zip(text):
        return zip_place(text)
    match = CITY.match(text)
    return city_place(match.group(1), match.group(2)) if match else None


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance between two points, in miles."""
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * asin(min(1.0, sqrt(a)))


def bounding_box(latitude: float, longitude: float, miles: float) -> tuple[float, float, float, float]:
    """(south, north, west, east): every point within `miles` lies inside. Near the poles
    or across the antimeridian the box widens to every longitude rather than miss any."""
    dlat = miles / MILES_PER_DEGREE_LATITUDE
    south, north = max(-90.0, latitude - dlat), min(90.0, latitude + dlat)
    widest = max(abs(south), abs(north))
    if widest >= 89.0:
        return south, north, -180.0, 180.0
    dlon = miles / (MILES_PER_DEGREE_LATITUDE * cos(radians(widest)))
    west, east = longitude - dlon, longitude + dlon
    if west < -180.0 or east > 180.0:
        return south, north, -180.0, 180.0
    return south, north, west, east
