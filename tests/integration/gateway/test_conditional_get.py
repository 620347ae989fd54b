"""Feeds and event files answer conditional requests the way calendar clients send them:
weak validators, lists, `*`, If-Modified-Since; event files carry a validator and may be
cached briefly."""
from __future__ import annotations

from datetime import datetime, timedelta

from .test_api import register_when_projected, screening_details


def test_feeds_and_event_files_answer_conditional_requests(stack):
    sid = register_when_projected(stack.clients["a"], stack.leader_ids["a"])["id"]
    assert stack.manager.post(f"/api/screenings/{sid}/approve").status_code == 200
    public = stack.browser(stack.base_url)
    feed = public.get("/feeds/screenings.ics")
    etag, last_modified = feed.headers["ETag"], feed.headers["Last-Modified"]
    for header in (etag, f"W/{etag}", f'"stale", {etag}', "*"):
        answer = public.get("/feeds/screenings.ics", headers={"If-None-Match": header})
        assert answer.status_code == 304 and answer.headers["ETag"] == etag, header
    assert public.get("/feeds/screenings.ics", headers={"If-Modified-Since": last_modified}).status_code == 304
    older = "Thu, 01 Jan 2015 00:00:00 GMT"
    assert public.get("/feeds/screenings.ics", headers={"If-Modified-Since": older}).status_code == 200
    # If-None-Match decides when both are sent.
    both = {"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
    assert public.get("/feeds/screenings.ics", headers=both).status_code == 200

    event = public.get(f"/screenings/{sid}/event.ics")
    assert event.status_code == 200 and event.text.startswith("BEGIN:VCALENDAR")
    assert "no-store" not in event.headers["Cache-Control"] and "max-age" in event.headers["Cache-Control"]
    for header in (event.headers["ETag"], f"W/{event.headers['ETag']}", "*"):
        assert public.get(f"/screenings/{sid}/event.ics", headers={"If-None-Match": header}).status_code == 304
    assert public.get(f"/screenings/{sid}/event.ics", headers={"If-None-Match": '"stale"'}).status_code == 200
    start = datetime.fromisoformat(screening_details()["start"]) + timedelta(days=2)
    moved = stack.clients["a"].post(f"/api/screenings/{sid}/reschedule", json={
        "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()})
    assert moved.status_code == 200, moved.text
    changed = public.get(f"/screenings/{sid}/event.ics", headers={"If-None-Match": event.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != event.headers["ETag"]
