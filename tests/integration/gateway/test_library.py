"""The resource library through the gateway over the real broker and database: the
program's publications are there on start, searched and filtered by anyone; a program
manager adds, edits, retires and reinstates entries (a leader or the public is refused, a
bad field is named); retired entries leave public search and suggestions; films, a
screening's page and the mentorship request's confirmation suggest entries by topic."""
from __future__ import annotations

from .test_api import register_when_projected

NEW = {"title": "Responding to Bias Incidents on Campus", "publisher": "COPS Office", "kind": "guide",
       "description": "How campus and city officers answer a bias incident together.",
       "topics": ["bias-incident-reporting", "school-safety"], "audiences": ["law_enforcement", "educators"]}


def test_the_seeded_library_is_searched_and_filtered_by_anyone(stack):
    public = stack.browser(stack.base_url)
    everything = public.get("/api/resources", params={"page_size": 100}).json()
    titles = {r["title"] for r in everything["items"]}
    assert everything["total"] == 22 and "Hate Crimes: Recognition and Reporting" in titles
    assert "Vera Institute of Justice" in titles

    lgbtq = public.get("/api/resources", params={"topic": "lgbtq-liaison"}).json()
    assert [r["publisher"] for r in lgbtq["items"]] == ["COPS Office"] and lgbtq["total"] == 1
    guides = public.get("/api/resources", params={"kind": "guide", "text": "racially"}).json()
    assert guides["total"] == 2 and all(r["kind"] == "guide" for r in guides["items"])
    paged = public.get("/api/resources", params={"page_size": 5, "page": 5}).json()
    assert (paged["pages"], len(paged["items"])) == (5, 2)

    unknown = public.get("/api/resources", params={"topic": "knitting"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "topic"
    vocabulary = public.get("/api/resources/vocabulary").json()
    expertise = public.get("/api/expertise").json()
    assert vocabulary["topics"] == expertise

    page = public.get("/resources", params={"text": "immigrant", "kind": "report"})
    assert page.status_code == 200 and "Engaging Police in Immigrant Communities" in page.text
    assert 'value="immigrant"' in page.text and '<option value="report" selected>' in page.text
    empty = public.get("/resources", params={"text": "zebra"})
    assert empty.status_code == 200 and "No resource matches" in empty.text
    assert 'href="/resources"' in public.get("/").text


def test_managers_keep_the_library_and_others_are_refused(stack):
    manager, leader, public = stack.manager, stack.clients["a"], stack.browser(stack.base_url)
    assert leader.post("/api/resources", json=NEW).status_code == 403
    assert public.post("/api/resources", json=NEW).status_code in (401, 403)

    bad = manager.post("/api/resources", json={**NEW, "kind": "poster", "topics": ["knitting"], "title": ""})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"kind", "topics", "title"}

    added = manager.post("/api/resources", json=NEW)
    assert added.status_code == 201, added.text
    entry = added.json()
    assert [t["slug"] for t in entry["topics"]] == ["school-safety", "bias-incident-reporting"]
    assert public.get("/api/resources", params={"text": "campus"}).json()["total"] == 1

    assert leader.request("PATCH", f"/api/resources/{entry['id']}", json={"title": "x"}).status_code == 403
    renamed = manager.request("PATCH", f"/api/resources/{entry['id']}", json={"title": "Bias Incidents on Campus"})
    assert renamed.status_code == 200 and renamed.json()["publisher"] == "COPS Office"
    refused = manager.request("PATCH", f"/api/resources/{entry['id']}", json={"url": "not a link"})
    assert refused.status_code == 422 and refused.json()["field"] == "url"

    assert leader.post(f"/api/resources/{entry['id']}/retire").status_code == 403
    retired = manager.post(f"/api/resources/{entry['id']}/retire")
    assert retired.status_code == 200 and retired.json()["retired"] is True
    assert manager.post(f"/api/resources/{entry['id']}/retire").json()["retired_at"] == retired.json()["retired_at"]
    assert public.get("/api/resources", params={"text": "campus"}).json()["total"] == 0
    assert public.get(f"/api/resources/{entry['id']}").status_code == 404
    suggested = public.get("/api/resources/suggestions", params={"topic": "school-safety"}).json()
    assert entry["id"] not in [r["id"] for r in suggested]
    kept = manager.get("/api/manage/resources", params={"text": "campus"}).json()
    assert [r["retired"] for r in kept["items"]] == [True]
    assert "Bias Incidents on Campus" in manager.get("/manage/resources", params={"text": "campus"}).text

    assert manager.post(f"/api/resources/{entry['id']}/reinstate").json()["retired"] is False
    assert public.get("/api/resources", params={"text": "campus"}).json()["total"] == 1
    assert manager.request("PATCH", "/api/resources/999999", json={"title": "x"}).status_code == 404


def test_films_screenings_and_mentorship_requests_suggest_resources(stack):
    public = stack.browser(stack.base_url)
    by_film = public.get("/api/resources/suggestions", params={"film": "a-prosecutors-stand"}).json()
    assert by_film and by_film[0]["title"] == "Hate Crimes: Recognition and Reporting"
    film_page = public.get("/films/light-in-the-darkness")
    assert "Resources on this film" in film_page.text
    assert "Not In Our Town: Light in the Darkness – A Guide for Law Enforcement" in film_page.text

    a = stack.leader_ids["a"]
    screening = register_when_projected(stack.clients["a"], a)
    assert stack.manager.post(f"/api/screenings/{screening['id']}/approve").status_code == 200
    shown = public.get(f"/screenings/{screening['id']}")
    assert shown.status_code == 200 and "Resources on this film" in shown.text

    form = {"requester_name": "Pat Peer", "agency": "Town PD", "role": "Officer", "email": "pat@town.example.gov",
            "state": "GA", "topic": "lgbtq-liaison", "description": "Starting an LGBTQ+ liaison post.",
            "urgency": "normal"}
    sent = public.post("/mentorship/request", data=form)
    assert sent.status_code == 200, sent.text
    assert "Check your email" in sent.text and "Resources on your topic" in sent.text
    assert "Gender, Sexuality, and 21st Century Policing" in sent.text
