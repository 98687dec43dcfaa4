"""Numbers in the page's language: a decimal comma on Dutch pages, a decimal point on English.

Budgets are exact decimal strings (``"0.125"``, from ``privacy.exact.format_epsilon``) and noise
scales are floats; both reach templates through the ``decimal`` filter, so a Dutch reader sees
``0,125`` as every other figure on the site is written (``analytics.intervals.nl_number``).
"""

from __future__ import annotations

from flask_babel import get_locale


def dutch_page() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "nl"


def local_decimal(value: object, significant: int | None = None) -> str:
    """``value`` as written on this page; floats to ``significant`` digits when given."""
    text = f"{value:.{significant}g}" if significant and isinstance(value, float) else str(value)
    return text.replace(".", ",") if dutch_page() else text
