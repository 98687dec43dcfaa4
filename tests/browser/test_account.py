"""Signing in with a second factor and the account page, in a real browser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from registry.accounts import Role
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser


def test_signing_in_with_a_code_from_the_app(open_page, live):
    services = live.services
    password = "browser tweestaps wachtwoord"
    principal, _ = services.accounts.create_user("browser-tweestaps", Role.CENTRAL_WORKS_COUNCIL.value,
                                                 password=password)
    secret = pyotp.random_base32()
    assert services.mfa.enrol(principal.account_id, secret, pyotp.TOTP(secret).now())

    page = open_page()
    page.goto("/login")
    page.fill("#username", "browser-tweestaps")
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/login/code"))
    assert_accessible(page, "login code")
    screenshot(page, "login-code")
    next_code = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))
    page.fill("#code", next_code)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.locator("nav button", has_text="Uitloggen (browser-tweestaps)").is_visible()


def test_the_account_page_is_accessible(open_page):
    page = open_page(Role.RESEARCHER)
    page.goto("/account")
    assert page.locator("h1").inner_text() == "Mijn account"
    assert_accessible(page, "account")
    screenshot(page, "account")
    page.get_by_role("link", name="Tweestapsverificatie instellen").click()
    assert page.locator("#totp-secret").is_visible()
    assert_accessible(page, "account second factor")
