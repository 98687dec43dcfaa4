"""The meldknop with the keyboard alone, its unit question in steps, and its refusal pages, in a
real browser with axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from limits.storage import MemoryStorage

from intake_adapters.meldknop.limits import EXTENSION_KEY, MeldknopLimits
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import screenshot
from tests.browser.keyboard import Keyboard

pytestmark = pytest.mark.browser

# Skip link, the situations (one Tab each), organisation, unit, three questions, send.
MAX_PRESSES = 60


def _unit_codes(page: Any) -> list[str]:
    return [code for code in page.locator("#unit option").evaluate_all(
        "options => options.map(o => o.value)") if code]


def test_an_employee_sends_a_signal_with_the_keyboard_alone(open_page, live):
    page = open_page()
    page.goto("/meldknop")
    before = live.services.signals.count()
    keys = Keyboard(page)
    keys.press("Tab")  # the skip link ...
    keys.press("Enter")  # ... past the menu
    keys.tab_to("categories-pesten", limit=10)
    keys.press(" ")
    assert page.locator("#categories-pesten").is_checked()
    keys.tab_to("organisation", limit=40)
    keys.press("ArrowDown")  # the first organisation in the list
    assert page.locator("#organisation").input_value() == "MIN-A"
    # The script fetches that organisation's units; the button for the page without it is hidden.
    page.wait_for_function("() => document.querySelectorAll('#unit option').length > 1")
    assert not page.locator("#organisation-next").is_visible()
    assert _unit_codes(page) and all(code.startswith("MIN-A-") for code in _unit_codes(page))
    keys.press("Tab")
    assert keys.focused() == "unit"
    keys.press("ArrowDown")
    chosen_unit = page.locator("#unit").input_value()
    assert chosen_unit.startswith("MIN-A-")
    keys.press("Tab")
    assert keys.focused() == "reporter_role-medewerker"  # preset: one stop for the group
    keys.press("Tab")
    assert keys.focused() == "implicated_party-onbekend"
    keys.press("Tab")
    assert keys.focused() == "contact-ja"
    keys.press(" ")
    keys.press("Tab")
    assert keys.focused() == "send"
    with page.expect_navigation():
        keys.press("Enter")

    assert page.locator("h1").inner_text() == "Dank u. Uw signaal is ontvangen."
    assert live.services.signals.count() == before + 1
    assert keys.presses <= MAX_PRESSES, keys.presses
    assert_accessible(page, "meldknop result after keyboard walkthrough")


def test_the_unit_list_follows_the_chosen_organisation_without_a_reload(open_page):
    page = open_page()
    page.goto("/meldknop")
    assert _unit_codes(page) == []
    page.check("#categories-werkdruk")
    page.select_option("#organisation", "MIN-B")
    page.wait_for_function("() => document.querySelectorAll('#unit option').length > 1")
    assert sorted(_unit_codes(page)) == ["MIN-B-D1", "MIN-B-D2"]
    assert page.url.endswith("/meldknop")  # no reload: the ticked box is still ticked
    assert page.locator("#categories-werkdruk").is_checked()
    page.select_option("#organisation", "MIN-A")
    page.wait_for_function("() => !document.querySelector('#unit option[value=\"MIN-B-D1\"]')")
    assert all(code.startswith("MIN-A-") for code in _unit_codes(page))
    assert page.locator("input[name=organisation]").input_value() == "MIN-A"
    assert_accessible(page, "meldknop form with units of one organisation")


def test_without_javascript_the_organisation_is_a_get_step_of_its_own(browser, live):
    context = browser.new_context(base_url=live.url, java_script_enabled=False, locale="nl-NL")
    try:
        page = context.new_page()
        page.goto("/meldknop")
        page.check("#categories-pesten")  # an answer that must not travel in the address
        page.select_option("#organisation", "MIN-B")
        with page.expect_navigation():
            page.click("#organisation-next")
        assert page.url.endswith("/meldknop?organisatie=MIN-B")
        assert sorted(_unit_codes(page)) == ["MIN-B-D1", "MIN-B-D2"]
        assert page.locator("#organisation").input_value() == "MIN-B"
    finally:
        context.close()


@pytest.fixture
def strict_limits(live) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """The live app's meldknop limits replaced for one test by ones that refuse at once."""
    original = live.app.extensions[EXTENSION_KEY]

    def install(rule: str, unit_cap: int) -> None:
        live.app.extensions[EXTENSION_KEY] = MeldknopLimits(
            MemoryStorage(), b"browser-test", rule, unit_cap, visitor=lambda: "browser",
            visitor_period=3600)

    yield install
    live.app.extensions[EXTENSION_KEY] = original


@pytest.mark.parametrize("rule,unit_cap,status,heading", [
    ("0 per hour", 25, 429, "Even wachten"),
    ("5 per hour", 0, 429, "Vandaag kan dit niet meer"),
])
def test_the_refusal_pages_are_accessible(open_page, live, strict_limits, rule, unit_cap, status,
                                          heading):
    strict_limits(rule, unit_cap)
    page = open_page()
    page.goto("/meldknop?organisatie=MIN-A")
    page.check("#categories-pesten")
    before = live.services.signals.count()
    with page.expect_navigation() as sent:
        page.click("#send")
    assert sent.value.status == status
    assert page.locator("h1").inner_text() == heading
    assert live.services.signals.count() == before
    assert_accessible(page, f"meldknop {status} ({heading})")
    screenshot(page, f"meldknop-{status}-{'client' if unit_cap else 'unit'}")
