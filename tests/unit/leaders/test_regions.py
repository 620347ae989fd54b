import pytest

from services.leaders.regions import (
    DEFAULT_COVERAGE_TARGET,
    DEFAULT_GROUPING,
    GROUPINGS,
    STATES,
    TERRITORIES,
    coverage_targets,
    get_region,
    normalize_state,
    region_of,
    regions,
)
from services.runtime.errors import ValidationFailed

# Written out independently of the module's table, from the HHS regional office list and
# the Census Bureau's regions and divisions, so a slip in either one shows up here.
FEDERAL = {
    "region-1": "CT ME MA NH RI VT",
    "region-2": "NJ NY PR VI",
    "region-3": "DE DC MD PA VA WV",
    "region-4": "AL FL GA KY MS NC SC TN",
    "region-5": "IL IN MI MN OH WI",
    "region-6": "AR LA NM OK TX",
    "region-7": "IA KS MO NE",
    "region-8": "CO MT ND SD UT WY",
    "region-9": "AZ CA HI NV AS GU MP",
    "region-10": "AK ID OR WA",
}
CENSUS_DIVISION = {
    "new-england": "CT ME MA NH RI VT",
    "middle-atlantic": "NJ NY PA",
    "east-north-central": "IL IN MI OH WI",
    "west-north-central": "IA KS MN MO NE ND SD",
    "south-atlantic": "DE DC FL GA MD NC SC VA WV",
    "east-south-central": "AL KY MS TN",
    "west-south-central": "AR LA OK TX",
    "mountain": "AZ CO ID MT NV NM UT WY",
    "pacific": "AK CA HI OR WA",
    "territories": "AS GU MP PR VI",
}
DIVISION_TO_REGION = {
    "new-england": "northeast", "middle-atlantic": "northeast",
    "east-north-central": "midwest", "west-north-central": "midwest",
    "south-atlantic": "south", "east-south-central": "south", "west-south-central": "south",
    "mountain": "west", "pacific": "west",
    "territories": "territories",
}


def _by_state(table):
    return {state: region for region, members in table.items() for state in members.split()}


EXPECTED = {
    "federal": _by_state(FEDERAL),
    "census_division": _by_state(CENSUS_DIVISION),
    "census_region": {s: DIVISION_TO_REGION[d] for s, d in _by_state(CENSUS_DIVISION).items()},
}


def test_the_table_covers_fifty_states_dc_and_five_territories():
    assert len(STATES) == 56
    assert TERRITORIES == {"PR", "VI", "GU", "AS", "MP"}
    assert "DC" in STATES
    for grouping in GROUPINGS:
        assert set(EXPECTED[grouping]) == set(STATES)


@pytest.mark.parametrize("grouping", sorted(GROUPINGS))
@pytest.mark.parametrize("state", sorted(STATES))
def test_every_state_has_its_region_under_every_grouping(state, grouping):
    assert region_of(state, grouping) == EXPECTED[grouping][state]


@pytest.mark.parametrize("grouping", sorted(GROUPINGS))
def test_each_state_is_listed_in_exactly_one_region(grouping):
    listed = [state for region in regions(grouping) for state in region.states]
    assert sorted(listed) == sorted(STATES)
    for region in regions(grouping):
        assert region.grouping == grouping
        assert all(region_of(state, grouping) == region.id for state in region.states)


def test_federal_is_the_default_grouping_with_ten_regions():
    assert DEFAULT_GROUPING == "federal"
    assert region_of("WA") == "region-10"
    assert [r.id for r in regions()] == [f"region-{n}" for n in range(1, 11)]
    assert [r.name for r in regions()][:2] == ["Region 1 (Boston)", "Region 2 (New York)"]


def test_census_has_four_regions_and_nine_divisions_plus_territories():
    assert [r.id for r in regions("census_region")] == ["northeast", "midwest", "south", "west", "territories"]
    assert len(regions("census_division")) == 10
    assert get_region("territories", "census_region").states == ("AS", "GU", "MP", "PR", "VI")


@pytest.mark.parametrize(
    ("state", "grouping", "region"),
    [
        ("NJ", "federal", "region-2"),
        ("PR", "federal", "region-2"),
        ("VI", "federal", "region-2"),
        ("DC", "federal", "region-3"),
        ("KY", "federal", "region-4"),
        ("MN", "federal", "region-5"),
        ("NM", "federal", "region-6"),
        ("GU", "federal", "region-9"),
        ("HI", "federal", "region-9"),
        ("ID", "federal", "region-10"),
        ("MN", "census_region", "midwest"),
        ("DC", "census_region", "south"),
        ("DE", "census_division", "south-atlantic"),
        ("NM", "census_division", "mountain"),
        ("PR", "census_region", "territories"),
    ],
)
def test_known_memberships(state, grouping, region):
    assert region_of(state, grouping) == region


@pytest.mark.parametrize(
    ("value", "code"),
    [("ny", "NY"), (" New York ", "NY"), ("new   york", "NY"), ("DISTRICT OF COLUMBIA", "DC"),
     ("Puerto Rico", "PR"), ("virgin islands", "VI"), ("Washington DC", "DC"), ("washington", "WA")],
)
def test_normalize_state_accepts_codes_and_names_in_any_case(value, code):
    assert normalize_state(value) == code


@pytest.mark.parametrize("value", ["XX", "Atlantis", "FM", "UM", "", "  ", None, 12])
def test_normalize_state_refuses_unknown_values_naming_them(value):
    with pytest.raises(ValidationFailed) as caught:
        normalize_state(value)
    assert caught.value.field == "state"
    if isinstance(value, str) and value.strip():
        assert value in caught.value.message


def test_region_of_accepts_a_state_name():
    assert region_of("oregon", "census_division") == "pacific"


def test_unknown_grouping_and_region_are_refused():
    with pytest.raises(ValidationFailed) as caught:
        region_of("NY", "counties")
    assert caught.value.field == "grouping"
    with pytest.raises(ValidationFailed) as caught:
        get_region("region-11")
    assert caught.value.field == "region"


def test_coverage_target_defaults_to_five_per_region():
    assert DEFAULT_COVERAGE_TARGET == 5
    targets = coverage_targets()
    assert targets == {f"region-{n}": 5 for n in range(1, 11)}
    assert coverage_targets("census_region", {"west": 8})["west"] == 8


def test_coverage_target_overrides_are_checked():
    with pytest.raises(ValidationFailed) as caught:
        coverage_targets("federal", {"region-99": 3, "region-1": -1})
    assert {e["field"] for e in caught.value.errors} == {"region", "target"}
