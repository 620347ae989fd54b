"""US states, DC and the inhabited territories, and the regional groupings they fall into.

A leader's region is never stored: it is derived from the state under the grouping in use,
so switching grouping re-derives every region from this table.

Groupings:

- ``federal`` (default): the ten standard federal regions used by HHS and by DOJ's
  Community Relations Service, each named after its regional office city.
- ``census_region`` / ``census_division``: the Census Bureau's 4 regions and 9 divisions.
  The Census Bureau places no territory in a region or division, so the territories form an
  explicit ``territories`` group in both Census groupings rather than being left out.

Coverage is tracked for the 50 states, DC and the five inhabited territories (PR, VI, GU,
AS, MP). The Pacific freely associated states (FM, MH, PW), which HHS serves from Region 9,
are sovereign nations and the uninhabited minor outlying islands (UM) have no local law
enforcement, so neither is a place a network leader can serve.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from services.runtime.errors import ValidationFailed

STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
}

TERRITORIES: frozenset[str] = frozenset({"AS", "GU", "MP", "PR", "VI"})

# Other spellings people commonly type for the same place.
_STATE_ALIASES: dict[str, str] = {
    "washington dc": "DC", "washington d.c.": "DC", "d.c.": "DC",
    "virgin islands": "VI", "us virgin islands": "VI", "united states virgin islands": "VI",
    "cnmi": "MP", "commonwealth of the northern mariana islands": "MP",
    "commonwealth of puerto rico": "PR",
}

DEFAULT_GROUPING = "federal"

GROUPINGS: dict[str, str] = {
    "federal": "Federal regions (HHS / DOJ Community Relations Service)",
    "census_region": "Census regions",
    "census_division": "Census divisions",
}

DEFAULT_COVERAGE_TARGET = 5
"""Active leaders each region should have."""


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    grouping: str
    states: tuple[str, ...]


def _region(grouping: str, region_id: str, name: str, states: str) -> Region:
    return Region(region_id, name, grouping, tuple(states.split()))


_TABLE: dict[str, tuple[Region, ...]] = {
    "federal": (
        _region("federal", "region-1", "Region 1 (Boston)", "CT ME MA NH RI VT"),
        _region("federal", "region-2", "Region 2 (New York)", "NJ NY PR VI"),
        _region("federal", "region-3", "Region 3 (Philadelphia)", "DE DC MD PA VA WV"),
        _region("federal", "region-4", "Region 4 (Atlanta)", "AL FL GA KY MS NC SC TN"),
        _region("federal", "region-5", "Region 5 (Chicago)", "IL IN MI MN OH WI"),
        _region("federal", "region-6", "Region 6 (Dallas)", "AR LA NM OK TX"),
        _region("federal", "region-7", "Region 7 (Kansas City)", "IA KS MO NE"),
        _region("federal", "region-8", "Region 8 (Denver)", "CO MT ND SD UT WY"),
        _region("federal", "region-9", "Region 9 (San Francisco)", "AZ CA HI NV AS GU MP"),
        _region("federal", "region-10", "Region 10 (Seattle)", "AK ID OR WA"),
    ),
    "census_region": (
        _region("census_region", "northeast", "Northeast", "CT ME MA NH RI VT NJ NY PA"),
        _region("census_region", "midwest", "Midwest", "IL IN MI OH WI IA KS MN MO NE ND SD"),
        _region("census_region", "south", "South",
                "DE DC FL GA MD NC SC VA WV AL KY MS TN AR LA OK TX"),
        _region("census_region", "west", "West",
                "AZ CO ID MT NV NM UT WY AK CA HI OR WA"),
        _region("census_region", "territories", "Territories", "AS GU MP PR VI"),
    ),
    "census_division": (
        _region("census_division", "new-england", "New England", "CT ME MA NH RI VT"),
        _region("census_division", "middle-atlantic", "Middle Atlantic", "NJ NY PA"),
        _region("census_division", "east-north-central", "East North Central", "IL IN MI OH WI"),
        _region("census_division", "west-north-central", "West North Central",
                "IA KS MN MO NE ND SD"),
        _region("census_division", "south-atlantic", "South Atlantic",
                "DE DC FL GA MD NC SC VA WV"),
        _region("census_division", "east-south-central", "East South Central", "AL KY MS TN"),
        _region("census_division", "west-south-central", "West South Central", "AR LA OK TX"),
        _region("census_division", "mountain", "Mountain", "AZ CO ID MT NV NM UT WY"),
        _region("census_division", "pacific", "Pacific", "AK CA HI OR WA"),
        _region("census_division", "territories", "Territories", "AS GU MP PR VI"),
    ),
}


def _index(table: dict[str, tuple[Region, ...]]) -> dict[str, dict[str, Region]]:
    """Map grouping -> state -> region, refusing a table that misses or repeats a state."""
    index: dict[str, dict[str, Region]] = {}
    for grouping, grouping_regions in table.items():
        by_state: dict[str, Region] = {}
        for region in grouping_regions:
            for state in region.states:
                if state not in STATES:
                    raise ValueError(f"{grouping}/{region.id}: unknown state {state}")
                if state in by_state:
                    raise ValueError(f"{grouping}: {state} is in {by_state[state].id} and {region.id}")
                by_state[state] = region
        missing = STATES.keys() - by_state.keys()
        if missing:
            raise ValueError(f"{grouping}: no region for {', '.join(sorted(missing))}")
        index[grouping] = by_state
    return index


_REGION_BY_STATE = _index(_TABLE)
_CODE_BY_NAME = {name.casefold(): code for code, name in STATES.items()} | _STATE_ALIASES


def normalize_state(value: object) -> str:
    """Return the two-letter code for a state given as a code or a name, in any case."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed("state is required", field="state")
    cleaned = re.sub(r"\s+", " ", value.strip())
    if cleaned.upper() in STATES:
        return cleaned.upper()
    code = _CODE_BY_NAME.get(cleaned.casefold())
    if code is None:
        raise ValidationFailed(f"unknown state or territory {cleaned!r}", field="state")
    return code


def state_name(state: str) -> str:
    return STATES[normalize_state(state)]


def _check_grouping(grouping: str) -> str:
    if grouping not in GROUPINGS:
        raise ValidationFailed(
            f"unknown grouping {grouping!r} (expected one of: {', '.join(GROUPINGS)})",
            field="grouping",
        )
    return grouping


def region_of(state: str, grouping: str = DEFAULT_GROUPING) -> str:
    """The id of the region a state belongs to under `grouping`."""
    return _REGION_BY_STATE[_check_grouping(grouping)][normalize_state(state)].id


def regions(grouping: str = DEFAULT_GROUPING) -> tuple[Region, ...]:
    """Every region of `grouping`, in its conventional order, with its member states."""
    return _TABLE[_check_grouping(grouping)]


def get_region(region_id: str, grouping: str = DEFAULT_GROUPING) -> Region:
    for region in regions(grouping):
        if region.id == region_id:
            return region
    raise ValidationFailed(f"unknown region {region_id!r} in grouping {grouping!r}", field="region")


def coverage_targets(
    grouping: str = DEFAULT_GROUPING, overrides: dict[str, int] | None = None
) -> dict[str, int]:
    """Active leaders wanted per region: the default target unless a region is overridden."""
    targets = {region.id: DEFAULT_COVERAGE_TARGET for region in regions(grouping)}
    problems = []
    for region_id, target in (overrides or {}).items():
        if region_id not in targets:
            problems.append({"field": "region", "message": f"unknown region {region_id!r}"})
        elif isinstance(target, bool) or not isinstance(target, int) or target < 0:
            problems.append({"field": "target", "message": f"{region_id}: target must be a whole number >= 0"})
        else:
            targets[region_id] = target
    if problems:
        raise ValidationFailed(problems)
    return targets
