"""The public search's query parameters through the gateway over the real broker: the
directory and the screening list near a ZIP code or a city, nearest first within a radius,
and the film and audience filters combined with the others."""
from __future__ import annotations

from tests.integration.kit.helpers import wait_for

from .conftest import APPLICATION
from .test_api import register_when_projected, screening_details


def test_the_directory_near_a_zip_code_or_a_city_is_nearest_first(stack):
    a, b = stack.leader_ids["a"], stack.leader_ids["b"]
    assert stack.clients["a"].request("PATCH", f"/api/leaders/{a}", json={"postal_code": "30303"}).status_code == 200
    assert stack.clients["b"].request("PATCH", f"/api/leaders/{b}", json={"postal_code": "31401"}).status_code == 200
    unknown_zip = stack.clients["b"].request("PATCH", f"/api/leaders/{b}", json={"postal_code": "00000"})
    assert unknown_zip.status_code == 422 and unknown_zip.json()["errors"][0]["field"] == "postal_code"
    public = stack.browser(stack.base_url)

    near_atlanta = public.get("/api/directory", params={"near": "30308", "radius_miles": 300}).json()
    assert [entry["id"] for entry in near_atlanta["leaders"]] == [a, b] and near_atlanta["total"] == 2
    first, second = (entry["distance_miles"] for entry in near_atlanta["leaders"])
    assert first < 5 and 200 < second < 240
    assert "30303" not in str(near_atlanta) and "@" not in str(near_atlanta)

    near_savannah = public.get("/api/directory", params={"near": "Savannah, GA", "radius_miles": 300}).json()
    assert [entry["id"] for entry in near_savannah["leaders"]] == [b, a]
    within_50 = public.get("/api/directory", params={"near": "30308", "radius_miles": 50}).json()
    assert [entry["id"] for entry in within_50["leaders"]] == [a]
    combined = public.get("/api/directory", params={"near": "30308", "radius_miles": 300, "state": "FL"}).json()
    assert combined["total"] == 0
    paged = public.get("/api/directory", params={"near": "30308", "radius_miles": 300, "limit": 1, "page": 2}).json()
    assert paged["total"] == 2 and [entry["id"] for entry in paged["leaders"]] == [b]
    assert public.get("/api/directory").json()["leaders"][0].get("distance_miles") is None

    unknown = public.get("/api/directory", params={"near": "Nowhere, GA"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "near"


def test_screenings_near_a_place_and_by_film_and_audience(stack):
    a, b = stack.leader_ids["a"], stack.leader_ids["b"]
    atlanta = register_when_projected(stack.clients["a"], a)
    details = screening_details(days=14)
    details["venue"] = {"name": "Library", "address": "1 Bull St", "city": "Savannah", "state": "GA",
                        "postal_code": "31401"}
    details["audiences"] = ["students"]
    def register_in_savannah():
        return stack.clients["b"].post("/api/screenings", json={"host_id": b, "details": details}).status_code == 201

    wait_for(register_in_savannah, timeout=20, interval=0.3)
    bad = dict(details, venue={**details["venue"], "postal_code": "1234"})
    refused = stack.clients["b"].post("/api/screenings", json={"host_id": b, "details": bad})
    assert refused.status_code == 422 and "venue.postal_code" in {e["field"] for e in refused.json()["errors"]}
    public = stack.browser(stack.base_url)
    ids = [s["id"] for s in stack.manager.get("/api/manage/screenings", params={"status": "submitted"}).json()["items"]]
    assert atlanta["id"] in ids and len(ids) >= 2
    for sid in ids:
        assert stack.manager.post(f"/api/screenings/{sid}/approve").status_code == 200

    near = public.get("/api/screenings", params={"near": "31401", "radius_miles": 300}).json()
    assert [s["venue"]["city"] for s in near["items"]][:2] == ["Savannah", "Atlanta"]
    assert near["items"][0]["distance_miles"] < 2 and near["items"][0]["venue"]["postal_code"] == "31401"
    # The Atlanta venue has no ZIP code: it is placed in the middle of its city.
    assert 200 < near["items"][-1]["distance_miles"] < 240
    assert public.get("/api/screenings", params={"near": "31401", "radius_miles": 25}).json()["total"] == len(
        [s for s in near["items"] if s["distance_miles"] <= 25])

    students = public.get("/api/screenings", params={"audience": "students"}).json()
    assert {s["venue"]["city"] for s in students["items"]} == {"Savannah"}
    film = public.get("/api/screenings", params={"film": "waking-in-oak-creek", "audience": "general_public"}).json()
    assert {s["venue"]["city"] for s in film["items"]} == {"Atlanta"}
    assert public.get("/api/screenings", params={"film": "manhattan-beach"}).json()["total"] == 0
    assert public.get("/api/screenings", params={"near": "Nowhere, GA"}).status_code == 422


def test_an_applicant_with_a_zip_code_is_found_near_it_once_approved(stack):
    public = stack.browser(stack.base_url)
    joined = public.post("/join", data={
        **{k: v for k, v in APPLICATION.items() if k != "reference"}, "email": "casey@pd.example.gov",
        "name": "Casey Coast", "postal_code": "31401", "reference_name": "Chief Ruiz",
        "reference_contact": "ruiz@pd.example.gov"})
    assert joined.status_code == 200 and "Application received" in joined.text
    refused = public.post("/join", data={
        **{k: v for k, v in APPLICATION.items() if k != "reference"}, "email": "dana@pd.example.gov",
        "postal_code": "3140", "reference_name": "Chief Ruiz", "reference_contact": "ruiz@pd.example.gov"})
    assert refused.status_code == 422 and 'id="postal_code-error"' in refused.text and 'value="3140"' in refused.text
    pending = stack.manager.get("/api/applications", params={"status": "pending"}).json()["applications"]
    casey = next(a for a in pending if a["name"] == "Casey Coast")
    assert casey["postal_code"] == "31401"
    assert stack.manager.post(f"/api/applications/{casey['id']}/approve", json={}).status_code == 200
    near = public.get("/api/directory", params={"near": "Savannah, GA", "radius_miles": 10}).json()
    assert [entry["name"] for entry in near["leaders"]] == ["Casey Coast"]
