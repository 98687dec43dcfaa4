"""The admin pages in a real browser: accounts, budgets, contact points, organisation."""

from __future__ import annotations

import pytest

from registry.accounts import Role
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser


def test_an_admin_creates_an_account_and_its_holder_chooses_the_password(open_page, live):
    page = open_page(Role.ADMIN)
    page.goto("/beheer/gebruikers/nieuw")
    page.fill("#username", "browser-nieuwe-adviseur")
    page.check("#role-adviser")
    page.select_option("#organisation", "MIN-B")
    page.get_by_role("button", name="Account aanmaken").click()

    assert page.locator("h1").inner_text() == "Activeringslink voor browser-nieuwe-adviseur"
    assert page.locator("input[type=password]").count() == 0
    assert_accessible(page, "admin activation link shown")
    screenshot(page, "admin-secret")
    link = page.locator("#secret code").inner_text().strip()

    holder = open_page()
    holder.goto(link)
    assert holder.locator("h1").inner_text() == "Account activeren"
    holder.fill("#password", "een zin die alleen ik ken")
    holder.fill("#repeat", "een zin die alleen ik ken")
    assert_accessible(holder, "activation page")
    screenshot(holder, "activation")
    holder.get_by_role("button", name="Wachtwoord instellen").click()
    holder.wait_for_url(lambda url: url.endswith("/login"))
    principal = live.services.accounts.authenticate("browser-nieuwe-adviseur",
                                                    "een zin die alleen ik ken")
    assert principal is not None
    assert principal.role is Role.ADVISER and principal.organisation == "MIN-B"


def test_an_incomplete_account_is_refused_with_an_accessible_error_summary(open_page):
    page = open_page(Role.ADMIN)
    page.goto("/beheer/gebruikers/nieuw")
    page.get_by_role("button", name="Account aanmaken").click()

    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, "admin new user with errors")


@pytest.mark.parametrize("path,name", [
    ("/beheer/", "admin-index"),
    ("/beheer/gebruikers", "admin-users"),
    ("/beheer/gebruikers/nieuw", "admin-new-user"),
    ("/beheer/budgetten", "admin-budgets"),
    ("/beheer/contactpunten?organisatie=MIN-A", "admin-contacts"),
    ("/beheer/organisatie", "admin-organisation"),
    ("/beheer/goedkeuringen", "admin-approvals"),
    ("/beheer/auditlog", "admin-audit-log"),
])
def test_admin_pages_are_accessible(open_page, path, name):
    page = open_page(Role.ADMIN)
    response = page.goto(path)
    assert response is not None and response.status == 200
    assert_accessible(page, name)
    screenshot(page, name)


def test_an_account_page_is_accessible(open_page):
    page = open_page(Role.ADMIN)
    page.goto("/beheer/gebruikers")
    page.get_by_role("link", name="browser-or", exact=True).click()
    assert page.locator("h1").inner_text() == "Account browser-or"
    assert_accessible(page, "admin user")
    screenshot(page, "admin-user")


def test_admin_pages_are_accessible_in_english(open_page):
    page = open_page(Role.ADMIN, locale="en")
    page.goto("/beheer/gebruikers")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, "admin users (en)")
