"""The budget of one query: an exact decimal within a fixed range.

A budget is a :class:`fractions.Fraction` parsed from a decimal string or an integer with at
most six decimal places. A JSON float is refused: ``0.1`` as a binary float is not one tenth,
and budgets that are added up over a year must not drift.

The range, bounds included. The floor keeps out probing: ten million queries of a millionth
each would add up to little per query but average the noise away bit by bit. The ceiling keeps
out reconstruction: one query with a huge budget has almost no noise. The rho floor is what the
smallest Laplace query costs (MIN_EPSILON**2 / 2); the rho ceiling is about a sixth of the
default yearly cap (rho 0.311064), so one Gaussian query never takes most of a year.
"""

from __future__ import annotations

import re
from enum import StrEnum
from fractions import Fraction
from typing import Any

from privacy.kinds import BudgetUnit
from registry.errors import FieldError

MIN_EPSILON = Fraction(1, 100)
MAX_EPSILON = Fraction(1)
MIN_RHO = Fraction(5, 100_000)
MAX_RHO = Fraction(5, 100)
BUDGET_LIMITS: dict[str, tuple[Fraction, Fraction]] = {
    BudgetUnit.EPSILON: (MIN_EPSILON, MAX_EPSILON), BudgetUnit.RHO: (MIN_RHO, MAX_RHO)}
MAX_DECIMALS = 6


class BudgetProblem(StrEnum):
    """The budget problems a form words itself (``FieldError.problem``)."""

    FORMAT = "budget_format"
    RANGE = "budget_range"


_DECIMAL_RE = re.compile(r"^\d{1,3}(\.\d{1,6})?$", re.ASCII)


def decimal_text(value: Fraction) -> str:
    """A Fraction with at most six decimal places as plain decimal text: "0.25", "3"."""
    scaled = value * 10**MAX_DECIMALS
    if scaled.denominator != 1:
        raise ValueError(f"{value} has more than {MAX_DECIMALS} decimal places")
    whole, frac = divmod(scaled.numerator, 10**MAX_DECIMALS)
    return f"{whole}.{frac:06d}".rstrip("0").rstrip(".")


def check_budget(budget: object, unit: str) -> None:
    """Raise ValueError unless ``budget`` is a Fraction in range with at most six decimals."""
    if not isinstance(budget, Fraction):
        raise ValueError(f"{unit} must be a Fraction, got {budget!r}")
    low, high = BUDGET_LIMITS[unit]
    if not low <= budget <= high:
        raise ValueError(f"{unit} must be from {decimal_text(low)} to {decimal_text(high)}, "
                         f"got {budget}")
    if (10**MAX_DECIMALS) % budget.denominator:
        raise ValueError(f"{unit} must be a decimal with at most {MAX_DECIMALS} places")


def parse_budget(value: Any, unit: str, errors: list[FieldError]) -> Fraction | None:
    """Read a budget from user input; on bad input add a Dutch FieldError and return None."""
    if value is None:
        errors.append(FieldError(unit, f"Vul {unit} in, bijvoorbeeld \"0.5\"."))
        return None
    if isinstance(value, bool):
        errors.append(FieldError(unit, f"{unit} moet een getal zijn."))
        return None
    if isinstance(value, float):
        errors.append(FieldError(
            unit, f"Geef {unit} als tekst (\"0.5\") of geheel getal, niet als kommagetal: "
            "een binair kommagetal is niet exact."))
        return None
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        errors.append(FieldError(unit, f"{unit} moet een getal als tekst zijn."))
        return None
    if not _DECIMAL_RE.match(text):
        errors.append(FieldError(unit, budget_format_message(unit), BudgetProblem.FORMAT))
        return None
    budget = Fraction(text)
    low, high = BUDGET_LIMITS[unit]
    if not low <= budget <= high:
        errors.append(FieldError(unit, budget_range_message(unit), BudgetProblem.RANGE))
        return None
    return budget


def budget_format_message(unit: str) -> str:
    """The Dutch message for a budget that is not a decimal the spec reads. It is the API's
    message: the API reads a decimal point only, so the example has one; the web form, which
    also takes a comma, says it in its own words (``dashboards.research.budget_words``)."""
    return (f"{unit} moet een decimaal getal zijn met hoogstens {MAX_DECIMALS} cijfers achter "
            "de punt, bijvoorbeeld \"0.25\".")


def budget_range_message(unit: str) -> str:
    """The Dutch message for a budget outside its range, naming the range, with decimal points as
    the API writes them; the web form words it with the page's decimal sign."""
    low, high = (decimal_text(limit) for limit in BUDGET_LIMITS[unit])
    return (f"{unit} moet per vraag tussen {low} en {high} liggen (grenzen inbegrepen): kleiner "
            "maakt aftasten met heel veel vragen mogelijk, groter laat één vraag de cijfers "
            "bijna zonder ruis zien.")
