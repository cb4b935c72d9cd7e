"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's
`live_server`.

- Chromium is the system binary at /usr/bin/chromium (`make test` / `.ci/run` install Debian's
  `chromium` package when they can); Playwright never downloads a browser. Without it the
  tests are skipped with the reason shown in the summary — except in CI (`CI` set), where a
  missing Chromium is a failure: CI must run them.
- One browser for the whole browser package (started at its first test, closed after its last
  one); every test gets a fresh context, so cookies and storage never leak between tests.
- Tests use `live_server`, hence a transactional database. Mark them
  `@pytest.mark.django_db(transaction=True, serialized_rollback=True)` so the migrated
  reference data (roles, classes, ranks) and the SiteConfig row are restored for later tests.

Why `DJANGO_ALLOW_ASYNC_UNSAFE`: Playwright's sync API keeps an asyncio event loop marked as
running in the main thread from `start()` to `stop()`. Django's ORM sees that running loop and
refuses every query from the main thread with SynchronousOnlyOperation — the test's own
factories, `force_login`, even pytest-django's flush between tests. Nothing actually runs
concurrently with those queries (Playwright only switches to its loop inside its own calls),
so the check is a false alarm here. The variable is set only while the browser is running and
restored afterwards, so the rest of the suite keeps Django's protection.

The same running loop changes where Django keeps the main thread's database connections:
`django.db.connections` is an asgiref `Local(thread_critical=True)`, thread-local in a thread
without a running loop but context-local in a thread with one. Without care, the browser
tests would get fresh connection objects, missing pytest-django's serialized reference data
(`_test_serialized_contents`), so `serialized_rollback` would restore nothing and the first
flush would leave later tests without ranks and classes. The fixture therefore hands the
same connection objects to both storages.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root in a container, where the sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
CHROMIUM_MISSING = f"Chromium not found at {CHROMIUM}; install Debian's chromium"

DESKTOP = {"width": 1280, "height": 800}

# pytest-django's live server listens on "localhost" by default; Chromium then tries ::1
# first on every new connection, which costs ~100 ms per request here. An IPv4 literal keeps
# page loads fast. (`--liveserver` on the command line still wins.)
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")
PHONE = {"width": 390, "height": 844}


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="package")
def browser() -> Browser:
    """Headless system Chromium, one per run of the browser package."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        if running_in_ci():
            pytest.fail(
                f"{CHROMIUM_MISSING}. CI must run the browser tests: .ci/run installs it "
                "(apt-get install chromium).",
                pytrace=False,
            )
        pytest.skip(CHROMIUM_MISSING)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # see the module docstring
    same_connections = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    for alias, connection in same_connections.items():
        connections[alias] = connection  # now also in the running-loop storage (docstring)
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page_errors() -> list[str]:
    """Console errors (CSP violations and failed loads included) and uncaught exceptions of
    every page the test opens."""
    return []


@pytest.fixture
def new_context(browser, live_server, page_errors):
    """Make a browser context on the live server; every page's errors go to `page_errors`."""
    contexts: list[BrowserContext] = []

    def new_context(**options) -> BrowserContext:
        context = browser.new_context(
            base_url=live_server.url, viewport=options.pop("viewport", DESKTOP), **options
        )
        context.set_default_timeout(10_000)
        context.on(
            "console",
            lambda message: (
                page_errors.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )
        context.on("weberror", lambda error: page_errors.append(f"uncaught: {error.error}"))
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        context.close()


@pytest.fixture
def browser_context(new_context) -> BrowserContext:
    return new_context(locale="en-US")


@pytest.fixture
def page(browser_context) -> Page:
    """A page at desktop size; `page.set_viewport_size(PHONE)` for the phone."""
    return browser_context.new_page()


@pytest.fixture
def sign_in(browser_context, live_server):
    """`sign_in(user, context=None)`: sign `user` in to `context` (the test's
    `browser_context` by default) with a session made by Django's test client (`force_login`),
    handed to the browser as its session cookie."""

    def sign_in(user, context: BrowserContext | None = None) -> None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        (context or browser_context).add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )

    return sign_in


@pytest.fixture
def signed_in_page(page, sign_in):
    """`signed_in_page(user)` → the test's page, signed in as `user`."""

    def signed_in_page(user) -> Page:
        sign_in(user)
        return page

    return signed_in_page
