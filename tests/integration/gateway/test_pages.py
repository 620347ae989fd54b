"""Server-rendered pages over real HTTP: public pages and forms, signing in with a form,
the leader's and the manager's pages, and every link path a service puts in mail."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from werkzeug.test import EnvironBuilder

from services.contracts.screenings import PUBLIC_PATHS
from services.gateway.routes import ROUTES
from services.leaders.app.training import LEADER_PATHS
from services.leaders.domain.learning import answer_key
from services.leaders.mentorship.paths import MENTORSHIP_PATHS
from services.mailer.notifications import MAILER_PATHS

from .conftest import APPLICATION, PASSWORD, pending_application
from .test_api import register_when_projected


def test_every_path_a_service_emits_is_routed():
    url_map = ROUTES.url_map()
    emitted = [*MENTORSHIP_PATHS.values(), *PUBLIC_PATHS.values(), *MAILER_PATHS.values(), *LEADER_PATHS.values()]
    for pattern in emitted:
        path, _, query = pattern.partition("?")
        concrete = re.sub(r"\{[a-z_]+\}", "7", path)
        route, _ = url_map.bind_to_environ(EnvironBuilder(path=concrete, method="GET").get_environ()).match()
        assert route.method == "GET", pattern


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html)[1]


def signin_token_of(html: str) -> str:
    return re.search(r'name="signin_token" value="([^"]+)"', html)[1]


def test_public_pages_and_forms(stack):
    public = stack.browser(stack.base_url)
    home = public.get("/")
    assert home.status_code == 200 and "text/html" in home.headers["Content-Type"]
    assert 'href="/mentorship/request"' in home.text and "<script" not in home.text
    directory = public.get("/directory")
    assert directory.status_code == 200 and "Alex Able" in directory.text and "@" not in directory.text

    screening = register_when_projected(stack.clients["a"], stack.leader_ids["a"])
    assert stack.manager.post(f"/api/screenings/{screening['id']}/approve").status_code == 200
    listing = public.get("/screenings")
    assert f'/screenings/{screening["id"]}' in listing.text
    detail = public.get(f"/screenings/{screening['id']}")
    assert detail.status_code == 200 and 'action="/screenings/' in detail.text
    rsvp = public.post(f"/screenings/{screening['id']}/rsvp", data={"name": "<b>Pat</b>", "email": "pat@example.org"})
    assert rsvp.status_code == 200 and "registered" in rsvp.text

    joined = public.post("/join", data={
        **{k: v for k, v in APPLICATION.items() if k != "reference"}, "email": "new.leader@pd.example.gov",
        "reference_name": "Chief Ruiz", "reference_contact": "ruiz@pd.example.gov"})
    assert joined.status_code == 200 and "Application received" in joined.text
    form = public.get("/mentorship/request")
    assert form.status_code == 200 and 'value="community-policing"' in form.text
    bad = public.post("/mentorship/request", data={
        "requester_name": "<script>x</script>", "agency": "PD", "role": "Officer", "email": "nope",
        "state": "GA", "topic": "community-policing", "description": "too short", "urgency": "normal"})
    assert bad.status_code == 422 and "<script>x" not in bad.text and "email" in bad.text
    assert public.get("/mentorship/status/forged").status_code == 404


def test_sign_in_form_leader_home_and_manager_pages(stack):
    leader = stack.browser(stack.base_url)
    form = leader.get("/leader")
    assert form.status_code == 401  # the sign-in form, as a page
    signed = leader.post("/signin", data={"email": "alex@pd.example.gov", "password": PASSWORD, "next": "//evil.example",
                                          "signin_token": signin_token_of(form.text)}, allow_redirects=False)
    assert signed.status_code == 303 and signed.headers["Location"].endswith("/leader")
    home = leader.get("/leader")
    assert home.status_code == 200 and "Welcome, Alex Able" in home.text
    assert leader.get("/manage/coverage").status_code == 403
    assert leader.get("/manage/applications").status_code == 403
    # The training reminder's link: the modules, and passing one's knowledge check.
    training = leader.get("/leader/training")
    assert training.status_code == 200 and "Mentoring peers" in training.text and "Not yet passed" in training.text
    assert 'href="/leader/training/mentoring-peers"' in training.text
    done = leader.post("/leader/training/mentoring-peers",
                       data={**answer_key("mentoring-peers"), "csrf_token": csrf_of(training.text)},
                       allow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"].endswith("/leader/training/mentoring-peers")
    assert "Done on" in leader.get("/leader/training/mentoring-peers").text
    assert stack.manager.get(f"/api/leaders/{stack.leader_ids['a']}/training").json()["modules"][0]["completed_at"]
    # Forms of a signed-in session need its CSRF token.
    token = csrf_of(home.text)
    assert leader.post("/signout", data={}).status_code == 403
    out = leader.post("/signout", data={"csrf_token": token}, allow_redirects=False)
    assert out.status_code == 303 and leader.get("/leader").status_code == 401

    manager = stack.browser(stack.base_url)
    manager.post("/signin", data={"email": "manager@niot.example.org", "password": PASSWORD,
                                  "signin_token": signin_token_of(manager.get("/signin").text)})
    dashboard = manager.get("/manage/coverage")
    assert dashboard.status_code == 200 and "Region 4" in dashboard.text and 'class="red"' in dashboard.text
    assert stack.browser(stack.base_url).post(
        "/api/applications", json={**APPLICATION, "email": "q@pd.example.gov"}).status_code == 202
    applied = pending_application(stack.manager, "q@pd.example.gov")
    queue = manager.get("/manage/applications")
    assert queue.status_code == 200 and "Sam Carter" in queue.text
    decided = manager.post(f"/manage/applications/{applied}/waitlist",
                           data={"csrf_token": csrf_of(queue.text)}, allow_redirects=False)
    assert decided.status_code == 303
    assert stack.manager.get(f"/api/applications/{applied}").json()["status"] == "waitlisted"


def test_organisers_reschedule_and_cancel_a_screening_through_its_page(stack):
    host = stack.clients["a"]
    screening = register_when_projected(host, stack.leader_ids["a"])
    assert stack.manager.post(f"/api/screenings/{screening['id']}/approve").status_code == 200
    page_path = f"/manage/screenings/{screening['id']}"
    assert stack.clients["b"].get(page_path).status_code == 403  # not an organiser

    page = host.get(page_path)
    old_start = screening["local_start"][:16]
    assert page.status_code == 200 and f'value="{old_start}"' in page.text and "America/New_York" in page.text
    start = (datetime.fromisoformat(screening["local_start"]) + timedelta(days=1)).replace(hour=19)
    fields = {"start": start.strftime("%Y-%m-%dT%H:%M"), "end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
              "message": "One day later, same place.", "csrf_token": csrf_of(page.text)}
    backwards = host.post(f"{page_path}/reschedule", data={**fields, "end": fields["start"]})
    assert backwards.status_code == 422 and "end" in backwards.text
    sequence = host.get(f"/api/screenings/{screening['id']}").json()["sequence"]
    moved = host.post(f"{page_path}/reschedule", data=fields)
    assert moved.status_code == 200 and "Rescheduled" in moved.text
    view = host.get(f"/api/screenings/{screening['id']}").json()
    assert view["local_start"].startswith(fields["start"]) and view["sequence"] == sequence + 1

    token = csrf_of(host.get(page_path).text)
    unexplained = host.post(f"{page_path}/cancel", data={"message": "", "csrf_token": token})
    assert unexplained.status_code == 422 and "Message:</strong> is required" in unexplained.text
    cancelled = host.post(f"{page_path}/cancel", data={"message": "The library closed.", "csrf_token": token})
    assert cancelled.status_code == 200 and "Cancelled" in cancelled.text
    assert host.get(f"/api/screenings/{screening['id']}").json()["status"] == "cancelled"
    after = host.get(page_path)
    assert "can no longer be changed" in after.text and "/reschedule" not in after.text
    again = host.post(f"{page_path}/cancel", data={"message": "Again.", "csrf_token": csrf_of(after.text)})
    assert again.status_code == 409
