"""Pages never dead-end: every link in every mail the demo data sent, and every page each
role can reach by following links, lands on a page (not JSON, not a 404, not a server
error) that offers a way onward (a link, a button or a form in its main content)."""
from __future__ import annotations

import re
from collections import defaultdict, deque
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest

from tests.browser.support import links, raw_data_in

pytestmark = pytest.mark.browser

# Pages of the same shape (one screening's page and another's) are visited this many
# times at most: enough to meet each template with different data, without crawling
# every one of hundreds of screenings.
PER_SHAPE = 2
MAX_PAGES = 250
# What a link may point at that is not a page: files for other programs (calendars,
# CSV), the API and its document; each is fetched and must answer 200.
FILES = re.compile(r"(\.ics|\.csv|\.json|\.svg|\.css)$|^/api/|^/feeds/")
ID_LIKE = re.compile(r"^(\d+|[0-9a-f]{8}-[0-9a-f-]{27}|(?=[a-z-]*[A-Z0-9_])[A-Za-z0-9_-]{16,})$")
MANAGERS_MAILBOX = "programs@niot.example.org"  # PROGRAM_MANAGER_EMAILS in config.yml


def shape(url: str) -> str:
    """The address with its ids, tokens and query values taken out."""
    parts = urlsplit(url)
    path = "/".join("{}" if ID_LIKE.match(segment) else segment for segment in parts.path.split("/"))
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def same_site(url: str, base: str) -> bool:
    return url.startswith(base + "/") or url == base


def page_problems(page, response, url: str) -> list[str]:
    if response is None:
        return [f"{url}: no response"]
    problems = []
    if response.status == 404:
        problems.append(f"{url}: 404")
    elif response.status >= 500:
        problems.append(f"{url}: {response.status}")
    if "text/html" not in (response.headers.get("content-type") or ""):
        return problems + [f"{url}: answered {response.headers.get('content-type')}, not a page"]
    body = page.inner_text("body")
    if body.lstrip().startswith(("{", "[")):
        problems.append(f"{url}: the browser shows JSON")
    if not url.split("?")[0].endswith("/docs"):
        problems += [f"{url}: {leak}" for leak in raw_data_in(body)]
    onward = page.locator("main a[href], main button, main form").count()
    if not onward:
        problems.append(f"{url}: no way onward (no link, button or form in the page's content)")
    return problems


class Crawl:
    def __init__(self, page, base_url: str):
        self.page, self.base = page, base_url
        self.seen: set[str] = set()
        self.per_shape: dict[str, int] = defaultdict(int)
        self.problems: list[str] = []
        self.visited = 0

    def wanted(self, url: str) -> bool:
        url = url.split("#")[0]
        if not same_site(url, self.base) or url in self.seen:
            return False
        return self.per_shape[shape(url)] < PER_SHAPE

    def visit(self, url: str, found_on: str = "") -> list[str]:
        url = url.split("#")[0]
        self.seen.add(url)
        self.per_shape[shape(url)] += 1
        self.visited += 1
        path = urlsplit(url).path
        where = f" (linked from {found_on})" if found_on else ""
        if FILES.search(path):
            answer = self.page.request.get(url)
            if answer.status != 200:
                self.problems.append(f"{url}{where}: {answer.status}")
            return []
        response = self.page.goto(url)
        self.problems += [problem + where for problem in page_problems(self.page, response, url)]
        hrefs = self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        return [urljoin(self.page.url, href) for href in hrefs if href and not href.startswith(("mailto:", "webcal:"))]

    def run(self, starts: list[str]) -> None:
        queue = deque((urljoin(self.base, start), "") for start in starts)
        while queue and self.visited < MAX_PAGES:
            url, found_on = queue.popleft()
            if not self.wanted(url):
                continue
            for found in self.visit(url, found_on):
                if self.wanted(found):
                    queue.append((found, urlsplit(url).path))


def mail_links_by_recipient(site) -> dict[str, dict[str, list[str]]]:
    """recipient address → link shape → up to PER_SHAPE links of that shape in their mail."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for message in site.mails():
        to = message["To"].addresses[0].addr_spec.lower()
        for url in links(message, site.base_url):
            urls = found[to][shape(url)]
            if url not in urls and len(urls) < PER_SHAPE:
                urls.append(url)
    return found


def test_every_link_in_every_mail_lands_on_a_page(page, browser, site, demo_leader_links):
    """Each link is followed as the person the mail went to would: the managers' mail by a
    signed-in manager, a leader's by that leader signed in, everyone else's anonymously;
    for each kind of link (its shape), from as few leaders' mail as covers them all."""
    from tests.browser.support import choose_password

    by_recipient = mail_links_by_recipient(site)
    problems: list[str] = []
    shapes_seen: set[str] = set()

    def follow(crawl_page, recipient: str, shapes: dict[str, list[str]]) -> None:
        crawl = Crawl(crawl_page, site.base_url)
        for kind, urls in shapes.items():
            shapes_seen.add(kind)
            for url in urls:
                crawl.visit(url, f"a mail to {recipient}")
        problems.extend(crawl.problems)

    managers = by_recipient.pop(MANAGERS_MAILBOX, {})
    if managers:
        context = browser.new_context(base_url=site.base_url)
        manager = context.new_page()
        choose_password(manager, site.create_manager("mail-links@example.org", "Mail Links Manager"))
        follow(manager, MANAGERS_MAILBOX, managers)
        context.close()
    leader_addresses = set(site.setup_links())
    leaders = {to: shapes for to, shapes in by_recipient.items() if to in demo_leader_links}
    uncovered = {kind for shapes in leaders.values() for kind in shapes}
    while uncovered:
        to = max(leaders, key=lambda address: len(uncovered & set(leaders[address])))
        context = browser.new_context(base_url=site.base_url)
        leader = context.new_page()
        choose_password(leader, demo_leader_links.pop(to))
        follow(leader, to, {kind: urls for kind, urls in leaders.pop(to).items() if kind in uncovered})
        uncovered -= shapes_seen
        context.close()
    public: dict[str, list[str]] = {}
    for to, shapes in by_recipient.items():
        if to not in leader_addresses:
            for kind, urls in shapes.items():
                public.setdefault(kind, urls)
    follow(page, "a member of the public", public)
    assert len(shapes_seen) >= 10, f"the demo data's mails link to too few kinds of page: {sorted(shapes_seen)}"
    assert not problems, "\n".join(problems)


def test_every_public_page_leads_somewhere(page, site):
    crawl = Crawl(page, site.base_url)
    crawl.run(["/"])
    assert crawl.visited > 10
    assert not crawl.problems, "\n".join(crawl.problems)


def test_every_page_a_leader_reaches_leads_somewhere(leader_page, site):
    crawl = Crawl(leader_page, site.base_url)
    crawl.run(["/leader", "/"])
    assert crawl.visited > 10
    assert not crawl.problems, "\n".join(crawl.problems)


def test_every_page_a_manager_reaches_leads_somewhere(manager_page, site):
    crawl = Crawl(manager_page, site.base_url)
    crawl.run(["/manage", "/manage/coverage", "/manage/applications", "/"])
    assert crawl.visited > 10
    assert not crawl.problems, "\n".join(crawl.problems)


def test_shapes_take_ids_and_tokens_out():
    assert shape("http://x/screenings/3f2a9c1e-1111-2222-3333-444455556666") == "/screenings/{}"
    assert shape("http://x/rsvps/12/cancel?token=abcdefghijklmnopqrstu") == "/rsvps/{}/cancel?token"
    assert shape("http://x/directory?state=CA&page=2") == "/directory?page&state"
    assert shape("http://x/films/light-in-the-darkness") == "/films/light-in-the-darkness"
