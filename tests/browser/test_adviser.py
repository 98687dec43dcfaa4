"""An adviser in a real browser: log a contact, keep the receipt, correct it, import a file."""

from __future__ import annotations

from typing import Any

import pytest

from registry.accounts import Role
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import screenshot
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser

UNIT = "MIN-A-DG1-D1"


def _fill_contact(page: Any, follow_up: str = "advies") -> None:
    page.select_option("#unit", UNIT)
    page.check("#categories-pesten")
    page.check("#implicated_party-collega")
    page.check("#reporter_role-medewerker")
    page.check(f"#follow_up-{follow_up}")


def test_adviser_logs_a_contact_and_sees_receipt_and_case_token(open_page, live):
    page = open_page(Role.ADVISER)
    page.goto("/signalen/nieuw")
    assert_accessible(page, "webform new")
    screenshot(page, "webform-new")
    before = live.services.signals.count()

    _fill_contact(page)
    page.check("#new_case_token")
    page.click("form.signal-form button[type=submit]")

    assert page.locator("h1").inner_text() == "Het contact is vastgelegd"
    receipt = page.locator("#receipt-value").inner_text().strip()
    assert receipt and page.locator("#case-token-value").inner_text().strip()
    assert live.services.signals.count() == before + 1
    stored = live.services.signals.find_by_receipt(receipt, frozenset({"MIN-A"}))
    assert stored["unit"] == UNIT and stored["categories"] == ["pesten"]
    assert_accessible(page, "webform receipt shown")
    screenshot(page, "webform-stored")


def test_adviser_corrects_a_contact_with_its_receipt(open_page, live):
    page = open_page(Role.ADVISER)
    page.goto("/signalen/nieuw")
    _fill_contact(page, follow_up="advies")
    page.click("form.signal-form button[type=submit]")
    receipt = page.locator("#receipt-value").inner_text().strip()

    page.goto("/signalen/ontvangstbewijs")
    assert_accessible(page, "webform receipt lookup")
    page.fill("#receipt", receipt)
    page.click("main button[value=lookup]")
    assert page.locator("#unit").input_value() == UNIT
    assert_accessible(page, "webform correct")
    screenshot(page, "webform-correct")

    page.check("#follow_up-alleen_luisteren")
    page.click("form.signal-form button[type=submit]")
    assert page.locator("h1").inner_text() == "Het signaal is aangepast"
    stored = live.services.signals.find_by_receipt(receipt, frozenset({"MIN-A"}))
    assert stored["follow_up"] == "alleen_luisteren"
    assert_accessible(page, "webform corrected")


def test_an_incomplete_contact_is_refused_with_an_accessible_error_summary(open_page, live):
    page = open_page(Role.ADVISER)
    page.goto("/signalen/nieuw")
    before = live.services.signals.count()
    page.click("form.signal-form button[type=submit]")

    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert summary.locator("a").count() >= 1
    assert live.services.signals.count() == before
    assert_accessible(page, "webform with errors")


def test_a_wrong_receipt_is_refused_accessibly(open_page):
    page = open_page(Role.ADVISER)
    page.goto("/signalen/ontvangstbewijs")
    page.fill("#receipt", "2020-01-AAAA-BBBB-CCCC-DDDD-EEEE")
    page.click("main button[value=lookup]")
    assert page.locator("#receipt").get_attribute("aria-invalid") == "true"
    assert_accessible(page, "webform receipt error")


def test_adviser_dry_runs_a_spreadsheet_import_and_nothing_is_stored(open_page, live):
    page = open_page(Role.ADVISER)
    page.goto("/signalen/import")
    assert_accessible(page, "spreadsheet upload")
    screenshot(page, "spreadsheet-upload")
    before = live.services.signals.count()

    page.set_input_files("#file", str(FIXTURES / "import" / "bmw-registratie.csv"))
    page.check("#mapping-bmw-registratie")
    page.click("main button[value=dry_run]")

    assert page.locator("#report-title").is_visible()
    assert live.services.signals.count() == before
    assert_accessible(page, "spreadsheet dry run report")
    screenshot(page, "spreadsheet-dry-run")


def test_adviser_withdraws_a_contact_after_confirming(open_page, live):
    page = open_page(Role.ADVISER)
    page.goto("/signalen/nieuw")
    _fill_contact(page)
    page.click("form.signal-form button[type=submit]")
    receipt = page.locator("#receipt-value").inner_text().strip()
    stored = live.services.signals.count()

    page.goto("/signalen/ontvangstbewijs")
    page.fill("#receipt", receipt)
    page.click("main button[value=lookup]")
    page.click("main button[value=withdraw]")
    assert page.locator("h1").inner_text() == "Weet u zeker dat u dit signaal wilt intrekken?"
    assert live.services.signals.count() == stored
    assert_accessible(page, "webform withdraw confirm")

    page.click("main button[value=withdraw_confirm]")
    assert page.locator("h1").inner_text() == "Het signaal is ingetrokken"
    assert live.services.signals.count() == stored - 1
    assert_accessible(page, "webform withdrawn")
