"""The public site as a visitor finds a leader or a screening: the film library, the
directory and the screening list with their filters, pages and map, leader profiles, and
calendar subscriptions. Every page goes through check_page (axe-core, 1280 and 390 px, no
raw program data)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_page

pytestmark = pytest.mark.browser


def test_the_film_library_and_a_film(page):
    page.goto("/films")
    films = page.locator("main .film-list h2 a")
    assert films.count() >= 5
    expect(page.locator("main .film-list").get_by_text("Discussion guide:").first).to_be_visible()
    check_page(page, "public-films")
    title = films.first.inner_text()
    films.first.click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.get_by_role("heading", name="Upcoming screenings of this film")).to_be_visible()
    check_page(page, "public-film")


def test_a_screening_links_its_film_and_host_and_offers_the_calendar(page):
    page.goto("/films")
    # A film with a screening: the first film page that lists one.
    for href in page.locator("main .film-list h2 a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        page.goto(href)
        if page.locator("main .screening-list a[href^='/screenings/']").count():
            break
    else:
        pytest.fail("no film has an upcoming screening in the demo data")
    film_title = page.locator("h1").inner_text()
    page.locator("main .screening-list h3 a").first.click()
    expect(page.get_by_role("link", name=film_title)).to_have_attribute("href", re.compile(r"^/films/"))
    host = page.locator("main a[href^='/leaders/']").first
    expect(host).to_be_visible()
    calendar = page.get_by_role("link", name="Add to calendar")
    ics = page.request.get(calendar.get_attribute("href"))
    assert ics.status == 200 and "BEGIN:VEVENT" in ics.text()
    check_page(page, "public-screening-with-film")
    host.click()
    expect(page.get_by_role("link", name="Ask this leader for mentoring")).to_be_visible()


def test_a_leader_profile_from_the_directory(page, site):
    page.goto("/directory")
    first = page.locator("main .leader-list .card").first
    name = first.locator("h2").inner_text()
    first.locator("h2 a").click()
    expect(page).to_have_url(re.compile(r"/leaders/\d+$"))
    expect(page.locator("h1")).to_have_text(name)
    body = page.inner_text("main")
    assert "@" not in body, "a public profile shows no email address"
    ask = page.get_by_role("link", name="Ask this leader for mentoring")
    assert ask.get_attribute("href").startswith("/mentorship/request?")
    leader_id = page.url.rsplit("/", 1)[1]
    feed = page.get_by_role("link", name=re.compile("^Subscribe to"))
    host = urlsplit(site.base_url).netloc
    assert feed.get_attribute("href") == f"webcal://{host}/feeds/leaders/{leader_id}/screenings.ics"
    check_page(page, "public-leader-profile")
    ask.click()
    expect(page.locator("#state")).not_to_have_value("")
    check_page(page, "public-mentorship-request-from-profile")


def test_the_directory_pages_and_its_filters_combine(page):
    page.goto("/directory")
    expect(page.get_by_text("Page 1 of 3")).to_be_visible()
    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.get_by_text("Page 2 of 3")).to_be_visible()
    check_page(page, "public-directory-page-2")

    page.goto("/directory")
    card = page.locator("main .leader-list .card").first
    name = card.locator("h2").inner_text()
    region = card.locator(".meta").inner_text().split(" · ")[1]
    expertise = card.locator(".tags li").first.inner_text()
    page.locator("#region").select_option(label=region)
    page.locator("#expertise").select_option(label=expertise)
    page.get_by_role("button", name="Show leaders").click()
    expect(page).to_have_url(re.compile(r"region=.+&.*expertise=.+"))
    cards = page.locator("main .leader-list .card")
    assert name in cards.locator("h2").all_inner_texts()
    for one in cards.all():
        assert one.locator(".meta").inner_text().endswith(region)
        assert expertise in one.locator(".tags li").all_inner_texts()
    expect(page.locator("#region")).to_have_value(re.compile(".+"))
    check_page(page, "public-directory-filtered")


def test_the_screening_list_filters_combine_and_refuse_with_the_form(page):
    page.goto("/screenings")
    everything = int(page.get_by_role("status").inner_text().split()[0])
    place = page.locator("main .screening-list .card .meta", has_text="Hosted by").filter(
        has_not_text="Online").first.inner_text()
    state = place.split(" · ")[0].rsplit(", ", 1)[1]
    page.locator("#state").select_option(value=state)
    page.locator("#format").select_option(value="community_screening")
    page.get_by_role("button", name="Show screenings").click()
    expect(page).to_have_url(re.compile(rf"state={state}&format=community_screening"))
    found = int(page.get_by_role("status").inner_text().split()[0])
    assert found <= everything
    for card in page.locator("main .screening-list .card").all():
        assert card.get_by_text("Community screening").count() == 1
        assert f", {state} · " in card.inner_text()
    check_page(page, "public-screenings-filtered")

    response = page.goto("/screenings?state=ZZ&from_date=2027-01-10&to_date=2027-01-01")
    assert response.status == 422
    expect(page.locator("#state-error")).to_have_text("Choose a state from the list")
    expect(page.locator("#to_date-error")).to_have_text("Choose a date on or after the first date")
    expect(page.locator("#from_date")).to_have_value("2027-01-10")
    check_page(page, "public-screenings-refused")


def test_the_map_filters_by_state_and_reads_as_a_list(page):
    page.goto("/directory")
    listed = page.locator(".map-list a")
    assert listed.count() >= 50
    page.locator(".map-list summary").click()
    page.locator(".map-list a", has_text="Illinois").click()
    expect(page).to_have_url(re.compile(r"/directory\?state=IL$"))
    expect(page.locator("#state")).to_have_value("IL")
    page.goto("/screenings")
    expect(page.locator(".state-map svg a[href='/screenings?state=NY']")).to_have_count(1)


def test_the_subscribe_links_carry_the_feeds(page, site):
    page.goto("/screenings")
    host = urlsplit(site.base_url).netloc
    national = page.get_by_role("link", name="Subscribe to every screening in the country")
    assert national.get_attribute("href") == f"webcal://{host}/feeds/screenings.ics"
    regional = page.get_by_role("link", name=re.compile(r"^Subscribe to screenings in Region 5"))
    href = regional.get_attribute("href")
    assert re.fullmatch(rf"webcal://{re.escape(host)}/feeds/regions/[^/]+/screenings\.ics", href)
    for feed in (national.get_attribute("href"), href):
        answer = page.request.get(feed.replace("webcal://", "http://", 1))
        assert answer.status == 200 and answer.text().startswith("BEGIN:VCALENDAR")


def test_a_zip_search_lists_the_nearest_leaders_first(page):
    page.goto("/directory")
    page.locator("#near").fill("62701")
    page.locator("#radius").select_option(value="500")
    page.get_by_role("button", name="Show leaders").click()
    expect(page.get_by_role("status")).to_contain_text("within 500 miles of 62701 (Springfield, IL), nearest first")
    miles = [int(text.split()[0]) for text in page.locator("main .leader-list .distance").all_inner_texts()]
    assert len(miles) >= 2 and miles == sorted(miles) and miles[-1] <= 500
    # The page lists them in the order the API gives, nearest first.
    api = page.request.get("/api/directory?near=62701&radius_miles=500&limit=24").json()
    assert page.locator("main .leader-list h2").all_inner_texts() == [l["name"] for l in api["leaders"]]
    assert all(abs(l["distance_miles"] - shown) <= 0.5 for l, shown in zip(api["leaders"], miles))
    check_page(page, "public-directory-near-zip")

    page.locator("#near").fill("Nowhere, IL")
    page.get_by_role("button", name="Show leaders").click()
    expect(page.locator("#near-error")).to_contain_text("We do not know this place")
    expect(page.locator("#near")).to_have_value("Nowhere, IL")
    check_page(page, "public-directory-near-unknown")


def test_screenings_near_a_city_come_nearest_first(page):
    page.goto("/screenings?near=Chicago,%20IL&radius=500")
    expect(page.get_by_role("status")).to_contain_text("within 500 miles of Chicago, IL, nearest first")
    miles = [int(text.split()[0]) for text in page.locator("main .screening-list .distance").all_inner_texts()]
    assert miles and miles == sorted(miles) and miles[-1] <= 500
    now = datetime.now(timezone.utc).isoformat()
    api = page.request.get("/api/screenings", params={"near": "Chicago, IL", "radius_miles": 500, "page_size": 20,
                                                      "starts_from": now}).json()
    assert api["total"] == int(page.get_by_role("status").inner_text().split()[0])
    assert [s["distance_miles"] for s in api["items"]] == sorted(s["distance_miles"] for s in api["items"])
    check_page(page, "public-screenings-near-city")
