"""Rapid response in a real browser: a community partner files an urgent request (a
mistake first: the message sits by the field and what was typed stays), the managers see
it at the top of their home, one of the three nearest leaders accepts it from their home,
the requester is mailed who took it and the others that it is gone. Every page passes
check_page (axe-core, 1280 and 390 px)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_page, choose_password

pytestmark = pytest.mark.browser

REQUESTER = "riley.santos@salem-schools.example.org"
TYPED = {
    "What happened": "Racist threats were written on the lockers of three students at our high school this "
                     "morning; families are scared to send them back tomorrow.",
    "What help you need": "Someone to help us plan a meeting with the families and the police tonight.",
    "Your name": "Riley Santos", "Agency or organisation": "North Salem High School", "Email": REQUESTER,
    "Phone (optional)": "503 555 0142",
}


def test_an_urgent_request_is_filed_taken_by_a_near_leader_and_shown_to_managers(page, context, site, manager_page,
                                                                              demo_leader_links):
    page.goto("/")
    page.get_by_role("link", name="Ask for urgent help after a hate incident").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for urgent help after a hate incident")
    page.get_by_label("ZIP code where it happened").fill("00000")
    for label, value in TYPED.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("You are").select_option("partner")
    page.get_by_role("button", name="Send urgent request").click()
    expect(page.locator("#postal_code-error")).to_contain_text("not a known US ZIP code")
    for label, value in TYPED.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
    expect(page.get_by_label("You are")).to_have_value("partner")
    check_page(page, "urgent-request-refused")

    page.get_by_label("ZIP code where it happened").fill("97301")
    page.get_by_role("button", name="Send urgent request").click()
    expect(page.get_by_role("heading", name="Urgent request sent")).to_be_visible()
    expect(page.locator("main")).to_contain_text("97301 (Salem, OR) went at once to the 3 nearest leaders")
    check_page(page, "urgent-request-sent")

    # The managers: at the top of their home, before the queues.
    manager_page.goto("/manage")
    urgent = manager_page.get_by_role("region", name="Urgent requests without a leader")
    mine = [u for u in manager_page.request.get("/api/urgent-requests?open_only=true").json()
            if u["postal_code"] == "97301"]
    assert len(mine) == 1 and len(mine[0]["offers"]) == 3
    request = mine[0]
    card = urgent.locator(f"#urgent-{request['id']}")
    expect(card).to_contain_text("97301 (Salem, OR)")
    expect(card).to_contain_text("North Salem High School")
    check_page(manager_page, "urgent-manager-home")

    # One of the leaders offered it, signed in: the offer is on their home; they accept.
    roster = manager_page.request.get("/api/roster?limit=200").json()["leaders"]
    emails = {leader["id"]: leader["email"].lower() for leader in roster}
    offered = [emails[o["leader_id"]] for o in request["offers"]]
    taker = next((address for address in offered if address in demo_leader_links), None)
    assert taker, "none of the leaders offered it has an unused set-up link"
    leader = context.new_page()
    choose_password(leader, demo_leader_links.pop(taker))
    leader.goto("/leader")
    section = leader.get_by_role("region", name="Urgent requests")
    expect(section).to_contain_text("Racist threats were written")
    expect(section).not_to_contain_text(REQUESTER)  # no contact before it is taken
    check_page(leader, "urgent-leader-offer")
    accept = section.get_by_role("button", name=f"Accept urgent request #{request['id']}")
    accept.focus()
    leader.keyboard.press("Enter")
    expect(leader.get_by_role("heading", name="Urgent request taken")).to_be_visible()
    check_page(leader, "urgent-leader-taken")
    leader.goto("/leader")
    expect(section).to_contain_text("You took it")
    expect(section.get_by_role("link", name=REQUESTER)).to_be_visible()

    # Mail: the requester learns who took it; the others that it is gone.
    taken = site.wait_for_mail(REQUESTER, "is taking your urgent request")
    assert taker in taken.get_body(("plain",)).get_content()
    for other in (address for address in offered if address != taker):
        site.wait_for_mail(other, "another leader took it")
    manager_page.goto("/manage")
    expect(manager_page.locator(f"#urgent-{request['id']}")).to_have_count(0)
