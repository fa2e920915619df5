"""Fixtures for the Playwright browser tests: a seeded live server and Debian's chromium.

Playwright's sync API runs an event loop in the main thread, so Django's async-safety check would
refuse ORM calls made from the test process (fixtures, assertions); the live server answers from
its own thread, where the check never fires.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright  # noqa: E402

from storefront.providers import registry  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def chromium(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def store(transactional_db, live_server) -> Iterator[str]:
    """The live server's base URL, with the demo store seeded and no stale cached provider state
    (the cache outlives the per-test database flush)."""
    cache.clear()
    registry.reset()
    call_command("seed_demo", verbosity=0)
    yield live_server.url
    cache.clear()
    registry.reset()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


def _new_context(browser: Browser, base_url: str, **kwargs) -> BrowserContext:
    context = browser.new_context(base_url=base_url, **kwargs)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(chromium: Browser, store: str) -> Iterator[Page]:
    """A page with JavaScript on (htmx drives the forms)."""
    context = _new_context(chromium, store, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def nojs_page(chromium: Browser, store: str) -> Iterator[Page]:
    """A page with JavaScript off: plain forms, 303 redirects."""
    context = _new_context(
        chromium, store, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    yield page
    context.close()
