"""Reflow (WCAG 1.4.10): at 320 CSS pixels wide, as at 400% zoom, no page scrolls sideways.

Wide tables may scroll inside their own focusable box and charts may be clipped (both are
two-dimensional content the criterion exempts); the page itself must fit.
"""

from __future__ import annotations

import pytest

from registry.accounts import Role
from tests.browser.accessibility import assert_accessible

pytestmark = pytest.mark.browser

NARROW = 320
PAGES = [
    (None, "/"),
    (None, "/login"),
    (None, "/meldknop"),
    (None, "/meldknop/waar-terecht?organisatie=MIN-A"),
    (None, "/api/docs"),
    (Role.ADVISER, "/signalen/nieuw"),
    (Role.ADVISER, "/signalen/import"),
    (Role.PREVENTION_OFFICER, "/dashboard/"),
    (Role.PREVENTION_OFFICER, "/dashboard/eenheden"),
    (Role.WORKS_COUNCIL, "/raad/organisatie/MIN-A"),
    (Role.WORKS_COUNCIL, "/raad/controleren"),
    (Role.RESEARCHER, "/onderzoek/"),
    (Role.ADMIN, "/beheer/gebruikers"),
    (Role.ADMIN, "/beheer/budgetten"),
]


@pytest.mark.parametrize("role,path", PAGES, ids=[f"{r.value if r else 'anonymous'}:{p}" for r, p in PAGES])
def test_pages_fit_a_320_pixel_screen_without_sideways_scrolling(open_page, role, path):
    page = open_page(role, width=NARROW)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= NARROW, f"{path} is {wide} px wide at {NARROW} px"


NARROW_TABLES = [
    pytest.param(Role.WORKS_COUNCIL, "/raad/", id="council-index"),
    pytest.param(Role.WORKS_COUNCIL, "month", id="council-month"),
    pytest.param(Role.CENTRAL_WORKS_COUNCIL, "/raad/rijk", id="council-rijk"),
    pytest.param(Role.RESEARCHER, "/onderzoek/", id="research-index"),
    pytest.param(Role.ADMIN, "/beheer/gebruikers", id="admin-users"),
    pytest.param(Role.ADMIN, "/beheer/budgetten", id="admin-budgets"),
    pytest.param(Role.ADMIN, "/beheer/organisatie", id="admin-organisation"),
    pytest.param(Role.PREVENTION_OFFICER, "/dashboard/eenheden", id="dashboard-units"),
]


@pytest.mark.parametrize("role,path", NARROW_TABLES)
def test_wide_tables_stay_reachable_by_keyboard_at_320_pixels(open_page, live, role, path):
    page = open_page(role, width=NARROW)
    if path == "month":
        path = f"/raad/organisatie/MIN-A/{live.published[-1]}"
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert_accessible(page, f"{path} at {NARROW} px")
