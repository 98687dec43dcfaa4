"""The documented tables of budgets and noise, rendered from the declarations.

``python -m privacy.tables_doc`` prints the table of the monthly publication's standard tables
that ``analytics.published``'s docstring holds, and the sentence under it that adds the budgets
up. tests/privacy/test_table_docs.py fails when the docstring and this rendering differ, and
checks the release plan's table in docs/privacy-guarantee.md against ``privacy.plan``, so a
changed budget or a new table cannot leave a document behind.
"""

from __future__ import annotations

from fractions import Fraction

from privacy.budgets import decimal_text
from privacy.contributions import ContributionBounds
from privacy.noise import noise_standard_deviation
from privacy.standard_tables import (
    MONTHLY_EPSILON,
    STANDARD_MECHANISM,
    STANDARD_TABLES,
    YEARLY_EPSILON,
)
from registry.taxonomy import Taxonomy, load_taxonomy

RULE = "=" * 31 + " " + "=" * 7 + " " + "=" * 6 + " " + "=" * 41
HEADER = "table                           epsilon  L1    noise sd per cell (scale = L1 / epsilon)"


def standard_tables_rst(taxonomy: Taxonomy, bounds: ContributionBounds) -> str:
    """The reStructuredText table of every standard table: epsilon, L1 and noise sd."""
    rows = []
    for table in STANDARD_TABLES:
        l1 = table.sensitivity(taxonomy, bounds).l1
        sd = noise_standard_deviation(STANDARD_MECHANISM, l1 / float(table.epsilon))
        rows.append(f"{table.name:<31} {_two_places(table.epsilon):>6}  {l1:>3} {sd:>8.1f}")
    return "\n".join([RULE, HEADER, RULE, *rows, RULE])


def _two_places(value: Fraction) -> str:
    """Exact decimal text with at least two places: "0.10", "0.125"."""
    whole, _, places = decimal_text(value).partition(".")
    return f"{whole}.{places:0<2}"


def budget_sentence() -> str:
    """How the standard tables' epsilons add up, as the docstring says it."""
    return (f"That is {decimal_text(MONTHLY_EPSILON)} per month and "
            f"{decimal_text(YEARLY_EPSILON)} per calendar year")


def main() -> None:
    print(standard_tables_rst(load_taxonomy(), ContributionBounds()))
    print()
    print(budget_sentence() + ".")


if __name__ == "__main__":
    main()
