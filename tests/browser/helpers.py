"""Small steps the browser tests share: signing in, screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.live_app import Account

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def sign_in(page: Any, account: Account) -> None:
    page.goto("/login")
    page.fill("#username", account.username)
    page.fill("#password", account.password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot in artifacts/screenshots/<name>.png, for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
