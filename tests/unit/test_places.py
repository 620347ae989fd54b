"""The offline place lookup and the distance rules behind "near me"."""
from __future__ import annotations

import pytest

from services.runtime import places


def test_a_zip_code_is_found_with_its_city():
    place = places.locate("62701")
    assert place is not None and place.label == "62701 (Springfield, IL)"
    assert place.latitude == pytest.approx(39.8, abs=0.1) and place.longitude == pytest.approx(-89.65, abs=0.1)
    assert places.locate("62701-1234") == place


def test_a_city_with_its_state_is_the_middle_of_its_zip_codes():
    place = places.locate("springfield,  il")
    assert place is not None and place.label == "Springfield, IL"
    assert place.latitude == pytest.approx(39.8, abs=0.3)
    assert places.locate("Springfield, MA").longitude > -73.0


@pytest.mark.parametrize("text", ["", "6270", "00000", "Springfield", "Nowhere, IL", "Springfield, ZZ"])
def test_what_is_not_a_known_place_is_none(text):
    assert places.locate(text) is None


def test_distances_in_miles():
    chicago, springfield = places.locate("60601"), places.locate("62701")
    miles = places.distance_miles(chicago.latitude, chicago.longitude, springfield.latitude, springfield.longitude)
    assert 170 < miles < 190  # about 180 miles by air
    assert places.distance_miles(40.0, -90.0, 40.0, -90.0) == 0
    # A quarter of the way round the equator.
    assert places.distance_miles(0, 0, 0, 90) == pytest.approx(6218.4, rel=1e-3)


@pytest.mark.parametrize("latitude,longitude,miles", [(39.8, -89.65, 50), (64.8, -147.7, 300), (21.3, -157.8, 25)])
def test_the_bounding_box_holds_every_point_within_the_radius(latitude, longitude, miles):
    south, north, west, east = places.bounding_box(latitude, longitude, miles)
    for bearing_lat, bearing_lon in [(1, 0), (-1, 0), (0, 1), (0, -1), (0.7, 0.7), (-0.7, -0.7)]:
        # Walk out towards the edge until just inside the radius; the point must be in the box.
        step = 0.001
        lat, lon = latitude, longitude
        while places.distance_miles(latitude, longitude, lat + bearing_lat * step, lon + bearing_lon * step) < miles:
            lat, lon = lat + bearing_lat * step, lon + bearing_lon * step
        assert south <= lat <= north and west <= lon <= east


def test_the_box_widens_near_a_pole():
    assert places.bounding_box(88.9, 10.0, 100)[2:] == (-180.0, 180.0)
