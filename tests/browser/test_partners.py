"""Partners and attendees' feedback in Chromium with the demo data: a program manager
finds the partners of a region, adds one (the form names what is missing and keeps what
was typed) and reads the ratings per region and film; the public page of a screening
names its partners. At 1280 and 390 px."""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_page
from tests.browser.test_leader_workspace import _fill_registration, untrusted_leader  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser


def test_a_manager_keeps_the_partners_of_each_region(manager_page):
    page = manager_page
    page.goto("/manage")
    page.get_by_role("link", name="Partners", exact=True).click()
    expect(page.get_by_role("heading", name="Partners", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ partners\.$"))).to_be_visible()
    expect(page.get_by_text("To complete").first).to_be_visible()
    check_page(page, "manage-partners")

    page.get_by_label("Region").select_option(index=5)
    page.get_by_label("Kind").select_option("school")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_label("Kind")).to_have_value("school")
    expect(page.locator("main h2").first).to_be_visible()
    check_page(page, "manage-partners-filtered")

    name = f"Jefferson Middle School {uuid.uuid4().hex[:6]}"
    page.get_by_role("link", name="Add a partner").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Contact's role").fill("pat@school.example.org")
    page.get_by_role("button", name="Add the partner").click()  # kind, city, state missing; an address as role
    expect(page.locator("#problems")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value(name)
    expect(page.locator(".field.has-error")).to_have_count(4)
    check_page(page, "manage-partner-new-error")

    page.get_by_label("Kind").select_option("school")
    page.get_by_label("City").fill("Madison")
    page.get_by_label("State").select_option("WI")
    page.get_by_label("Contact's role").fill("Principal")
    page.get_by_role("button", name="Add the partner").click()
    expect(page.get_by_text("The partner is added")).to_be_visible()
    page.get_by_label("Words in the name").fill(name)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=f"Edit {name}").click()
    expect(page.get_by_label("City")).to_have_value("Madison")
    page.get_by_label("ZIP code").fill("53703")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("The partner is saved")).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/manage/partners/new")
    check_page(page, "manage-partner-new-390")


def test_a_manager_reads_the_feedback_per_region_and_film(manager_page):
    page = manager_page
    page.goto("/manage")
    page.get_by_role("link", name="Attendees' feedback").click()
    expect(page.get_by_role("heading", name="Attendees' feedback", level=1)).to_be_visible()
    page.get_by_label("Period", exact=True).select_option("365")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text(re.compile(r"^\d+ ratings, on average \d\.\d out of 5"))).to_be_visible()
    expect(page.get_by_role("table", name="Ratings per region, best first")).to_be_visible()
    expect(page.get_by_role("table", name="Ratings per film, best first")).to_be_visible()
    expect(page.locator("main .comments > li").first).to_be_visible()
    check_page(page, "manage-feedback")


def test_a_screening_page_names_its_partners(page):
    found = page.request.get("/api/screenings", params={"page_size": "100"}).json()["items"]
    with_partners = next(s for s in found if page.request.get(f"/api/screenings/{s['id']}/partners").json())
    page.goto(f"/screenings/{with_partners['id']}")
    expect(page.get_by_role("heading", name="Partners", level=2)).to_be_visible()
    expect(page.locator("main ul.partners > li").first).to_be_visible()
    check_page(page, "screening-partners")


def test_an_organiser_names_a_new_partner_and_then_sees_it_on_record(untrusted_leader, manager_page):
    leader = untrusted_leader
    name = f"Tacoma Youth Alliance {uuid.uuid4().hex[:6]}"
    leader.goto("/leader/screenings/new")
    _fill_registration(leader, "Partners night", day=date.today() + timedelta(days=30))
    leader.get_by_label("Partners", exact=True).fill(name)
    leader.get_by_role("button", name="Register").click()
    expect(leader.get_by_text("Your screening is registered.")).to_be_visible()
    screening_id = leader.url.split("#")[0].split("?")[0].rstrip("/").rsplit("/", 1)[1]

    # The name became a record in the venue's state, for a manager to complete.
    manager_page.goto("/manage/partners?text=" + name.replace(" ", "+"))
    expect(manager_page.locator("main tbody tr", has_text=name)).to_contain_text("To complete")
    manager_page.goto(f"/manage/screenings/{screening_id}/review")
    manager_page.get_by_label("What the host should change").fill("Please name the school too.")
    manager_page.get_by_role("button", name="Send back").click()
    expect(manager_page.get_by_text("The screening is sent back")).to_be_visible()

    leader.goto(f"/manage/screenings/{screening_id}/edit")
    known = leader.locator("details.known-partners")
    expect(known.locator("summary")).to_contain_text("Partners on record in WA")
    known.locator("summary").click()
    expect(known).to_contain_text(name)
    check_page(leader, "screening-form-known-partners")
