"""A leader changes their email address from the profile page; it takes effect only once
the link mailed to the new address is opened, and signing in moves with it."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.support import check_page, link_to


def test_a_new_email_address_takes_effect_from_the_link_mailed_to_it(leader_page, site):
    leader = leader_page
    old = leader.leader_email
    new = f"moved-{uuid.uuid4().hex[:8]}@example.org"
    leader.goto("/leader/profile")
    leader.get_by_label("New email address").fill("not an address")
    leader.get_by_role("button", name="Change the address").click()
    expect(leader.locator("#email-error")).to_be_visible()
    expect(leader.get_by_label("New email address")).to_have_value("not an address")
    leader.get_by_label("New email address").fill(new)
    leader.get_by_role("button", name="Change the address").click()
    expect(leader.get_by_text("We sent a link to your new address.")).to_be_visible()
    expect(leader.get_by_text(f"Waiting for you to confirm {new}")).to_be_visible()
    check_page(leader, "leader-profile-email-waiting")

    notice = site.wait_for_mail(old, "change of your NIOT Law Enforcement Network email address")
    assert "token=" not in notice.get_body(preferencelist=("plain",)).get_content()
    link = link_to(site.wait_for_mail(new, "Confirm your new email address"), site.base_url, "/account/email?token=")
    leader.goto(link)
    expect(leader.get_by_role("heading", name="Confirm your new email address")).to_be_visible()
    check_page(leader, "account-email-confirm")
    leader.get_by_role("button", name="Use this address").click()
    expect(leader.get_by_role("heading", name="Your email address is changed")).to_be_visible()
    check_page(leader, "account-email-changed")
    leader.goto(link)  # a second time: used up, said plainly, with a way on
    expect(leader.get_by_role("heading", name="Link not valid")).to_be_visible()

    leader.goto("/leader/profile")
    expect(leader.get_by_text(f"Mail from the network goes to {new}")).to_be_visible()
    leader.get_by_role("button", name="Sign out").click()
    leader.goto("/signin")
    leader.get_by_label("Email").fill(new)
    leader.get_by_label("Password").fill("a long enough password")
    leader.get_by_role("button", name="Sign in").click()
    expect(leader).to_have_url(f"{site.base_url}/leader")
