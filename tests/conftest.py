import os
import shutil

import pytest
from django.db import connection

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the test
# itself (setting up data) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session", autouse=True)
def serial_live_server_on_sqlite():
    """On in-memory SQLite the live server shares the test's one connection with its threads;
    Chromium's parallel requests would use it at once. Serve one request at a time there."""
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class SerialWSGIServer(WSGIServer):
        # The live server thread itself already uses the shared connection.
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        LiveServerThread.server_class = SerialWSGIServer
    yield


@pytest.fixture(autouse=True)
def fresh_cache():
    """Cached programme configuration must not leak from one test's rolled-back data."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL for real concurrent connections; runs in the PostgreSQL pass "
            "(DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)"
        )


@pytest.fixture(scope="session")
def browser():
    """A real headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium (make test does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def search_index():
    """An empty catalogue search index: Oscar's browse pages read Haystack, not the database."""
    from haystack import connections

    backend = connections["default"].get_backend()
    backend.clear()
    yield backend
    backend.clear()


@pytest.fixture
def page(browser, live_server, search_index):
    """A fresh browser context (own cookies) pointed at the live test server."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def points_offer(transactional_db):
    """Transactional tests flush the database, data migrations' rows included: put the
    "Pay with your points" offer back for tests that need it."""
    from oscar_loyalty.redemption import ensure_points_offer

    return ensure_points_offer()
