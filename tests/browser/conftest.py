"""Fixtures for the browser tests: Debian's headless chromium, driven by Playwright, against a
live, seeded server (see ``live_app``), both built once per session.

Without ``/usr/bin/chromium`` (or the playwright package) the tests are skipped with the reason,
unless ``REQUIRE_BROWSER=1`` (CI), which turns that into a failure. Playwright never downloads a
browser here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from registry.accounts import Role
from tests.browser import live_app
from tests.browser.helpers import sign_in

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Two shared cores and a dozen other test runs: be patient before calling a page broken.
TIMEOUT_MS = 20_000
LOCALES = {"nl": "nl-NL", "en": "en-GB"}


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_executable() -> Path:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_executable: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(chromium_executable),
                                              headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live(chromium_executable: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[live_app.LiveApp]:
    running = live_app.start(tmp_path_factory.mktemp("live-app"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def _signed_in_states() -> dict[Role, dict[str, Any]]:
    # Cookies of one sign-in per role, reused by later contexts: the login form is tested once
    # per role, and the session stays short.
    return {}


@pytest.fixture
def open_page(browser: Any, live: live_app.LiveApp,
              _signed_in_states: dict[Role, dict[str, Any]]) -> Iterator[Callable[..., Any]]:
    """``open_page(role=None, locale="nl", width=1280)``: a fresh tab, signed in as ``role``."""
    contexts: list[Any] = []
    elsewhere: list[str] = []
    script_errors: list[str] = []

    def _note_request(request: Any) -> None:
        if not request.url.startswith((live.url, "data:", "blob:", "about:")):
            elsewhere.append(request.url)

    def _open(role: Role | None = None, locale: str = "nl", width: int = 1280) -> Any:
        state = _signed_in_states.get(role) if role else None
        context = browser.new_context(base_url=live.url, locale=LOCALES[locale],
                                      storage_state=state, accept_downloads=True,
                                      viewport={"width": width, "height": 800})
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", _note_request)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}"))
        if role is not None and state is None:
            sign_in(page, live.accounts[role])
            _signed_in_states[role] = context.storage_state()
        if locale != "nl":
            # The site speaks Dutch whatever the browser's language: English is a choice made
            # with the language switch, as a visitor would.
            page.goto("/")
            with page.expect_navigation():
                page.click(f"nav button[lang={locale}]")
        return page

    yield _open
    for context in contexts:
        context.close()
    # No CDN, font service or tracker: every page works offline and tells no third party a thing.
    assert not elsewhere, f"pages asked other hosts: {sorted(set(elsewhere))}"
    assert not script_errors, f"JavaScript errors: {script_errors}"
