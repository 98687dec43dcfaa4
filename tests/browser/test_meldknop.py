"""An employee without an account uses the meldknop in a real browser."""

from __future__ import annotations

import pytest

from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser


def test_an_employee_leaves_an_anonymous_signal_and_sees_where_to_go(open_page, live):
    page = open_page()
    page.goto("/meldknop")
    assert_accessible(page, "meldknop form")
    screenshot(page, "meldknop-form")
    before = live.services.signals.count()

    page.check("#categories-pesten")
    page.select_option("#organisation", "MIN-A")
    page.check("#contact-ja")
    page.click("form.meldknop-form button[type=submit]")

    assert page.locator("h1").inner_text() == "Dank u. Uw signaal is ontvangen."
    assert page.get_by_role("heading", name="Met wie kunt u praten?").is_visible()
    assert live.services.signals.count() == before + 1
    # Only Flask's session cookie (with the CSRF token): nothing else follows the visitor.
    assert [c["name"] for c in page.context.cookies()] == ["session"]
    assert_accessible(page, "meldknop result")
    screenshot(page, "meldknop-result")


def test_a_meldknop_form_without_answers_stores_nothing_and_says_why(open_page, live):
    page = open_page()
    page.goto("/meldknop")
    before = live.services.signals.count()
    page.click("form.meldknop-form button[type=submit]")

    assert page.locator(".error-summary").is_visible()
    assert page.locator("#organisation").get_attribute("aria-invalid") == "true"
    assert live.services.signals.count() == before
    assert_accessible(page, "meldknop form with errors")


@pytest.mark.parametrize("path,name", [
    ("/meldknop/waar-terecht", "meldknop-where-choose"),
    ("/meldknop/waar-terecht?organisatie=MIN-A", "meldknop-where"),
    ("/meldknop/wat-gebeurt-er", "meldknop-privacy"),
])
def test_meldknop_information_pages_are_accessible(open_page, path, name):
    page = open_page()
    page.goto(path)
    assert page.locator("h1").is_visible()
    assert_accessible(page, name)
    screenshot(page, name)
