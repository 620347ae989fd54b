"""The program manager's workspace with the demo data, in Chromium: every page passes the
shared checks, and a manager works the queues — approves a screening, offers a mentorship
request to a leader picked by name, resends a message."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_page

pytestmark = pytest.mark.browser

MANAGER_PAGES = ["/manage", "/manage/screenings", "/manage/screenings?report=overdue", "/manage/applications",
                 "/manage/applications?status=waitlisted", "/manage/mentorship", "/manage/mentorship?state=offered",
                 "/manage/deliveries", "/manage/deliveries?state=failed", "/manage/dead-letters",
                 "/manage/roster", "/manage/roster?status=alumni", "/manage/roster/import", "/manage/coverage"]


def test_every_manager_page(manager_page):
    page = manager_page
    for path in MANAGER_PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        check_page(page, "manage" + re.sub(r"[/?=&]+", "-", path[len("/manage"):]))


def test_the_home_counts_the_queues_and_links_each(manager_page):
    page = manager_page
    page.goto("/manage")
    queues = page.locator("main ul.counts a")
    expect(queues).to_have_count(7)  # the materials orders to send among them
    expect(page.get_by_role("link", name=re.compile(r"\d+\s*Screenings awaiting approval"))).to_be_visible()
    page.get_by_role("link", name=re.compile("Mentorship requests with no leader")).click()
    expect(page.get_by_role("heading", name="Mentorship requests", level=1)).to_be_visible()
    expect(page.get_by_label("Show")).to_have_value("open")


def test_a_manager_sends_back_with_a_note_then_approves_from_the_queue(manager_page):
    page = manager_page
    page.goto("/manage/screenings")
    waiting = int(page.get_by_text(re.compile(r"^\d+ events? waiting")).inner_text().split()[0])
    first = page.locator("main .card h2 a").first
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", name=f"Review: {title}")).to_be_visible()
    for what in ("Film", "When", "Where", "Host", "Co-hosts", "Audience", "Format", "Who can come", "Capacity",
                 "Partners", "Description"):
        expect(page.locator("dl.details dt", has_text=re.compile(f"^{what}$"))).to_have_count(1)
    check_page(page, "manage-review")

    page.get_by_role("button", name="Send back").click()  # no note: the form says so, next to the field
    expect(page.locator(".field-error")).to_have_text("Write what the host should change; they get it by mail.")
    check_page(page, "manage-review-error")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("The screening is approved and published on the calendar.")).to_be_visible()
    left = waiting - 1
    expect(page.get_by_text(f"{left} event{'' if left == 1 else 's'} waiting")).to_be_visible()


def test_a_manager_offers_a_request_to_a_leader_picked_by_name(manager_page):
    page = manager_page
    page.goto("/manage/mentorship?state=offered")
    page.locator("main .card h2 a").first.click()
    expect(page.get_by_role("heading", name=re.compile("^Mentorship request from "))).to_be_visible()
    check_page(page, "manage-request")
    page.get_by_role("button", name="Offer to this leader").click()  # nobody picked
    expect(page.locator(".field-error", has_text="Pick a leader from the list.")).to_be_visible()
    choice = page.locator("label.candidate").first
    name = choice.locator("strong").inner_text()
    page.get_by_role("radio", name=re.compile(re.escape(name))).check()
    page.get_by_role("button", name="Offer to this leader").click()
    expect(page.get_by_text("The request is offered to the leader you picked")).to_be_visible()
    expect(page.locator("dl.details")).to_contain_text(name)


def test_a_manager_resends_a_message_from_the_delivery_log(manager_page):
    page = manager_page
    page.goto("/manage/deliveries?recipient=not-an-address")
    expect(page.locator(".field-error")).to_be_visible()
    expect(page.get_by_label("Address")).to_have_value("not-an-address")
    page.goto("/manage/deliveries")
    card = page.locator("main .card").first
    recipient = card.locator("p").first.inner_text().removeprefix("To ")
    card.get_by_role("button", name=re.compile("^Resend")).click()
    expect(page.get_by_text("The message is queued to be sent again.")).to_be_visible()
    expect(page.get_by_label("Address")).to_have_value(recipient)
    check_page(page, "manage-deliveries-resent")


def test_a_manager_imports_a_roster_with_a_bad_row_fixes_it_and_sees_the_leaders(manager_page):
    page = manager_page
    tag = uuid.uuid4().hex[:6]
    good, fixed = f"Kim Parkhurst {tag}", f"Lee Wongsam {tag}"
    csv_text = ("name,agency,title,email,phone,state,expertise,bio,max_mentees,availability,away_until,"
                "trusted_host,status\n"
                f"{good},Seattle PD,Officer,kim.{tag}@spd.example.gov,,WA,,,,,,,\n"
                f"{fixed},Portland PB,Sergeant,lee.{tag}@ppb.example.gov,,Atlantis,,,,,,,\n")
    page.goto("/manage/roster")
    page.get_by_role("link", name="Import leaders from CSV").click()
    page.get_by_label("The roster as CSV").fill(csv_text)
    page.get_by_role("button", name="Check the file").click()
    problem = page.locator("tr.red")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("3")
    expect(problem).to_contain_text("State")
    expect(page.locator("section.preview")).to_contain_text(good)
    expect(page.get_by_label("The roster as CSV")).to_have_value(csv_text)  # what was pasted is kept
    check_page(page, "manage-roster-import-preview")

    page.get_by_label("The roster as CSV").fill(csv_text.replace("Atlantis", "OR"))
    page.get_by_role("button", name="Check again").click()
    expect(page.locator("tr.red")).to_have_count(0)
    page.get_by_role("button", name="Import 2 leaders").click()
    expect(page.get_by_text("The good rows are imported")).to_be_visible()
    page.get_by_label("Name").fill(tag)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=good)).to_be_visible()
    expect(page.get_by_role("heading", name=fixed)).to_be_visible()
    expect(page.get_by_text("2 leaders.")).to_be_visible()

    page.get_by_label(f"Status of {fixed}").select_option("alumni")
    page.locator("form", has=page.get_by_label(f"Status of {fixed}")).get_by_role("button").click()
    expect(page.get_by_text("The leader's status is changed.")).to_be_visible()
    expect(page.get_by_label(f"Status of {fixed}")).to_have_value("alumni")


def test_a_region_target_is_set_and_a_bad_one_comes_back_with_its_message(manager_page):
    page = manager_page
    page.goto("/manage/roster")
    target = page.locator("#targets ~ ul.cards input[type=number]").first
    label = page.locator("#targets ~ ul.cards label").first.inner_text()
    target.fill("-3")
    page.locator("#targets ~ ul.cards form").first.get_by_role("button", name="Save target").click()
    expect(page.locator("#targets ~ ul.cards .field-error")).to_have_count(1)
    expect(page.get_by_label(label)).to_have_value("-3")
    check_page(page, "manage-roster-target-error")
    page.get_by_label(label).fill("4")
    page.locator("form", has=page.get_by_label(label)).get_by_role("button", name="Save target").click()
    expect(page.get_by_text("The region's target is saved")).to_be_visible()
    expect(page.get_by_label(label)).to_have_value("4")


def test_coverage_shows_the_map_the_trends_and_a_bad_window_as_the_form(manager_page):
    page = manager_page
    page.goto("/manage/coverage")
    expect(page.locator(".coverage-map svg g.tile")).not_to_have_count(0)
    expect(page.locator(".legend")).to_contain_text("Red: needs action")
    expect(page.locator("svg.bars").first).to_have_attribute("aria-label", re.compile(r"Screenings held in .+: \w{3} \d{4} \d+"))
    expect(page.get_by_role("link", name="Download as CSV")).to_have_attribute("href", re.compile(r"^/api/coverage\.csv\?"))
    response = page.goto("/manage/coverage?window_start=2026-05-01&window_end=2026-01-01")
    assert response.status == 422
    expect(page.locator(".field-error")).to_have_text("The To date must not be before the From date.")
    expect(page.locator("#window_end")).to_have_value("2026-01-01")
    check_page(page, "manage-coverage-bad-window")
