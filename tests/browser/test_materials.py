"""Materials orders in a real browser: a leader orders the kit for one of their upcoming
screenings from its workspace (at phone width), a program manager finds it in the queue
linked from /manage and marks it sent, and the leader sees it sent with the tracking note
and has the mail. Every page passes check_page (1280 and 390 px, axe-core)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_page, choose_password

pytestmark = pytest.mark.browser

SHIP_TO = "Materials desk\n1200 Harbor Avenue\nTacoma, WA 98402"


def _host_with_an_upcoming_screening(manager_page, demo_leader_links) -> tuple[str, dict]:
    """A demo leader who can still sign in with their set-up link, and one of their
    scheduled film screenings more than the shipping lead time away with no order yet."""
    after = (datetime.now(timezone.utc) + timedelta(days=12)).isoformat()
    found = manager_page.request.get("/api/manage/screenings", params={
        "status": "scheduled", "starts_from": after, "page_size": 100}).json()["items"]
    for screening in found:
        leader = manager_page.request.get(f"/api/leaders/{screening['host']['leader_id']}").json()
        address = leader["email"].lower()
        orders = manager_page.request.get(f"/api/screenings/{screening['id']}/materials").json()
        if screening.get("film") and address in demo_leader_links and not orders:
            return address, screening
    pytest.fail("the demo data has no scheduled screening whose host can still sign in")


def test_a_leader_orders_materials_and_a_manager_marks_them_sent(context, site, demo_leader_links, manager_page):
    address, screening = _host_with_an_upcoming_screening(manager_page, demo_leader_links)
    leader = context.new_page()
    choose_password(leader, demo_leader_links.pop(address))

    leader.set_viewport_size({"width": 390, "height": 900})
    leader.goto(f"/manage/screenings/{screening['id']}")
    section = leader.locator("#materials")
    expect(section.get_by_role("heading", name="Screening kit and materials")).to_be_visible()
    expect(section.get_by_text("No materials are ordered for this screening yet.")).to_be_visible()
    section.get_by_label("The film").select_option("dvd")
    section.get_by_label("Printed discussion guides").fill("20")
    section.get_by_label("Printed flyers").fill("30")
    section.get_by_label("Ship to").fill(SHIP_TO)
    section.get_by_label("A note for the program manager (optional)").fill("Reception desk, weekdays.")
    section.get_by_role("button", name="Order the materials").click()
    expect(leader.get_by_text("Your materials order is in.")).to_be_visible()
    order = leader.locator("#materials .order").first
    expect(order.get_by_text("Ordered, not yet sent")).to_be_visible()
    expect(order.get_by_text("20 ×")).to_be_visible()
    # The form now changes the open order, filled with it.
    expect(section.get_by_role("heading", name="Change the open order")).to_be_visible()
    expect(section.get_by_label("Printed flyers")).to_have_value("30")
    leader.set_viewport_size({"width": 1280, "height": 900})
    check_page(leader, "leader-materials-ordered")

    manager_page.goto("/manage")
    manager_page.get_by_role("link", name="Materials to send").click()
    expect(manager_page.get_by_role("heading", name="Materials to send", level=1)).to_be_visible()
    order_id = leader.request.get(f"/api/screenings/{screening['id']}/materials").json()[0]["id"]
    card = manager_page.locator(f"#order-{order_id}")
    expect(card.get_by_text("Reception desk, weekdays.")).to_be_visible()
    check_page(manager_page, "manager-materials-queue")
    card.get_by_label("Tracking note (optional)").fill("UPS 1Z999AA10123456784")
    card.get_by_role("button", name="Mark sent").click()
    expect(manager_page.get_by_text("The order is marked sent")).to_be_visible()
    expect(manager_page.locator(f"#order-{order_id}")).to_have_count(0)
    manager_page.goto("/manage/materials?state=sent")
    expect(manager_page.locator(f"#order-{order_id}").get_by_text("UPS 1Z999AA10123456784")).to_be_visible()

    leader.set_viewport_size({"width": 390, "height": 900})
    leader.goto(f"/manage/screenings/{screening['id']}")
    sent = leader.locator("#materials .order").first
    expect(sent.get_by_text("Sent", exact=True)).to_be_visible()
    expect(sent.get_by_text("Tracking: UPS 1Z999AA10123456784")).to_be_visible()
    check_page(leader, "leader-materials-sent")
    mail = site.wait_for_mail(address, "Your materials are on their way")
    assert "UPS 1Z999AA10123456784" in mail.get_body(("plain",)).get_content()
