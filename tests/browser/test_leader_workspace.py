"""The leader workspace in a real browser: a leader registers a screening (after an error
that keeps what was typed), a manager approves it, a member of the public takes a seat
and gets the invitation by mail, the leader sees the attendee, checks in a walk-in and
files a report for an event that is over. Every page passes check_page."""
from __future__ import annotations

import random
import re
import string
import time
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_page, choose_password, link_to

pytestmark = pytest.mark.browser


def _signed_in_leader(context, demo_leader_links, address: str):
    """A page signed in as the demo leader at `address`: from their set-up link, or with
    the password an earlier test chose from it."""
    page = context.new_page()
    if address in demo_leader_links:
        choose_password(page, demo_leader_links.pop(address))
        return page
    page.goto("/signin")
    page.get_by_label("Email").fill(address)
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("You are signed in.")).to_be_visible()
    return page


@pytest.fixture
def reporting_leader(context, demo_leader_links, manager_page):
    """A demo leader who is not a trusted host (their screenings wait for review) and
    hosted an event that is over with no report yet, signed in."""
    found = manager_page.request.get("/api/manage/screenings?status=completed&page_size=100").json()["items"]
    due = {s["host"]["leader_id"]: s for s in found if s.get("report_filed") is False}
    for leader_id, screening in due.items():
        leader = manager_page.request.get(f"/api/leaders/{leader_id}").json()
        if not leader["trusted_host"] and leader["email"].lower() in demo_leader_links:
            page = _signed_in_leader(context, demo_leader_links, leader["email"].lower())
            page.due_screening = screening
            return page
    pytest.fail("the demo data has no untrusted leader with a report due")


@pytest.fixture
def untrusted_leader(context, demo_leader_links, manager_page):
    """A demo leader whose screenings wait for a manager's review, signed in."""
    roster = manager_page.request.get("/api/roster?limit=200").json()["leaders"]
    for leader in roster:
        if not leader["trusted_host"] and leader["email"].lower() in demo_leader_links:
            return _signed_in_leader(context, demo_leader_links, leader["email"].lower())
    pytest.fail("the demo data has no untrusted leader left to sign in as")


def _fill_registration(leader, title: str, *, day: date, city: str = "Tacoma", visibility: str = "public") -> None:
    """Fill in the registration form on the page (a venue in Washington, 6:30 to 8:30 pm)."""
    leader.get_by_label("Format").select_option("community_screening")
    leader.locator("input[name=film]").nth(1).check()
    leader.get_by_label("Title").fill(title)
    leader.get_by_label("General public").check()
    leader.get_by_label("Venue name").fill("Riverside Library")
    leader.get_by_label("Street address").fill("12 Main Street")
    leader.get_by_label("City").fill(city)
    leader.get_by_label("State", exact=True).fill("WA")
    leader.get_by_label("Starts").fill(f"{day.isoformat()}T18:30")
    leader.get_by_label("Ends").fill(f"{day.isoformat()}T20:30")
    leader.get_by_label("Seats").fill("40")
    leader.get_by_label("Who can come").select_option(visibility)


def _register(leader, title: str, *, day: date, visibility: str = "public") -> str:
    """Fill in and send the registration form; returns the screening's workspace address."""
    leader.goto("/leader/screenings/new")
    _fill_registration(leader, title, day=day, visibility=visibility)
    leader.get_by_role("button", name="Register").click()
    expect(leader.get_by_text("Your screening is registered.")).to_be_visible()
    return leader.url


def _anonymous(browser, site):
    context = browser.new_context(base_url=site.base_url, viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site.base_url)
                  else site.record_escape(route))
    return context


def test_a_leader_registers_a_screening_people_come_and_the_report_is_filed(
        reporting_leader, manager_page, browser, site):
    leader = reporting_leader
    title = f"Not In Our Town night {uuid.uuid4().hex[:6]}"
    day = date.today() + timedelta(days=40)

    leader.goto("/leader")
    expect(leader.get_by_role("heading", name="Reports due")).to_be_visible()
    expect(leader.get_by_role("link", name=f"File the report for {leader.due_screening['title']}").first).to_be_visible()
    expect(leader.get_by_role("link", name="subscribe in your calendar app")).to_have_attribute(
        "href", re.compile(r"^webcal://.+/feeds/leaders/\d+/screenings\.ics$"))
    check_page(leader, "leader-home")

    leader.get_by_role("link", name="Register a screening or discussion").first.click()
    check_page(leader, "leader-screening-new")
    _fill_registration(leader, title, day=day, city="")  # the city is left out
    leader.get_by_role("button", name="Register").click()

    expect(leader.locator("#venue_city-error")).to_be_visible()
    expect(leader.get_by_label("Venue name")).to_have_value("Riverside Library")
    expect(leader.get_by_label("Title")).to_have_value(title)
    expect(leader.get_by_label("General public")).to_be_checked()
    check_page(leader, "leader-screening-new-error")
    leader.get_by_label("City").fill("Seattle")
    leader.get_by_role("button", name="Register").click()

    expect(leader.get_by_text("Your screening is registered.")).to_be_visible()
    expect(leader.get_by_role("heading", name=title)).to_be_visible()
    expect(leader.get_by_text("Awaiting approval")).to_be_visible()
    check_page(leader, "leader-screening-workspace")
    workspace = leader.url
    screening_id = workspace.rstrip("/").rsplit("/", 1)[1]

    manager_page.goto(f"/manage/screenings/{screening_id}/review")
    manager_page.get_by_role("button", name="Approve").click()
    expect(manager_page.get_by_text("The screening is approved and published on the calendar.")).to_be_visible()

    public = _anonymous(browser, site).new_page()
    public.goto(f"/screenings/{screening_id}")
    expect(public.get_by_role("heading", name=title)).to_be_visible()
    public.get_by_label("Name").fill("Robin Attendee")
    public.get_by_label("Email").fill("robin.attendee@example.com")
    public.get_by_role("button", name=re.compile("RSVP|Register|seat", re.I)).click()
    expect(public.get_by_role("heading", name="You are registered")).to_be_visible()
    mail = site.wait_for_mail("robin.attendee@example.com", title)
    assert any(part.get_content_type() == "text/calendar" for part in mail.walk())
    public.context.close()

    leader.goto(workspace)
    expect(leader.get_by_text("Approved", exact=True)).to_be_visible()
    leader.get_by_role("link", name="Attendees and waitlist").click()
    expect(leader.get_by_text("Robin Attendee")).to_be_visible()
    leader.get_by_role("button", name="Check in").click()
    expect(leader.locator("#name-error")).to_be_visible()
    leader.get_by_label("Name").fill("Sam Walkin")
    leader.get_by_role("button", name="Check in").click()
    expect(leader.get_by_text("Checked in: the walk-in is on the attendee list.")).to_be_visible()
    expect(leader.get_by_text("Sam Walkin")).to_be_visible()
    check_page(leader, "leader-attendees")
    leader.get_by_label("Your message").fill("Park behind the library; the front lot is closed.")
    leader.get_by_role("button", name="Send the message").click()
    expect(leader.locator("#message-subject-error")).to_be_visible()
    expect(leader.get_by_label("Your message")).to_have_value("Park behind the library; the front lot is closed.")
    leader.get_by_label("Subject").fill("Parking")
    leader.get_by_role("button", name="Send the message").click()
    expect(leader.get_by_text("Your message is on its way")).to_be_visible()
    assert "front lot is closed" in site.wait_for_mail("robin.attendee@example.com", "Parking").get_body(
        preferencelist=("plain",)).get_content()

    leader.goto(f"/manage/screenings/{leader.due_screening['id']}/report")
    check_page(leader, "leader-report")
    leader.get_by_label("How many people came").fill("")
    leader.get_by_label("Notes").fill("A full room and a long talk afterwards.")
    leader.get_by_role("button", name="File the report").click()
    expect(leader.locator("#head_count-error")).to_be_visible()
    expect(leader.get_by_label("Notes")).to_have_value("A full room and a long talk afterwards.")
    check_page(leader, "leader-report-error")
    covered_before = _coverage_summary(manager_page)
    leader.get_by_label("How many people came").fill("34")
    leader.get_by_label("Law enforcement").check()
    leader.get_by_role("button", name="File the report").click()
    expect(leader.get_by_text("Thank you: your report is filed.")).to_be_visible()
    # The network's figures count the report: one more filed, 34 more people reached.
    covered_after = _coverage_summary(manager_page)
    assert covered_after["reports_filed"] == covered_before["reports_filed"] + 1
    assert covered_after["attendance"] == covered_before["attendance"] + 34
    manager_page.goto("/manage/coverage")
    check_page(manager_page, "manage-coverage-after-report")


def _coverage_summary(manager_page) -> dict:
    """Reports filed and people reached in the last year over every region, computed afresh."""
    window = {"window_start": (date.today() - timedelta(days=365)).isoformat(), "window_end": date.today().isoformat()}
    answer = manager_page.request.get("/api/coverage", params=window, headers={"Cache-Control": "no-cache"})
    assert answer.ok, answer.text()
    regions = answer.json()["regions"]
    return {figure: sum(region[figure] for region in regions) for figure in ("reports_filed", "attendance")}


def test_invitees_reach_an_invitation_only_event_through_their_mail(untrusted_leader, manager_page, browser, site):
    leader = untrusted_leader
    title = f"Roll call discussion {uuid.uuid4().hex[:6]}"
    workspace = _register(leader, title, day=date.today() + timedelta(days=45), visibility="invitation_only")
    screening_id = workspace.rstrip("/").rsplit("/", 1)[1]
    manager_page.goto(f"/manage/screenings/{screening_id}/review")
    manager_page.get_by_role("button", name="Approve").click()
    expect(manager_page.get_by_text("The screening is approved and published on the calendar.")).to_be_visible()

    leader.goto(workspace)
    leader.get_by_role("link", name="Invite people").click()
    check_page(leader, "leader-invitations")
    leader.get_by_label("Email addresses").fill(
        "Ann Invitee <ann.invitee@example.com>, not-an-address\nbo.invitee@example.com")
    leader.get_by_role("button", name="Send the invitations").click()
    expect(leader.locator("#addresses-error")).to_contain_text("not-an-address")
    expect(leader.get_by_label("Email addresses")).to_have_value("not-an-address")
    expect(leader.get_by_text("Ann Invitee")).to_be_visible()
    expect(leader.get_by_text("bo.invitee@example.com")).to_be_visible()
    expect(leader.get_by_text("Has a seat, not answered yet")).to_have_count(2)
    check_page(leader, "leader-invitations-error")

    mail = site.wait_for_mail("ann.invitee@example.com", "You are invited")
    link = link_to(mail, site.base_url, f"/screenings/{screening_id}?rsvp=")
    site.wait_for_mail("bo.invitee@example.com", "You are invited")

    invitee = _anonymous(browser, site).new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name=title)).to_be_visible()
    expect(invitee.get_by_text("Ann Invitee, a seat is reserved for you.")).to_be_visible()
    check_page(invitee, "public-invited-screening")
    invitee.context.close()

    stranger = _anonymous(browser, site).new_page()
    assert stranger.goto(f"/screenings/{screening_id}").status == 404
    assert stranger.goto(f"/screenings/{screening_id}?rsvp=nobody&token=guess").status == 404
    stranger.context.close()


def test_a_leader_edits_their_profile_and_availability(leader_page):
    leader = leader_page
    leader.goto("/leader")
    leader.get_by_role("link", name="Your profile").click()
    check_page(leader, "leader-profile")
    leader.get_by_label("About you").fill("Community liaison; I run roll-call screenings.")
    leader.get_by_label("ZIP code").fill("00000")
    leader.get_by_label("Mentees at a time").fill("-1")
    leader.get_by_role("button", name="Save the profile").click()
    expect(leader.locator("#max_mentees-error")).to_be_visible()
    expect(leader.locator("#postal_code-error")).to_be_visible()
    expect(leader.get_by_label("About you")).to_have_value("Community liaison; I run roll-call screenings.")
    leader.get_by_label("ZIP code").fill("30303")
    check_page(leader, "leader-profile-error")
    leader.get_by_label("Mentees at a time").fill("2")
    leader.get_by_role("button", name="Save the profile").click()
    expect(leader.get_by_text("Your profile is saved.")).to_be_visible()
    expect(leader.get_by_label("About you")).to_have_value("Community liaison; I run roll-call screenings.")
    expect(leader.get_by_label("ZIP code")).to_have_value("30303")

    leader.get_by_label("I am away").check()
    leader.get_by_role("button", name="Save availability").click()
    expect(leader.locator("#away_until-error")).to_be_visible()
    leader.get_by_label("I am away").check()
    leader.get_by_label("Away until").fill((date.today() + timedelta(days=14)).isoformat())
    leader.get_by_role("button", name="Save availability").click()
    expect(leader.get_by_text("Your availability is saved.")).to_be_visible()
    expect(leader.get_by_text("You are away until")).to_be_visible()


def _offered_leader(manager_page, requester: str, timeout: float = 60) -> int:
    """The leader the network offered the request of `requester` to (routing is a message away)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = manager_page.request.get("/api/mentorship/requests?state=offered&limit=200").json()["requests"]
        for request in found:
            if request["requester_name"] == requester and request["leader"]:
                return request["leader"]["id"]
        time.sleep(0.5)
    pytest.fail(f"the request of {requester} was offered to nobody")


def test_a_peers_request_reaches_a_leader_who_accepts_it_on_the_dashboard(
        browser, site, context, demo_leader_links, manager_page):
    address = f"peer-{uuid.uuid4().hex[:8]}@example.org"
    name = "Jordan " + "".join(random.choice(string.ascii_lowercase) for _ in range(8)).capitalize()
    peer = _anonymous(browser, site).new_page()
    peer.goto("/mentorship/request")
    peer.get_by_label("Name").fill(name)
    peer.get_by_label("Agency").fill("Lakeside Police Department")
    peer.get_by_label("Role").fill("Patrol officer")
    peer.get_by_label("Work email").fill(address)
    peer.get_by_label("State", exact=True).fill("WA")
    peer.get_by_label("What you need help with").fill("How to start a community screening after a bias incident.")
    peer.get_by_role("button", name="Send request").click()
    expect(peer.get_by_role("heading", name="Check your email")).to_be_visible()
    mail = site.wait_for_mail(address, "confirm")
    peer.goto(link_to(mail, site.base_url, "/mentorship/confirm/"))
    peer.get_by_role("button", name="Confirm my request").click()
    expect(peer.get_by_role("heading", name="Request confirmed")).to_be_visible()
    peer.context.close()

    leader_id = _offered_leader(manager_page, name)
    email = manager_page.request.get(f"/api/leaders/{leader_id}").json()["email"].lower()
    site.wait_for_mail(email, "asks for your mentoring")
    leader = _signed_in_leader(context, demo_leader_links, email)
    leader.goto("/leader")
    card = leader.locator(".card", has_text=f"From {name}")
    expect(card).to_contain_text("Please answer by")
    check_page(leader, "leader-home-offer")
    card.get_by_role("button", name="Accept").click()
    expect(leader.get_by_role("heading", name="Request accepted")).to_be_visible()
    leader.goto("/leader")
    expect(leader.locator(".card", has_text=f"From {name}")).to_contain_text("Accepted")


def test_a_sent_back_screening_is_edited_with_the_managers_note_and_sent_again(
        untrusted_leader, manager_page):
    leader = untrusted_leader
    title = f"Guided discussion {uuid.uuid4().hex[:6]}"
    workspace = _register(leader, title, day=date.today() + timedelta(days=50))
    screening_id = workspace.rstrip("/").rsplit("/", 1)[1]
    manager_page.goto(f"/manage/screenings/{screening_id}/review")
    manager_page.get_by_label("What the host should change").fill("Please add a co-host from your region.")
    manager_page.get_by_role("button", name="Send back").click()
    expect(manager_page.get_by_text("The screening is sent back; its host has your note by mail.")).to_be_visible()

    leader.goto("/leader")
    card = leader.locator(".card", has_text=title)
    expect(card).to_contain_text("Please add a co-host from your region.")
    card.get_by_role("link", name="Edit and resubmit").click()
    expect(leader.get_by_text("Please add a co-host from your region.")).to_be_visible()
    expect(leader.get_by_label("Title")).to_have_value(title)
    check_page(leader, "leader-screening-edit")

    me = leader.locator(".who").inner_text()
    names = [p["name"] for p in leader.request.get("/api/directory?limit=200").json()["leaders"]]
    cohost = next(n for n in names if names.count(n) == 1 and n not in me)
    leader.get_by_label("Co-hosts").fill("Nobody Byname")
    leader.get_by_label("Seats").fill("25")
    leader.get_by_role("button", name="Send again for review").click()
    expect(leader.locator("#cohosts-error")).to_contain_text("Nobody Byname")
    expect(leader.get_by_label("Seats")).to_have_value("25")
    leader.get_by_label("Co-hosts").fill(cohost)
    leader.get_by_role("button", name="Send again for review").click()
    expect(leader.get_by_text("Your changes are sent.")).to_be_visible()
    expect(leader.get_by_text("Awaiting approval (resubmitted)")).to_be_visible()
    expect(leader.locator("dl.details")).to_contain_text("25 seats")
    expect(leader.locator("dl.details")).to_contain_text(cohost)
    leader.goto(f"/manage/screenings/{screening_id}/edit")
    expect(leader).to_have_url(re.compile(rf"/manage/screenings/{screening_id}$"))
