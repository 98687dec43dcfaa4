"""The pages everyone sees: home, sign-in, errors and language choice, in Dutch and English."""

from __future__ import annotations

import pytest

from registry.accounts import Role
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["nl", "en"])
@pytest.mark.parametrize("path,name", [
    ("/", "index"),
    ("/login", "login"),
    ("/privacy/budget", "privacy-budget"),
    ("/privacyverklaring", "privacy-statement"),
    ("/toegankelijkheid", "accessibility-statement"),
    ("/bestaat-niet", "error-404"),
])
def test_public_pages_are_accessible(open_page, path, name, locale):
    page = open_page(locale=locale)
    response = page.goto(path)
    assert response is not None
    assert response.status == (404 if name == "error-404" else 200)
    assert page.locator("html").get_attribute("lang") == locale
    assert_accessible(page, f"{name} ({locale})")
    screenshot(page, f"{name}-{locale}")


def test_a_failed_sign_in_is_announced_and_accessible(open_page):
    page = open_page()
    page.goto("/login")
    page.fill("#username", "niemand")
    page.fill("#password", "fout-wachtwoord")
    page.click("main button[type=submit]")

    assert page.get_by_role("alert").inner_text() == "Gebruikersnaam of wachtwoord klopt niet."
    assert "/login" in page.url
    assert_accessible(page, "login with error")


def test_a_page_for_another_role_shows_an_accessible_refusal(open_page):
    page = open_page(Role.ADVISER)
    response = page.goto("/beheer/")
    assert response is not None and response.status == 403
    assert_accessible(page, "error 403")
    screenshot(page, "error-403")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_an_accessible_home_page_with_its_own_menu(open_page, live, role):
    page = open_page(role)
    page.goto("/")
    assert page.locator("nav button", has_text=f"Uitloggen ({live.accounts[role].username})").is_visible()
    assert_accessible(page, f"index as {role.value}")


def test_switching_to_english_keeps_the_page_and_translates_it(open_page):
    page = open_page()
    page.goto("/meldknop/wat-gebeurt-er")
    page.click("nav button[lang=en]")

    assert page.url.endswith("/meldknop/wat-gebeurt-er")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav button[lang=nl]").inner_text() == "Nederlands"
    assert_accessible(page, "meldknop privacy (en, switched)")


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(open_page):
    page = open_page()
    page.goto("/meldknop")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("link => link === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "inhoud"
