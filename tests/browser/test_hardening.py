"""In a real browser: the pages work under the Content-Security-Policy every response
carries (no violation reported), and signing in through the site's own form works while
the form's login-CSRF token is in place."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.support import check_page


def csp_violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    return found


def test_sign_out_and_in_again_through_the_form_under_the_policy(leader_page):
    page = leader_page
    violations = csp_violations(page)
    page.goto("/leader")
    page.get_by_role("button", name="Sign out").click()
    page.goto("/signin")
    check_page(page, "signin-with-token")
    page.get_by_label("Email").fill(page.leader_email)
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/leader$"))
    for path in ("/", "/screenings", "/join", "/docs"):
        page.goto(path)
    assert not violations, violations


def test_a_sign_in_form_left_without_its_cookie_asks_again(page, demo_leader_links):
    page.goto("/signin")
    page.context.clear_cookies()
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_label("Password").fill("whatever it is")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("This sign-in form has expired")).to_be_visible()
    check_page(page, "signin-expired")
