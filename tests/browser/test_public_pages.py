"""Every public page with the demo data: accessible, readable at 1280 and 390 px, no raw
program data, nothing loaded from outside the system."""
from __future__ import annotations

import pytest

from tests.browser.support import check_page

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/", "/screenings", "/directory", "/films", "/join", "/mentorship/request", "/signin",
                "/account/setup", "/docs"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page(page, path):
    response = page.goto(path)
    assert response.status == 200
    check_page(page, "public" + (path.replace("/", "-") if path != "/" else "-home"), shows_data_formats=path == "/docs")


def test_a_screening_page(page):
    page.goto("/screenings")
    page.locator("main a[href^='/screenings/']").first.click()
    assert page.locator("h1").inner_text()
    check_page(page, "public-screening")


def test_an_unknown_address_is_a_page_with_a_way_on(page):
    response = page.goto("/no/such/page")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert page.get_by_role("link", name="Go to the home page").is_visible()
    check_page(page, "public-404")
