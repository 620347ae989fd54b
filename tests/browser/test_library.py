"""The resource library in Chromium with the demo data: anyone finds a publication with the
search box and filters (which keep their values), is told when nothing matches and pages
through the rest; a program manager adds an entry (the form names what is missing and
keeps what was typed), retires it, and it leaves the public library. At 1280 and 390 px."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_page, link_to

pytestmark = pytest.mark.browser


def test_anyone_searches_and_filters_the_library(page):
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="Resources").first.click()
    expect(page.get_by_role("heading", name="Resource library", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ resources found\.$"))).to_be_visible()
    check_page(page, "resources")

    page.get_by_label("Words").fill("immigrant")
    page.get_by_label("Kind").select_option(label="Report")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Engaging Police in Immigrant Communities")).to_be_visible()
    expect(page.get_by_label("Words")).to_have_value("immigrant")
    expect(page.get_by_label("Kind")).to_have_value("report")
    expect(page.locator("main .resource-list > li")).to_have_count(3)
    check_page(page, "resources-filtered")

    page.get_by_label("Topic", exact=True).select_option(label="LGBTQ+ liaison")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No resource matches these words and filters")).to_be_visible()
    expect(page.get_by_label("Topic", exact=True)).to_have_value("lgbtq-liaison")

    page.get_by_role("link", name="Clear").click()
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text(re.compile(r"^Page 2 of \d+$"))).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/resources?topic=victim-services")
    expect(page.get_by_role("heading", name="Hate Crimes: Recognition and Reporting")).to_be_visible()
    check_page(page, "resources-390")


def test_a_film_page_and_a_mentorship_request_suggest_resources(page, site):
    page.goto("/films/a-prosecutors-stand")
    section = page.get_by_role("region", name="Resources on this film's topics")
    expect(section.get_by_role("heading", name="Hate Crimes: Recognition and Reporting")).to_be_visible()
    check_page(page, "film-suggestions")

    address = f"peer-{uuid.uuid4().hex[:8]}@eugene.example.gov"
    page.goto("/mentorship/request")
    for label, value in {"Name": "Sam Ortiz", "Agency": "Eugene Police", "Role": "Detective",
                         "Work email": address, "State": "OR",
                         "What you need help with": "Setting up an LGBTQ+ liaison role in our department."}.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Topic").select_option("lgbtq-liaison")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    section = page.get_by_role("region", name="Resources on your topic while you wait")
    expect(section.get_by_role("heading", name=re.compile("^Gender, Sexuality, and 21st Century Policing"))
           ).to_be_visible()
    check_page(page, "mentorship-sent-suggestions")

    page.goto(link_to(site.wait_for_mail(address, "confirm"), site.base_url, "/mentorship/confirm/"))
    page.get_by_role("button", name="Confirm my request").click()
    expect(page.get_by_role("heading", name="Request confirmed")).to_be_visible()
    section = page.get_by_role("region", name="Resources on your topic while you wait")
    expect(section.get_by_role("heading", name=re.compile("^Gender, Sexuality, and 21st Century Policing"))
           ).to_be_visible()


def test_a_manager_adds_then_retires_an_entry(manager_page, browser, site):
    page = manager_page
    title = f"Roll-call notes on bias incidents {uuid.uuid4().hex[:6]}"
    page.goto("/manage")
    page.get_by_role("link", name="The resource library").click()
    expect(page.get_by_role("heading", name="Resource library", level=1)).to_be_visible()
    check_page(page, "manage-resources")
    page.get_by_role("link", name="Add a resource").click()

    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Add to the library").click()  # publisher, kind, description missing
    expect(page.locator("#problems")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value(title)
    expect(page.locator(".field.has-error")).to_have_count(3)
    check_page(page, "manage-resource-new-error")

    page.get_by_label("Publisher").fill("COPS Office")
    page.get_by_label("Kind").select_option("guide")
    page.get_by_label("Description").fill("Notes for a roll call on recognising and reporting bias incidents.")
    page.get_by_role("checkbox", name="Bias incident reporting").check()
    page.get_by_role("checkbox", name="Law enforcement").check()
    page.get_by_role("button", name="Add to the library").click()
    expect(page.get_by_text("The resource is added to the library")).to_be_visible()

    page.get_by_label("Words").fill(title)
    page.get_by_role("button", name="Search").click()
    card = page.locator("main .resource-list > li", has_text=title)
    expect(card).to_have_count(1)
    card.get_by_role("button", name=f"Retire “{title}”").click()
    expect(page.get_by_text("The resource is retired")).to_be_visible()
    page.get_by_label("Words").fill(title)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main .resource-list > li", has_text=title)).to_contain_text("Retired")

    public = browser.new_context(base_url=site.base_url, viewport={"width": 390, "height": 844})
    try:
        visitor = public.new_page()
        visitor.goto("/resources")
        visitor.get_by_label("Words").fill(title)
        visitor.get_by_role("button", name="Search").click()
        expect(visitor.get_by_text("No resource matches these words and filters")).to_be_visible()
    finally:
        public.close()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/manage/resources/new")
    check_page(page, "manage-resource-new-390")
