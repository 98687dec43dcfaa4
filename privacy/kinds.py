"""The closed sets a query is made of: measures, grains, mechanisms, budget units, dimensions.

Each is a ``StrEnum``: a member is its code, so JSON, stored release specs, form values and
comparisons with plain text stay the same strings. Readers above ``privacy`` (analytics, the
research form, the APIs) take their choices from here, never from a copy of their own.

The tuples of plain codes (``MEASURES``, ``GRAINS``, ...) are for messages and lists shown to
people: their text is that of the codes, whatever the enum's repr.
"""

from __future__ import annotations

from enum import StrEnum


class Measure(StrEnum):
    """What a table counts."""

    CONTACTS = "contacts"
    """Every signal (contact) counts."""
    CASES = "cases"
    """Distinct cases: contacts with the same case token count once; a signal without one is a
    case of its own."""


class Grain(StrEnum):
    """The width of a period bucket."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class BudgetUnit(StrEnum):
    """The currency a release is paid in."""

    EPSILON = "epsilon"
    """Pure epsilon-DP."""
    RHO = "rho"
    """Zero-concentrated DP (zCDP); the capped ledger keeps every account in rho."""


class Mechanism(StrEnum):
    """The noise added to a table, which decides the unit of its budget."""

    LAPLACE = "laplace"
    """Discrete Laplace noise, pure epsilon-DP."""
    GAUSSIAN = "gaussian"
    """Discrete Gaussian noise, rho-zCDP."""

    @property
    def budget_unit(self) -> BudgetUnit:
        return BudgetUnit.EPSILON if self is Mechanism.LAPLACE else BudgetUnit.RHO


def codes(kind: type[StrEnum]) -> tuple[str, ...]:
    """The plain codes of an enum, in declaration order."""
    return tuple(member.value for member in kind)


MEASURES = codes(Measure)
GRAINS = codes(Grain)
MECHANISMS = codes(Mechanism)
# Mechanism -> the JSON field that holds its budget.
BUDGET_FIELD: dict[str, str] = {m.value: m.budget_unit.value for m in Mechanism}

# Canonical order of the dimensions; group_by is always kept in this order.
DIMENSIONS = (
    "period", "unit", "category", "channel", "implicated_party", "reporter_role", "follow_up",
    "impact",
)
# Filters on coded fields; the period is chosen with from/to, never with a filter.
FILTER_FIELDS = (
    "organisation", "unit", "category", "channel", "implicated_party", "reporter_role",
    "follow_up",
)
# Dimension name -> taxonomy field name, for the coded dimensions.
TAXONOMY_FIELDS = {
    "category": "categories",
    "channel": "channel",
    "implicated_party": "implicated_party",
    "reporter_role": "reporter_role",
    "follow_up": "follow_up",
    "impact": "impact",
}
