"""axe-core in the page under test: WCAG 2.0/2.1 level A and AA, with readable failures.

The axe script is the copy bundled inside ``axe-playwright-python`` (read from disk, injected
with ``page.evaluate``): nothing is fetched from the network.
"""

from __future__ import annotations

from functools import cache
from typing import Any

# Dutch government sites must meet WCAG 2.1 AA (EN 301 549); these tags select exactly A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}


@cache
def _axe() -> Any:
    # Imported on first use: without the browser packages the tests skip instead of failing to load.
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now (after scripts and charts have drawn)."""
    return list(_axe().run(page, options=OPTIONS).response["violations"])


def describe(found: list[dict[str, Any]]) -> str:
    """One block per violation: rule id, impact, help text and the offending elements."""
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  - {' '.join(map(str, node['target']))}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page: Any, name: str) -> None:
    found = violations(page)
    if found:
        message = f"{len(found)} WCAG A/AA violation(s) on {name} ({page.url}):\n{describe(found)}"
        print(message)
        raise AssertionError(message)
