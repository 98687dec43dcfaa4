"""The action register in a real browser, at 375 and 1280 px: the prevention officer's page in
the look of every other form, and the council's read-only table, neither widening the page with
a long title without spaces (the walkthrough typed one; the page was 832 and 1236 px wide)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from registry.accounts import Role
from registry.actions import ActionRecord
from registry.taxonomy.outcomes import load_outcome_codes
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser

WIDTHS = (375, 1280)
LONG_TITLE = "Werkafspraken" + "x" * 90


@pytest.fixture
def long_action(live: Any) -> Iterator[None]:
    actions = live.services.actions
    actions.add("MIN-A", ActionRecord.from_payload(
        {"title": LONG_TITLE, "owner_role": "directie", "due_month": "2026-06",
         "status": "gepland"}, load_outcome_codes()), "preventie")
    [added] = [a for a in actions.list("MIN-A") if a.title == LONG_TITLE]
    yield
    actions.remove("MIN-A", added.id, "preventie")


def page_width(page: Any) -> int:
    return int(page.evaluate("() => document.documentElement.scrollWidth"))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_register_page_is_styled_and_fits_with_a_long_title(open_page, long_action, width):
    page = open_page(Role.PREVENTION_OFFICER, width=width)
    assert page.goto("/dashboard/acties").status == 200
    assert page_width(page) <= width
    # Every button in the register has the site's style, none the browser's grey.
    unstyled = page.locator("main button").evaluate_all(
        "buttons => buttons.filter(b => !b.classList.contains('button')).length")
    assert unstyled == 0
    remove = page.locator("main button", has_text=LONG_TITLE)
    assert remove.evaluate("b => b.getBoundingClientRect().right") <= width
    # Labels stand above their fields, as on every other form.
    label = page.locator("label[for='nieuw-title']").bounding_box()
    field = page.locator("#nieuw-title").bounding_box()
    assert label is not None and field is not None and label["y"] + label["height"] <= field["y"]
    screenshot(page, f"dashboard-actions-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_council_reads_the_register_in_a_box_that_scrolls(open_page, long_action, width):
    page = open_page(Role.WORKS_COUNCIL, width=width)
    assert page.goto("/raad/organisatie/MIN-A/opvolging").status == 200
    assert page_width(page) <= width
    box = page.locator(".table-scroll", has_text=LONG_TITLE)
    assert box.count() == 1
    assert box.evaluate("b => b.getBoundingClientRect().right") <= width
    screenshot(page, f"council-actions-{width}")
