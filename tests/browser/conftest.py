"""A live server on its own seeded database, and a headless Chromium that cannot leave it.

The server runs the real app in a thread on 127.0.0.1 with the demo data loaded by the real
``seed`` command. Every browser context aborts requests to other hosts (map tiles included),
and records what it asked for and what went wrong, so tests can check that the pages never
depend on the outside world.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.conftest import migrated_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def live_app(cluster):
    """The app on a freshly migrated database holding the demo seeds."""
    with migrated_app(cluster, "live", wards=False) as app:
        result = app.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        yield app


def closed_before_sending(app):
    """Wrap ``app`` so each response is read and closed before Werkzeug sends it.

    Werkzeug's development server (3.1) drains the request socket before it closes the
    response; when the browser hangs up first (a favicon fetch cut short by the next page),
    that read raises and the response's open file is never closed. The ResourceWarning then
    surfaces at garbage collection and fails whichever test happens to be running.
    """

    def wsgi(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(live_app):
    """Base URL of the live app, served by Werkzeug in a daemon thread."""
    server = make_server("127.0.0.1", 0, closed_before_sending(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Tab:
    """A page plus what it requested and which errors it reported."""

    page: object
    base: str
    requests: list = field(default_factory=list)  # (url, resource type)
    failed_local: list = field(default_factory=list)  # (url, status) of our own >= 400
    console_errors: list = field(default_factory=list)  # (text, url of the source)
    page_errors: list = field(default_factory=list)

    def open(self, path: str):
        return self.page.goto(self.base + path)

    def outside_requests(self) -> list[tuple[str, str]]:
        return [(u, t) for u, t in self.requests if urlsplit(u).hostname not in LOCAL_HOSTS]


def _block_outside(route) -> None:
    if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
        route.continue_()
    else:
        route.abort()


def new_tab(browser, base: str, **context_options):
    context = browser.new_context(locale="ja-JP", service_workers="block", **context_options)
    context.set_default_timeout(15_000)
    context.route("**/*", _block_outside)
    page = context.new_page()
    tab = Tab(page=page, base=base)
    page.on("request", lambda r: tab.requests.append((r.url, r.resource_type)))
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and urlsplit(r.url).hostname in LOCAL_HOSTS
            and tab.failed_local.append((r.url, r.status))
        ),
    )
    page.on(
        "console",
        lambda m: m.type == "error" and tab.console_errors.append((m.text, m.location.get("url"))),
    )
    page.on("pageerror", lambda e: tab.page_errors.append(str(e)))
    return context, tab


@pytest.fixture
def tab(browser, live_server):
    """A fresh browser context (desktop size) for one test."""
    context, tab = new_tab(browser, live_server, viewport={"width": 1280, "height": 800})
    yield tab
    context.close()


@pytest.fixture
def phone_tab(browser, live_server):
    """A fresh browser context the size of a phone (390 x 844, touch)."""
    context, tab = new_tab(
        browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True,
        has_touch=True, device_scale_factor=2,
    )  # fmt: skip
    yield tab
    context.close()


def log_in(tab, email: str, password: str) -> None:
    """Log in through the real form, as a person would."""
    tab.open("/login")
    tab.page.fill("input[name=email]", email)
    tab.page.fill("input[name=password]", password)
    with tab.page.expect_navigation():
        tab.page.click("main form button[type=submit]")
    assert "/login" not in tab.page.url


@pytest.fixture
def dialogs(tab):
    """Every dialog (alert, confirm, prompt) the page opens; dismissed at once."""
    seen: list[str] = []

    def record(dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    tab.page.on("dialog", record)
    return seen
