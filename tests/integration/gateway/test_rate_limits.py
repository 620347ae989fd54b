"""Rate limits one client cannot turn against others: failed sign-ins from one address do
not stop the account's owner at another, and one public form's budget is its own."""
from __future__ import annotations

from .conftest import PASSWORD, start_gateway


def from_address(client, address: str):
    client.http.headers["X-Forwarded-For"] = address
    return client


def test_failures_from_one_address_do_not_lock_the_owner_out_at_another(container_factory, gateway_config, browser):
    from .conftest import Accounts

    base_url, config = start_gateway(container_factory, gateway_config(GATEWAY={
        "trusted_proxy_hops": 1, "rate_limits": {"login_email": [[3, 600]], "login_ip": [[100, 600]]}}))
    accounts = Accounts(config["DB_URIS"]["gateway"])
    accounts.create("owner@example.org")
    attacker = from_address(browser(base_url), "198.51.100.7")
    statuses = [attacker.login("owner@example.org", "guessing wrong!!").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    assert attacker.login("owner@example.org").status_code == 429  # throttled there, whatever it sends
    owner = from_address(browser(base_url), "203.0.113.20")
    assert owner.login("owner@example.org", PASSWORD).status_code == 201
    # Signing in successfully spends nothing of the account's failure budget.
    for _ in range(4):
        assert from_address(browser(base_url), "203.0.113.20").login("owner@example.org").status_code == 201
    accounts.close()


def test_each_public_form_has_its_own_budget_per_address(container_factory, gateway_config, browser):
    base_url, _ = start_gateway(container_factory, gateway_config(GATEWAY={
        "trusted_proxy_hops": 1, "rate_limits": {"public_form_ip": [[2, 600]], "public_form_email": [[100, 600]]}}))
    client = from_address(browser(base_url), "198.51.100.9")
    # The set-up link form, used up from one address...
    spent = [client.post("/api/account/setup-request", json={"email": f"p{i}@example.org"}).status_code
             for i in range(3)]
    assert spent[-1] == 429 and 429 not in spent[:2], spent
    # ...leaves the other forms open to it, and the same form open to other addresses.
    other_form = client.post("/api/account/setup", json={"token": "t" * 43, "password": "a long enough password"})
    assert other_form.status_code == 422, other_form.text
    elsewhere = from_address(browser(base_url), "198.51.100.10")
    assert elsewhere.post("/api/account/setup-request", json={"email": "p9@example.org"}).status_code != 429


def test_the_mailed_set_up_link_also_resets_a_password(full_stack):
    from .test_mentorship_and_coverage import mailed_link

    email = "alex@pd.example.gov"  # leader A, with a password
    public = full_stack.browser(full_stack.base_url)
    assert public.post("/api/account/setup-request", json={"email": email}).status_code == 202
    token = mailed_link(full_stack.smtp_server, email, r"/account/setup\?token=([A-Za-z0-9_-]+)")
    chosen = public.post("/api/account/setup", json={"token": token, "password": "a brand new passphrase"})
    assert chosen.status_code == 200, chosen.text
    assert public.login(email, "a brand new passphrase").status_code == 201
    assert full_stack.browser(full_stack.base_url).login(email, PASSWORD).status_code == 401  # the old one is gone
