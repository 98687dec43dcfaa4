"""Exact numbers for privacy budgets: Fractions from text, canonical text from Fractions.

A budget that is added up over a year must not drift, so floats are refused at the boundary and
every amount is a :class:`fractions.Fraction` parsed from decimal or "p/q" text.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from privacy.models import CONSUMER_LENGTH, EPSILON_LENGTH
from registry.errors import FieldError, ValidationFailed

Exact = Fraction | int | str | Decimal
# "plan", "or:MIN-A", "gor", "preventie:MIN-A", "research:project-x".
_CONSUMER_RE = re.compile(r"^[a-z][a-z0-9_-]*(?::[A-Za-z0-9][A-Za-z0-9._-]*)?$")
_EXACT_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d+)?|\.\d+|\d+/\d+)$", re.ASCII)
MIN_YEAR, MAX_YEAR = 2000, 9999


def to_fraction(value: Exact, field: str = "epsilon") -> Fraction:
    """An exact Fraction from a Fraction, int, Decimal or decimal/"p/q" text; floats are refused.

    A float is refused rather than converted: by the time a value is a float its exactness is
    already lost, so the boundary that parsed it must hand over text or a Fraction instead.
    """
    if isinstance(value, bool | float):
        raise TypeError(f"{field} must be exact (Fraction, int, Decimal or text), not {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        # Same reason as for text: a huge exponent would build a huge integer.
        if not isinstance(exponent, int) or abs(exponent) > EPSILON_LENGTH or (
                value and value.adjusted() > EPSILON_LENGTH):
            raise _invalid(field, f"{value} is geen geldig getal.")
        return Fraction(value)
    text = value.strip()
    # Plain decimals and "p/q" only: an exponent such as "1e999999999" would make Fraction
    # build an enormous integer from a few characters of user input.
    if len(text) > EPSILON_LENGTH or not _EXACT_RE.match(text):
        raise _invalid(field, f"{value!r} is geen geldig getal.")
    try:
        return Fraction(text)
    except ZeroDivisionError:
        raise _invalid(field, f"{value!r} is geen geldig getal.") from None


def format_epsilon(value: Fraction) -> str:
    """Exact, canonical text: a terminating decimal ("0.25", "10") when there is one, else "p/q"."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    den, digits = value.denominator, 0
    # A fraction has a terminating decimal exactly when its denominator is 2**a * 5**b.
    rest = den
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    if rest != 1:
        return f"{sign}{value.numerator}/{den}"
    while (10**digits) % den:
        digits += 1
    scaled = value.numerator * (10**digits // den)
    whole, frac = divmod(scaled, 10**digits)
    text = str(whole) if digits == 0 else f"{whole}.{frac:0{digits}d}".rstrip("0").rstrip(".")
    return sign + text


def parse_epsilon(text: str) -> Fraction:
    """The inverse of :func:`format_epsilon` for stored values."""
    return Fraction(text)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message)])


def positive_epsilon(value: Exact, field: str = "epsilon") -> Fraction:
    epsilon = to_fraction(value, field)
    if epsilon <= 0:
        raise _invalid(field, "Epsilon moet groter zijn dan 0.")
    if len(format_epsilon(epsilon)) > EPSILON_LENGTH:
        raise _invalid(field, "Epsilon heeft te veel cijfers; rond af op minder decimalen.")
    return epsilon


def check_consumer(consumer: str) -> str:
    if len(consumer) > CONSUMER_LENGTH or not _CONSUMER_RE.match(consumer):
        raise _invalid("consumer", f"Ongeldige afnemer: {consumer!r}.")
    return consumer


def check_year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise _invalid("year", f"Ongeldig jaar: {year!r}.")
    return year
