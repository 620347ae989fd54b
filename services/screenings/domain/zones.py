"""Time zones: which IANA zones each state uses, and wall times that a DST change makes
impossible or ambiguous."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc

# IANA zones in use in each state, DC and the inhabited territories (tzdb zone.tab, plus
# America/Denver where a state has an area on Mountain time that tzdb folds into Denver).
# A state with one zone defaults to it; a state with several needs an explicit choice.
STATE_TIME_ZONES: dict[str, tuple[str, ...]] = {
    "AL": ("America/Chicago",),
    "AK": (
        "America/Anchorage", "America/Juneau", "America/Sitka", "America/Metlakatla",
        "America/Yakutat", "America/Nome", "America/Adak",
    ),
    "AZ": ("America/Phoenix", "America/Denver"),  # the Navajo Nation observes DST
    "AR": ("America/Chicago",),
    "CA": ("America/Los_Angeles",),
    "CO": ("America/Denver",),
    "CT": ("America/New_York",),
    "DE": ("America/New_York",),
    "DC": ("America/New_York",),
    "FL": ("America/New_York", "America/Chicago"),
    "GA": ("America/New_York",),
    "HI": ("Pacific/Honolulu",),
    "ID": ("America/Boise", "America/Los_Angeles"),
    "IL": ("America/Chicago",),
    "IN": (
        "America/Indiana/Indianapolis", "America/Indiana/Vincennes", "America/Indiana/Winamac",
        "America/Indiana/Marengo", "America/Indiana/Petersburg", "America/Indiana/Vevay",
        "America/Indiana/Tell_City", "America/Indiana/Knox", "America/Chicago",
    ),
    "IA": ("America/Chicago",),
    "KS": ("America/Chicago", "America/Denver"),
    "KY": (
        "America/New_York", "America/Kentucky/Louisville", "America/Kentucky/Monticello",
        "America/Chicago",
    ),
    "LA": ("America/Chicago",),
    "ME": ("America/New_York",),
    "MD": ("America/New_York",),
    "MA": ("America/New_York",),
    "MI": ("America/Detroit", "America/Menominee"),
    "MN": ("America/Chicago",),
    "MS": ("America/Chicago",),
    "MO": ("America/Chicago",),
    "MT": ("America/Denver",),
    "NE": ("America/Chicago", "America/Denver"),
    "NV": ("America/Los_Angeles", "America/Denver"),  # West Wendover keeps Mountain time
    "NH": ("America/New_York",),
    "NJ": ("America/New_York",),
    "NM": ("America/Denver",),
    "NY": ("America/New_York",),
    "NC": ("America/New_York",),
    "ND": (
        "America/Chicago", "America/North_Dakota/Center", "America/North_Dakota/New_Salem",
        "America/North_Dakota/Beulah", "America/Denver",
    ),
    "OH": ("America/New_York",),
    "OK": ("America/Chicago",),
    "OR": ("America/Los_Angeles", "America/Boise"),
    "PA": ("America/New_York",),
    "RI": ("America/New_York",),
    "SC": ("America/New_York",),
    "SD": ("America/Chicago", "America/Denver"),
    "TN": ("America/Chicago", "America/New_York"),
    "TX": ("America/Chicago", "America/Denver"),
    "UT": ("America/Denver",),
    "VT": ("America/New_York",),
    "VA": ("America/New_York",),
    "WA": ("America/Los_Angeles",),
    "WV": ("America/New_York",),
    "WI": ("America/Chicago",),
    "WY": ("America/Denver",),
    "PR": ("America/Puerto_Rico",),
    "VI": ("America/St_Thomas",),
    "GU": ("Pacific/Guam",),
    "MP": ("Pacific/Saipan",),
    "AS": ("Pacific/Pago_Pago",),
}


def load_zone(name: Any) -> ZoneInfo | None:
    """The zone for an IANA name, or None when the name is not a known zone."""
    if not isinstance(name, str) or not name or name != name.strip():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def resolve_time_zone(state: str | None, requested: str | None) -> tuple[str | None, str | None]:
    """Pick the zone for an event: (zone name, problem message).

    An explicit zone must be a real IANA zone and, when the state is known, one in use in
    that state; without one, a single-zone state supplies its zone.
    """
    zones = STATE_TIME_ZONES.get(state) if state else None
    if requested is not None and requested != "":
        if load_zone(requested) is None:
            return None, f"{requested!r} is not an IANA time zone"
        if zones is not None and requested not in zones:
            return None, f"{requested} is not used in {state}; choose one of: {', '.join(zones)}"
        return requested, None
    if zones is None:
        return None, "is required (an IANA zone such as America/Chicago)"
    if len(zones) > 1:
        return None, f"{state} spans several time zones; choose one of: {', '.join(zones)}"
    return zones[0], None


def _transition_around(local: datetime, zone: ZoneInfo) -> tuple[datetime, timedelta, timedelta]:
    """The offset change nearest a gap or repeated local time: (UTC instant, before, after).

    `fold=0` and `fold=1` bracket the transition (PEP 495), so a bisection between the two
    UTC readings finds the instant the offset changes.
    """
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    lo, hi = sorted((first.astimezone(UTC), second.astimezone(UTC)))
    before = lo.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi, before, hi.astimezone(zone).utcoffset()


def local_time_problem(local: datetime, zone_name: str) -> str | None:
    """Why a wall-clock time cannot be used in a zone (DST gap or overlap), else None."""
    zone = ZoneInfo(zone_name)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    instant, before, after = _transition_around(local, zone)
    old_name = (instant - timedelta(seconds=1)).astimezone(zone).tzname()
    names = f"{old_name} to {instant.astimezone(zone).tzname()}"
    old_wall = (instant + before).replace(tzinfo=None)
    new_wall = (instant + after).replace(tzinfo=None)
    when = f"{local:%Y-%m-%d %H:%M}"
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        return (
            f"{when} does not exist in {zone_name}: clocks go forward from "
            f"{old_wall:%H:%M} to {new_wall:%H:%M} ({names}); choose a time outside "
            f"{old_wall:%H:%M}-{new_wall:%H:%M}"
        )
    return (
        f"{when} is ambiguous in {zone_name}: it happens twice when clocks go back from "
        f"{old_wall:%H:%M} to {new_wall:%H:%M} ({names}); choose a time outside "
        f"{new_wall:%H:%M}-{old_wall:%H:%M}"
    )


def to_utc(local: datetime, zone_name: str) -> datetime:
    return local.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)



def local_label(local_start: datetime, local_end: datetime, zone_name: str) -> str:
    """The event's time as people at the venue read it, with the zone's abbreviation."""
    zone = ZoneInfo(zone_name)
    start = local_start.replace(tzinfo=zone)
    end = local_end.replace(tzinfo=zone)

    def clock_time(moment: datetime) -> str:
        return moment.strftime("%I:%M %p").lstrip("0")

    day = f"{start:%a, %b} {start.day}, {start.year}"
    if start.date() == end.date():
        return f"{day}, {clock_time(start)} - {clock_time(end)} {end.tzname()}"
    end_day = f"{end:%a, %b} {end.day}, {end.year}"
    return f"{day}, {clock_time(start)} {start.tzname()} - {end_day}, {clock_time(end)} {end.tzname()}"
