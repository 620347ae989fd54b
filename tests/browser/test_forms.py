"""Every public form, as a person meets it: sent with a mistake, it comes back with the
message next to the field and everything typed still there; fixed, it goes through and
the page says what happened."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.support import check_page

pytestmark = __import__("pytest").mark.browser


def field_error(page, field_id: str):
    return page.locator(f"#{field_id}-error")


def test_the_join_form_keeps_what_was_typed(page):
    page.goto("/join")
    typed = {"Name": "Jordan Avery", "Work email": "jordan.avery@pd.example.gov", "Agency": "Salem Police",
             "Title": "Sergeant", "State": "ZZ", "Why you want to join": "To host screenings in Salem.",
             "Experience": "Ten years of community policing.", "Reference: name": "Chief Dana Ruiz",
             "Reference: email or phone": "503-555-0100"}
    for label, value in typed.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Apply").click()
    expect(field_error(page, "state")).to_be_visible()
    for label, value in typed.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
    check_page(page, "form-join-refused")
    page.get_by_label("State", exact=True).fill("OR")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("application|thank", re.I))
    assert page.locator(".field-error").count() == 0


def test_the_mentorship_request_form_keeps_what_was_typed(page):
    page.goto("/mentorship/request")
    typed = {"Name": "Sam Ortiz", "Agency": "Eugene Police", "Role": "Detective", "Work email": "not an address",
             "State": "OR", "What you need help with": "Planning outreach after a bias incident at a school."}
    for label, value in typed.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Topic").select_option(index=2)
    topic = page.get_by_label("Topic").input_value()
    page.get_by_label("Urgency").select_option("urgent")
    page.get_by_role("button", name="Send request").click()
    expect(field_error(page, "email")).to_be_visible()
    for label, value in typed.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
    expect(page.get_by_label("Topic")).to_have_value(topic)
    expect(page.get_by_label("Urgency")).to_have_value("urgent")
    check_page(page, "form-mentorship-refused")
    page.get_by_label("Work email").fill("sam.ortiz@eugene.example.gov")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()


def test_the_rsvp_form_keeps_what_was_typed(page):
    page.goto("/screenings")
    page.locator("main a[href^='/screenings/']").first.click()
    page.get_by_label("Your name").fill("Riley Park")
    page.get_by_label("Email").fill("riley.park@")
    page.get_by_role("button", name="RSVP").click()
    expect(field_error(page, "email")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Riley Park")
    expect(page.get_by_label("Email")).to_have_value("riley.park@")
    check_page(page, "form-rsvp-refused")
    page.get_by_label("Email").fill("riley.park@example.org")
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_role("heading", name=re.compile("You are registered|You are on the waitlist"))).to_be_visible()


def test_the_sign_in_form_keeps_the_address(page, demo_leader_links):
    from tests.browser.support import choose_password

    address, link = demo_leader_links.popitem()
    choose_password(page, link)  # the password every browser test gives a demo leader
    page.get_by_role("button", name="Sign out").click()
    page.goto("/signin")
    page.get_by_label("Email").fill(address)
    page.get_by_label("Password").fill("a wrong long password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(address)
    expect(page.get_by_label("Password")).to_have_value("")  # a password is never sent back
    check_page(page, "form-signin-refused")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(re.compile("Signed in as"))).to_be_visible()


def test_the_password_form_says_what_is_wrong(page, demo_leader_links):
    _, link = demo_leader_links.popitem()
    page.goto(link)
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("alert")).to_contain_text("12")
    check_page(page, "form-password-refused")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Your password is set and you are signed in.")).to_be_visible()
