"""The preventiemedewerker's dashboard in a real browser: charts drawn, figures with margins."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from registry.accounts import Role
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser

PAGES = [
    ("/dashboard/", "dashboard-trends"),
    ("/dashboard/eenheden", "dashboard-units"),
    ("/dashboard/vergelijking", "dashboard-benchmarks"),
    ("/dashboard/opvolging", "dashboard-follow-up"),
]


def test_the_dashboard_draws_its_charts_as_svg_beside_tables_with_margins(open_page):
    page = open_page(Role.PREVENTION_OFFICER)
    page.goto("/dashboard/")
    canvases = page.locator(".chart-canvas")
    assert canvases.count() >= 1
    # plotly.js (served by the app itself) replaces each hidden canvas with an SVG figure.
    page.wait_for_selector(".chart-canvas svg.main-svg")
    for index in range(canvases.count()):
        assert canvases.nth(index).is_visible()
        assert canvases.nth(index).locator("svg.main-svg").count() >= 1
    # Every chart keeps its figures in a table, and no figure goes without its uncertainty.
    header = page.locator(".chart table thead").first.inner_text().lower()
    assert "marge" in header or "interval" in header or "95" in header
    screenshot(page, "dashboard-trends")


@pytest.mark.parametrize("path,name", PAGES)
def test_dashboard_pages_are_accessible(open_page, path, name):
    page = open_page(Role.PREVENTION_OFFICER)
    response = page.goto(path)
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert_accessible(page, name)
    screenshot(page, name)


def test_the_dashboard_is_accessible_in_english(open_page):
    page = open_page(Role.PREVENTION_OFFICER, locale="en")
    page.goto("/dashboard/")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, "dashboard (en)")


def test_a_chart_downloads_as_csv_with_its_intervals(open_page):
    page = open_page(Role.PREVENTION_OFFICER)
    page.goto("/dashboard/")
    link = page.locator("a.download").first
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) > 1
    assert any("95" in cell or "marge" in cell.lower() or "interval" in cell.lower() for cell in rows[0])


PHONE = 375


@pytest.mark.parametrize("path,name", PAGES)
def test_dashboard_pages_fit_a_phone(open_page, path, name):
    # The page itself never scrolls sideways at phone width (tables scroll in their own box).
    page = open_page(Role.PREVENTION_OFFICER, width=PHONE)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= PHONE, f"{path} is {wide} px wide at {PHONE} px"
    screenshot(page, f"{name}-{PHONE}")
