"""What the browser tests share: the running site, its mail folder, and the checks every
page must pass (axe-core, no horizontal scrolling at 1280 and 390 px, no program data
shown raw), with a screenshot of each page at both widths under var/screenshots/."""
from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
WIDTHS = (1280, 390)
STRICT = email.policy.default.clone(raise_on_defect=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def chromium_path() -> str:
    found = os.environ.get("NIOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.fail("Chromium is required for the browser tests: install Debian's 'chromium' package "
                    "(scripts/ensure-browser does it)")
    return found


@dataclass
class Site:
    base_url: str
    var: Path
    env: dict
    escapes: list = field(default_factory=list)

    def record_escape(self, route) -> None:
        self.escapes.append(route.request.url)
        route.abort()

    @property
    def mail_dir(self) -> Path:
        return self.var / "mail"

    def mails(self, to: str | None = None) -> list[email.message.EmailMessage]:
        found = []
        for path in sorted(self.mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime):
            message = email.message_from_bytes(path.read_bytes(), policy=STRICT)
            if to is None or any(a.addr_spec.lower() == to.lower() for a in message["To"].addresses):
                found.append(message)
        return found

    def wait_for_mail(self, to: str, subject_part: str, timeout: float = 60) -> email.message.EmailMessage:
        deadline = time.monotonic() + timeout
        while True:
            for message in reversed(self.mails(to)):
                if subject_part.lower() in message["Subject"].lower():
                    return message
            if time.monotonic() > deadline:
                subjects = [m["Subject"] for m in self.mails(to)]
                pytest.fail(f"no mail to {to} with {subject_part!r} in its subject; got {subjects}")
            time.sleep(0.3)

    def setup_links(self, timeout: float = 90) -> dict[str, str]:
        """The account set-up link in each mail the site has sent, by address: the demo
        data's approved leaders each get one."""
        deadline = time.monotonic() + timeout
        while True:
            found = {}
            for message in self.mails():
                for url in links(message, self.base_url):
                    if "/account/setup?token=" in url:
                        found[message["To"].addresses[0].addr_spec.lower()] = url
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.5)

    def create_manager(self, address: str, name: str) -> str:
        """A program manager account as an operator makes one; returns its set-up link."""
        result = subprocess.run([sys.executable, "-m", "services.gateway.admin", "create-manager", address,
                                 "--name", name, "--link"], cwd=ROOT, env=self.env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return re.search(r"https?://\S+", result.stdout).group(0)


def links(message: email.message.EmailMessage, base_url: str) -> list[str]:
    """Every link to the site in a mail's plain-text part."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    return [url.rstrip(".,)") for url in re.findall(r"https?://\S+", text) if url.startswith(base_url)]


def link_to(message: email.message.EmailMessage, base_url: str, path_part: str) -> str:
    for url in links(message, base_url):
        if path_part in url:
            return url
    pytest.fail(f"no link with {path_part!r} in the mail {message['Subject']!r}")


RAW_DATA = [
    (re.compile(r"\{'[a-z_]+': "), "a Python dict"),
    (re.compile(r"\[\{"), "a list of objects"),
    (re.compile(r"\bNone\b"), "None"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"), "an ISO timestamp"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "a raw id"),
]


def raw_data_in(text: str) -> list[str]:
    """What in a page's visible text looks like program data rather than words."""
    return [f"{what}: {match.group(0)!r}" for pattern, what in RAW_DATA for match in [pattern.search(text)] if match]


def check_page(page, name: str, *, shows_data_formats: bool = False) -> None:
    """The checks every page passes, at both widths, with a screenshot of each: axe-core
    finds no critical or serious violation, nothing is wider than the viewport, the body
    is a page (not JSON) and shows no raw program data (`shows_data_formats` for the API
    reference, whose subject they are)."""
    body = page.inner_text("body")
    assert not body.lstrip().startswith(("{", "[")), f"{name}: the browser shows JSON"
    problems = [] if shows_data_formats else raw_data_in(body)
    assert not problems, f"{name} shows program data raw: {problems}"
    original = page.viewport_size
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, f"{name} is {scroll_width}px wide at {width}px"
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        violations = axe(page)
        assert not violations, f"{name}: axe-core found " + json.dumps(violations, indent=1)
    finally:
        page.set_viewport_size(original)


def axe(page) -> list[dict]:
    """Critical and serious accessibility violations axe-core finds on the page."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run scripts/ensure-browser")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result if v["impact"] in ("critical", "serious")]


def choose_password(page, setup_link: str, password: str = "a long enough password") -> None:
    """Follow a set-up link and choose a password: the person is then signed in."""
    from playwright.sync_api import expect

    page.goto(setup_link)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Set password").click()
    # (not wait_for_url with a Python predicate: under eventlet the callback never returns)
    expect(page.get_by_text("Your password is set and you are signed in.")).to_be_visible()
