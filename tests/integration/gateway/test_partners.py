"""Partners and the feedback page through the gateway on the real broker: the API's
filters and who may add and edit; the manager's pages (a form that keeps what was typed,
a notice after saving); the public screening page naming its partners."""
from __future__ import annotations

from .test_api import screening_details
from .test_pages import csrf_of, signin_token_of
from .conftest import PASSWORD
from tests.integration.kit.helpers import wait_for

SCHOOL = {"name": "Grady High School", "kind": "school", "city": "Atlanta", "state": "GA", "postal_code": "30309",
          "website": "https://grady.example.org", "contact_role": "Principal"}


def test_partners_through_the_api_and_the_pages(stack):
    leader, other, manager = stack.clients["a"], stack.clients["b"], stack.manager
    anonymous = stack.browser(stack.base_url)
    assert anonymous.post("/api/partners", json=SCHOOL).status_code == 401
    added = leader.post("/api/partners", json=SCHOOL, headers={"Idempotency-Key": "partner-1"})
    assert added.status_code == 201, added.text
    again = leader.post("/api/partners", json=SCHOOL, headers={"Idempotency-Key": "partner-1"})
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    partner = added.json()
    assert partner["kind_label"] == "School or college" and "email" not in partner
    refused = leader.post("/api/partners", json={**SCHOOL, "name": "", "contact_role": "pat@grady.example.org"})
    assert refused.status_code == 422
    assert {e["field"].split(".")[-1] for e in refused.json()["errors"]} == {"name", "contact_role"}
    assert leader.post("/api/partners", json=SCHOOL).status_code == 409  # the same name in the same state

    assert other.request("PATCH", f"/api/partners/{partner['id']}", json={"city": "Decatur"}).status_code == 403
    moved = manager.request("PATCH", f"/api/partners/{partner['id']}", json={"city": "Decatur"})
    assert moved.json()["city"] == "Decatur"
    in_region = anonymous.get("/api/partners", params={"region": "region-4"}).json()
    assert [p["id"] for p in in_region["items"]] == [partner["id"]]
    assert anonymous.get("/api/partners", params={"region": "region-9"}).json()["total"] == 0
    assert anonymous.get("/api/partners", params={"region": "atlantis"}).status_code == 422

    details = {**screening_details(), "partners": ["grady high school", "Atlanta Interfaith Alliance"]}
    box = {}

    def registered():
        box["r"] = leader.post("/api/screenings", json={"host_id": stack.leader_ids["a"], "details": details})
        return box["r"].status_code == 201

    wait_for(registered, timeout=20, interval=0.3)
    sid = box["r"].json()["id"]
    assert anonymous.get(f"/api/screenings/{sid}/partners").status_code == 404  # awaiting review: not public
    assert manager.post(f"/api/screenings/{sid}/approve").status_code == 200
    named = anonymous.get(f"/api/screenings/{sid}/partners").json()
    assert [p["name"] for p in named] == ["Atlanta Interfaith Alliance", "Grady High School"]
    public_page = anonymous.get(f"/screenings/{sid}")
    assert public_page.status_code == 200 and "Grady High School" in public_page.text
    assert 'href="https://grady.example.org"' in public_page.text

    browser = stack.browser(stack.base_url)
    browser.post("/signin", data={"email": "manager@niot.example.org", "password": PASSWORD,
                                  "signin_token": signin_token_of(browser.get("/signin").text)})
    listing = browser.get("/manage/partners", params={"region": "region-4"})
    assert listing.status_code == 200 and "Grady High School" in listing.text and "To complete" in listing.text
    assert browser.get("/manage/partners", params={"kind": "spaceship"}).status_code == 422
    form = browser.get("/manage/partners/new")
    typed = {"name": "Morehouse College", "kind": "school", "city": "", "state": "GA", "website": "ftp://x",
             "csrf_token": csrf_of(form.text), "idempotency_key": "new-partner-page-1"}
    kept = browser.post("/manage/partners/new", data=typed)
    assert kept.status_code == 422 and 'value="Morehouse College"' in kept.text and "https://" in kept.text
    done = browser.post("/manage/partners/new", data={**typed, "city": "Atlanta", "website": "",
                                                      "idempotency_key": "new-partner-page-2"},
                        allow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"].endswith("/manage/partners")
    assert "The partner is added" in browser.get("/manage/partners").text
    edit = browser.get(f"/manage/partners/{partner['id']}")
    saved = browser.post(f"/manage/partners/{partner['id']}",
                         data={**SCHOOL, "city": "Atlanta", "csrf_token": csrf_of(edit.text)}, allow_redirects=False)
    assert saved.status_code == 303 and "The partner is saved" in browser.get(saved.headers["Location"]).text
    feedback = browser.get("/manage/feedback", params={"days": "30"})
    assert feedback.status_code == 200 and "Attendees' feedback" in feedback.text
    assert browser.get("/manage/feedback", params={"days": "7"}).status_code == 422
