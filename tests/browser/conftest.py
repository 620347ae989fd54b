"""Browser tests: the whole system started the way `niot run` starts it (every service
its own process, the gateway, the mail sink writing .eml files), driven by a person's
browser: Debian's Chromium through Playwright. Without Chromium they fail, never skip."""
from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest
import sqlalchemy as sa

from tests.browser.support import ROOT, Site, chromium_path, free_port

PG_ADMIN_URI = os.environ.get("NIOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SERVICES = ("leaders", "screenings", "mailer", "gateway")


@pytest.fixture(scope="package")
def vhost():
    """A broker vhost of the browser tests' own: the system they run keeps consuming while
    they last, and must never take the messages of another test's services."""
    from tests.conftest import BROKER, _rabbitmqctl

    name = f"niot-browser-{uuid.uuid4().hex[:10]}"
    _rabbitmqctl("add_vhost", name)
    _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    yield f"amqp://guest:guest@{BROKER}/{name}"
    _rabbitmqctl("delete_vhost", name)


@pytest.fixture(scope="package")
def database_uris(db_backend, tmp_path_factory):
    if db_backend == "sqlite":
        folder = tmp_path_factory.mktemp("browser-db")
        yield {s: f"sqlite:///{folder / s}.db" for s in SERVICES}
        return
    admin = sa.create_engine(PG_ADMIN_URI, isolation_level="AUTOCOMMIT")
    names = {s: f"niot_browser_{s}_{uuid.uuid4().hex[:8]}" for s in SERVICES}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield {s: PG_ADMIN_URI.rsplit("/", 1)[0] + f"/{name}" for s, name in names.items()}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="package")
def site(vhost, database_uris, tmp_path_factory):
    """`niot run` with the demo data, on a private vhost, fresh databases and free ports,
    for as long as the browser tests last."""
    port, smtp_port = free_port(), free_port()
    var = tmp_path_factory.mktemp("browser-var")
    env = {
        **os.environ,
        "AMQP_URI": vhost,
        **{f"{s.upper()}_DB_URI": uri for s, uri in database_uris.items()},
        "GATEWAY_ADDRESS": f"127.0.0.1:{port}", "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "NIOT_VAR_DIR": str(var),
        "MAIL_INBOUND_PORT": str(free_port()), "RPC_CHECK_RESPONSES": "true",
    }
    # The browser tests sign many people in and send many forms from one address: the
    # rate limits (tested on their own in tests/integration/gateway) are opened up here.
    config_file = var / "config.yml"
    config_file.write_text(re.sub(r"(?m)^(    (login|public_form)_(ip|email): ).*$", r"\1[[100000, 60]]",
                                  (ROOT / "config.yml").read_text()))
    process = subprocess.Popen([sys.executable, "-m", "services.ops.cli", "--config", str(config_file), "run",
                                "--demo-data"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        output.append(line)
        if "is running" in line:
            break
    if not any("is running" in line for line in output):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("niot run did not start:\n" + "".join(output))
    yield Site(base_url=f"http://127.0.0.1:{port}", var=var, env=env)
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        # (the group may have ended between the wait and this)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    playwright = sync_playwright()
    launched = playwright.start().chromium.launch(executable_path=executable, args=[
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])
    yield launched
    launched.close()
    # The suite runs under eventlet's monkey patching (tests/conftest.py), with which
    # Playwright's orderly stop waits forever for its driver process to exit: end the
    # driver instead, now that the browser is closed.
    driver = getattr(getattr(getattr(playwright, "_client", None), "_transport", None), "_proc", None)
    if driver is not None:
        os.kill(driver.pid, signal.SIGKILL)
        # Playwright marks its event loop as the running one between calls; green threads
        # share this thread, so later tests' asyncio servers (the SMTP test server) would
        # find it running.
        asyncio.events._set_running_loop(None)
    else:
        playwright.__exit__()


@pytest.fixture
def context(browser, site):
    """A fresh browser profile (no cookies) that refuses every request leaving the site."""
    context = browser.new_context(base_url=site.base_url, viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site.base_url)
                  else site.record_escape(route))
    yield context
    context.close()
    assert not site.escapes, f"pages asked for resources outside the system: {site.escapes}"


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture(scope="package")
def demo_leader_links(site):
    """Set-up links of the demo data's leaders (address → link), each usable once: take
    one with `demo_leader_links.popitem()` to sign in as a leader of your own."""
    links = site.setup_links()
    if not links:
        pytest.fail("the demo data sent no account set-up mail to any leader")
    return links


@pytest.fixture
def leader_page(context, demo_leader_links):
    """A page signed in as one of the demo data's leaders (`leader_page.leader_email`)."""
    from tests.browser.support import choose_password

    address, link = demo_leader_links.popitem()
    page = context.new_page()
    choose_password(page, link)
    page.leader_email = address
    return page


@pytest.fixture
def manager_page(browser, site):
    """A page signed in as a new program manager, in a browser profile of its own."""
    from tests.browser.support import choose_password

    context = browser.new_context(base_url=site.base_url, viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site.base_url)
                  else site.record_escape(route))
    page = context.new_page()
    choose_password(page, site.create_manager(f"manager-{uuid.uuid4().hex[:8]}@example.org", "Pat Manager"))
    yield page
    context.close()
