"""A typical contact typed by a practised adviser, key by key: shared by the browser test that
bounds the key presses and by ``bench/bench_adviser.py`` that times it."""

from __future__ import annotations

from typing import Any

UNIT = "MIN-A-DG1-D1"  # "Directie Analyse", found by typing part of its name
UNIT_SEARCH = "analyse"


class Keyboard:
    """Presses keys on the focused element and counts every press."""

    def __init__(self, page: Any):
        self.page = page
        self.presses = 0

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.presses += 1

    def type(self, text: str) -> None:
        for character in text:
            self.press(character)

    def focused(self) -> str:
        return str(self.page.evaluate("() => document.activeElement && document.activeElement.id"))

    def tab_to(self, element_id: str, limit: int = 25) -> None:
        """Tab forward until ``element_id`` has focus, as a person would, counting each Tab."""
        for _ in range(limit):
            if self.focused() == element_id:
                return
            self.press("Tab")
        assert self.focused() == element_id, f"Tab never reached #{element_id}"


def log_typical_contact(page: Any, keys: Keyboard) -> None:
    """From the freshly loaded form to pressing Enter: this month, a unit found by typing, the
    adviser's own channel (preset), one subject, who was involved, who reported, the second
    follow-up, and a new case token. Checks where the focus is at each step."""
    page.wait_for_selector("#unit-search", state="visible")
    keys.press("Tab")  # the skip link ...
    keys.press("Enter")  # ... past the menu, to the content
    keys.tab_to("unit-search")
    keys.type(UNIT_SEARCH)  # narrows the list and chooses the first match
    assert page.locator("#unit").input_value() == UNIT
    keys.press("Tab")  # the list, with the match chosen
    keys.press("Tab")  # the channel: the adviser's own is preset
    assert keys.focused() == "channel-vp_intern"
    keys.press("Tab")  # subjects: one stop for the whole group
    assert keys.focused() == "categories-pesten"
    keys.press(" ")
    keys.press("Tab")
    assert keys.focused() == "implicated_party-collega"
    keys.press(" ")
    keys.press("Tab")
    assert keys.focused() == "reporter_role-medewerker"
    keys.press(" ")
    keys.press("Tab")
    keys.press("ArrowRight")  # from "alleen luisteren" to "advies"
    assert keys.focused() == "follow_up-advies"
    keys.tab_to("new_case_token")  # past the consequences and the case token field
    keys.press(" ")
    keys.press("Enter")  # saves, as Enter in a text field would
