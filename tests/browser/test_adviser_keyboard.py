"""The adviser's path in a real browser: a typical contact logged with the keyboard alone and its
key presses counted, the form on a laptop screen and on a phone, and the saved page's copy
buttons, with and without JavaScript.

The typical contact: this month, a unit found by typing part of its name, the adviser's own
channel (preset), one subject, who was involved, who reported, a follow-up other than the
first, and a new case token. ``KEY_PRESS_BOUND`` is what the form allows for it; the count is
printed so ``bench/bench_adviser.py`` and ``bench/README.md`` can quote it.
"""

from __future__ import annotations

import pytest

from registry.accounts import Role
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import screenshot, sign_in
from tests.browser.keyboard import UNIT, Keyboard, log_typical_contact

pytestmark = pytest.mark.browser

NEW = "/signalen/nieuw"
KEY_PRESS_BOUND = 34
# The laptop screen the issue names; the form's own height (first field to the save button)
# is what the form controls, the page around it (header, title) is shared with other pages.
LAPTOP = {"width": 1280, "height": 800}
FORM_HEIGHT_BOUND = 620
SAVE_BUTTON_BOTTOM_BOUND = 820
PHONE_WIDTH = 375
PHONE_PAGE_BOUND = 3000  # was about 4,650 px


def test_a_typical_contact_is_logged_with_the_keyboard_alone(open_page, live):
    page = open_page(Role.ADVISER)
    page.goto(NEW)
    page.wait_for_selector("#unit-search", state="visible")
    before = live.services.signals.count()
    keys = Keyboard(page)
    log_typical_contact(page, keys)

    page.wait_for_selector("#receipt-value")
    print(f"\nkey presses for a typical contact: {keys.presses}")
    assert keys.presses <= KEY_PRESS_BOUND
    assert live.services.signals.count() == before + 1
    receipt = page.locator("#receipt-value").inner_text().strip()
    stored = live.services.signals.find_by_receipt(receipt, frozenset({"MIN-A"}))
    assert (stored["unit"], stored["channel"], stored["categories"], stored["implicated_party"],
            stored["reporter_role"], stored["follow_up"]) == (
        UNIT, "vp_intern", ["pesten"], "collega", "medewerker", "advies")
    assert page.locator("#case-token-value").inner_text().strip()


def test_the_form_fits_a_laptop_screen(open_page):
    page = open_page(Role.ADVISER, width=LAPTOP["width"])
    page.set_viewport_size(LAPTOP)
    page.goto(NEW)
    page.wait_for_selector("#unit-search", state="visible")
    top = page.locator("#period").bounding_box()
    save = page.locator("form.signal-form button[type=submit]").bounding_box()
    assert top is not None and save is not None
    bottom = save["y"] + save["height"]
    print(f"\nform height {bottom - top['y']:.0f} px, save button ends at {bottom:.0f} px")
    assert bottom - top["y"] <= FORM_HEIGHT_BOUND
    assert bottom <= SAVE_BUTTON_BOTTOM_BOUND
    assert page.evaluate("() => document.documentElement.scrollWidth") <= LAPTOP["width"]
    screenshot(page, "webform-new-laptop")


def test_the_form_stays_usable_on_a_phone(open_page, live):
    page = open_page(Role.ADVISER, width=PHONE_WIDTH)
    page.goto(NEW)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    height = page.evaluate("() => document.documentElement.scrollHeight")
    print(f"\npage height at {PHONE_WIDTH} px: {height} px")
    assert height <= PHONE_PAGE_BOUND
    before = live.services.signals.count()
    page.select_option("#unit", UNIT)
    for choice in ("categories-werkdruk", "implicated_party-collega", "reporter_role-getuige",
                   "follow_up-advies"):
        page.click(f"label[for={choice}]")  # the chip's text, as a finger would
    page.click("form.signal-form button[type=submit]")
    page.wait_for_selector("#receipt-value")
    assert live.services.signals.count() == before + 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(page, "webform-stored-phone")


def test_the_choices_explain_themselves_on_request(open_page):
    page = open_page(Role.ADVISER)
    page.goto(NEW)
    hint = page.locator("#categories-pesten-hint")
    assert not hint.is_visible() or hint.bounding_box()["width"] <= 1  # type: ignore[index]
    page.check("#show-hints")
    assert hint.is_visible() and hint.bounding_box()["width"] > 100  # type: ignore[index]
    assert_accessible(page, "webform with explanations")
    # The tick is not part of what is sent.
    assert page.locator("#show-hints").get_attribute("name") is None


def test_the_copy_buttons_copy_the_codes(open_page, live):
    from playwright.sync_api import expect

    page = open_page(Role.ADVISER)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    page.goto(NEW)
    page.select_option("#unit", UNIT)
    for choice in ("categories-pesten", "implicated_party-collega", "reporter_role-medewerker",
                   "follow_up-advies", "new_case_token"):
        page.check(f"#{choice}")
    page.click("form.signal-form button[type=submit]")
    # The saved page's script hides the fallback once it runs: wait for it (under load the
    # page can be read between its arrival and the script).
    expect(page.locator("#receipt-value")).to_be_visible()
    expect(page.locator(".copy-fallback").first).to_be_hidden()
    for code_id in ("receipt-value", "case-token-value"):
        code = page.locator(f"#{code_id}").inner_text().strip()
        page.click(f"button[data-copy={code_id}]")
        status = page.locator(f"button[data-copy={code_id}] ~ .copy-status")
        expect(status).to_have_text("Gekopieerd.")  # the clipboard answers asynchronously
        assert page.evaluate("() => navigator.clipboard.readText()") == code
    assert page.locator(".saved-summary").is_visible()
    assert_accessible(page, "webform stored with copy buttons")
    screenshot(page, "webform-stored-copy")


def test_without_javascript_the_saved_page_says_how_to_copy(browser, live):
    context = browser.new_context(base_url=live.url, java_script_enabled=False, locale="nl-NL")
    try:
        page = context.new_page()
        sign_in(page, live.accounts[Role.ADVISER])
        page.goto(NEW)
        page.select_option("#unit", UNIT)
        for choice in ("categories-pesten", "implicated_party-collega", "reporter_role-medewerker",
                       "follow_up-advies"):
            page.check(f"#{choice}")
        page.click("form.signal-form button[type=submit]")
        assert page.locator("#receipt-value").is_visible()
        assert page.locator("button[data-copy]").first.is_hidden()
        assert page.locator(".copy-fallback").first.is_visible()
        assert "Ctrl+C" in page.locator(".copy-fallback").first.inner_text()
    finally:
        context.close()
