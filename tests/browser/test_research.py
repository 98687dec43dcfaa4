"""The researchers' workspace in a real browser: preview spends nothing, running pays once."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from registry.accounts import Role
from registry.periods import Month
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import screenshot
from tests.browser.live_app import RESEARCH_PROJECT

pytestmark = pytest.mark.browser


def _spent(live: Any) -> Fraction:
    # The query's months may fall in this year and the last; a run is paid in each year it covers.
    consumer = f"research:{RESEARCH_PROJECT}"  # a project's accounts share its share
    this_year = Month.current().year
    return sum((live.services.ledger.status(consumer, year).spent for year in (this_year - 1, this_year)),
               Fraction(0))


def test_a_researcher_previews_for_free_then_runs_and_pays_once(open_page, live):
    page = open_page(Role.RESEARCHER)
    page.goto("/onderzoek/")
    assert_accessible(page, "research workspace")
    screenshot(page, "research-index")
    before = _spent(live)

    page.fill("#budget", "0.1")
    page.get_by_role("button", name="Bekijk kosten en nauwkeurigheid").click()
    assert page.locator("h1").inner_text() == "Kosten en nauwkeurigheid van uw vraag"
    assert _spent(live) == before
    assert_accessible(page, "research preview")
    screenshot(page, "research-preview")

    page.locator("form.actions button[type=submit]").first.click()
    assert page.locator("h1").inner_text() == "Antwoord op uw vraag"
    assert _spent(live) > before
    assert page.locator("main table").count() >= 1
    assert_accessible(page, "research release")
    screenshot(page, "research-release")


def test_an_invalid_query_is_refused_accessibly_and_costs_nothing(open_page, live):
    page = open_page(Role.RESEARCHER)
    page.goto("/onderzoek/")
    before = _spent(live)
    page.fill("#budget", "veel")
    page.get_by_role("button", name="Bekijk kosten en nauwkeurigheid").click()

    assert page.locator(".error-summary").is_visible()
    assert page.locator("#budget").get_attribute("aria-invalid") == "true"
    assert _spent(live) == before
    assert_accessible(page, "research workspace with errors")


def test_the_api_documentation_is_accessible(open_page):
    # A long page (every operation and schema): once, in Dutch; English is checked elsewhere.
    page = open_page()
    response = page.goto("/api/docs")
    assert response is not None and response.status == 200
    assert_accessible(page, "api docs")
    screenshot(page, "api-docs")
