"""Browser tests: Playwright for Python (sync API) driving Debian's Chromium.

The browser is the system's Chromium (`/usr/bin/chromium`, or the path in NUANXIN_CHROMIUM), not a
Playwright download, so `.ci/run` needs only `apt-get install chromium`. Where no Chromium exists
every test here is skipped with a message saying so.

The pages are served by pytest-django's `live_server` (static files included) from a real test
database: tests use `transactional_db` so the server thread sees their rows; the root conftest puts
back the rows data migrations created (the amenity list) after an earlier test's flush.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in this thread; Django would otherwise refuse
# ORM calls from it ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# A phone-sized window, as couriers see the pages.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def chromium_path():
    """The Chromium to drive, or None: NUANXIN_CHROMIUM, else Debian's, else one on PATH."""
    configured = os.environ.get("NUANXIN_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    if Path(DEFAULT_CHROMIUM).is_file():
        return DEFAULT_CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium():
    """A launched Chromium, shared by the session's browser tests."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    path = chromium_path()
    if path is None:
        where = os.environ.get("NUANXIN_CHROMIUM") or DEFAULT_CHROMIUM
        pytest.skip(
            f"browser tests skipped: no Chromium at {where}. Install Debian's chromium "
            "(apt-get install chromium) or set NUANXIN_CHROMIUM to a Chromium binary."
        )
    from django.db import connections

    # Once Playwright runs its event loop in this thread, asgiref treats the thread as async and
    # Django's per-thread connections become per-context: the ORM would open a second connection
    # without the test database's bookkeeping. Keep using the connections we already have.
    existing = {alias: connections[alias] for alias in connections}
    playwright = sync_api.sync_playwright().start()
    for alias, connection in existing.items():
        connections[alias] = connection
    try:
        browser = playwright.chromium.launch(executable_path=path, headless=True)
    except Exception as error:  # a broken or incompatible binary: say so rather than fail every test
        playwright.stop()
        pytest.skip(f"browser tests skipped: Chromium at {path} did not start ({error})")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def browser_context(chromium):
    """`browser_context(**options)` → a fresh phone-sized context (closed after the test).
    Options go to Playwright's new_context: geolocation, permissions, locale…"""
    contexts = []

    def make(**options):
        context = chromium.new_context(**{**PHONE, "locale": "zh-CN", **options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser_context):
    """A page in a phone-sized context with no location permission."""
    return browser_context().new_page()
