"""The page's language, and numbers written in it: a decimal comma on Dutch pages, a point on
English ones.

Budgets are exact decimal strings (``"0.125"``, from ``privacy.exact.format_epsilon``) or
fractions, noise scales floats; templates write them through the ``decimal`` filter and views
through :func:`number` (or :func:`exact_number` where no digit may be rounded away), so a
Dutch reader sees ``0,125`` as every other figure on the site is written
(``analytics.intervals.nl_number``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask_babel import get_locale

from privacy.ledger import format_epsilon


def page_locale() -> str:
    """"en" on an English page, else "nl" (the default, also outside a request's locale)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "nl"


def with_page_decimal_sign(text: str) -> str:
    return text.replace(".", ",") if page_locale() == "nl" else text


def local_decimal(value: object, significant: int | None = None) -> str:
    """``value`` as written on this page; floats to ``significant`` digits when given."""
    text = f"{value:.{significant}g}" if significant and isinstance(value, float) else str(value)
    return with_page_decimal_sign(text)


def exact_number(value: Fraction) -> str:
    """A budget written exactly ("0,311064", "0,000001"; "1/3" if it has no decimal), with the
    page's decimal sign: for shares and caps, which an administrator must read to the digit."""
    return with_page_decimal_sign(format_epsilon(value))


def number(value: Fraction | float, digits: int = 6) -> str:
    """A number as a reader writes it: exact when it has a short decimal, else rounded (with
    "≈"); with the page's decimal sign."""
    if isinstance(value, Fraction):
        text = format_epsilon(value)
        if "/" in text or len(text.partition(".")[2]) > digits:
            text = "≈ " + _rounded(Decimal(value.numerator) / Decimal(value.denominator), digits)
    else:
        text = _rounded(Decimal(repr(value)), digits)
    return with_page_decimal_sign(text)


def _rounded(value: Decimal, digits: int) -> str:
    rounded = value.quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    return format(rounded.normalize(), "f") if rounded else "0"
