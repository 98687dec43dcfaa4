"""The signalenrapportage in a real browser: a page of the site at 1280 px, and printed to an
A4 PDF whose first page holds the title and the whole summary."""

from __future__ import annotations

import re
from typing import Any

import pytest

from registry.accounts import Role
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import SCREENSHOTS, screenshot

pytestmark = pytest.mark.browser

PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-z])")


def _open_report(page: Any) -> None:
    page.goto("/raad/")
    page.get_by_role("link", name="Ministerie van Voorbeeldzaken").click()
    page.get_by_role("link", name=re.compile(r"Signalenrapportage \d{4} lezen")).click()
    page.wait_for_load_state("networkidle")


def _pdf_pages(page: Any, name: str) -> int:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    data = page.pdf(path=str(SCREENSHOTS / f"{name}.pdf"), format="A4")
    return len(PAGE_OBJECT.findall(data))


def test_the_report_reads_in_the_browser_and_prints_to_a4(open_page):
    page = open_page(Role.WORKS_COUNCIL, width=1280)
    _open_report(page)
    assert page.url.split("?")[0].endswith(tuple(str(y) for y in range(2000, 2101)))
    summary = page.locator('[data-section="samenvatting"]')
    assert "Wat u kunt concluderen" in summary.inner_text()
    # On screen the summary is the first thing under the title.
    assert summary.bounding_box()["y"] < page.locator("table").first.bounding_box()["y"]
    assert_accessible(page, "council report")
    screenshot(page, "council-report-1280")

    # Printed: several A4 pages, and the site's header and menus are left out.
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".council-nav").is_visible()
    assert _pdf_pages(page, "council-report") >= 3

    # Page 1 holds the title and the whole summary: with everything after the summary taken
    # away (and its page break), the PDF is exactly one page.
    page.evaluate("""() => {
        const summary = document.querySelector('[data-section="samenvatting"]');
        let next = summary.nextElementSibling;
        while (next) { next.hidden = true; next = next.nextElementSibling; }
        summary.classList.remove('report-summary');
    }""")
    assert _pdf_pages(page, "council-report-page-1") == 1


def test_the_report_page_fits_a_phone(open_page):
    page = open_page(Role.WORKS_COUNCIL, width=375)
    _open_report(page)
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 375, wide
    screenshot(page, "council-report-375")


def test_the_gor_reads_the_rijk_report(open_page):
    page = open_page(Role.CENTRAL_WORKS_COUNCIL, width=1280)
    page.goto("/raad/rijk")
    page.get_by_role("link", name=re.compile(r"Signalenrapportage \d{4} lezen")).click()
    page.wait_for_load_state("networkidle")
    assert re.fullmatch(r"Signalenrapportage sociale veiligheid Rijksoverheid \d{4}",
                        page.locator("h1").inner_text())
    assert_accessible(page, "council rijk report")
    screenshot(page, "council-rijk-report-1280")
