"""The standard tables of the earlier design's monthly publication, declared once.

Each month every organisation got one release holding these tables (``privacy.publication``),
each an ordinary differentially private table over its full public key grid, filtered to the
organisation and the month, with discrete Laplace noise and a share of the month's epsilon of
its own. Analytics reads the releases back (``analytics.published``); the table of budgets and
noise in that module's docstring is rendered from here (``python -m privacy.tables_doc``) and a
test keeps the two the same.

A new standard table is one line in ``STANDARD_TABLES``: its name, what it counts, its
dimensions in canonical order (``privacy.kinds.DIMENSIONS``) and its epsilon. Its sensitivity
follows from ``privacy.contributions``, as for any query.

The epsilons add up to 0.8 a month and 9.6 a calendar year, within the default yearly budget of
10. Most goes to ``contacts_unit_category``, the one table behind unit trends, benchmarks and
the consistency checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from privacy.contributions import ContributionBounds, Sensitivity, table_sensitivity
from privacy.kinds import DIMENSIONS, TAXONOMY_FIELDS, Measure, Mechanism
from registry.taxonomy import Taxonomy

# Every standard table is released with this noise: epsilons are pure DP.
STANDARD_MECHANISM = Mechanism.LAPLACE
MONTHS_A_YEAR = 12


@dataclass(frozen=True)
class StandardTable:
    """One table of a monthly publication and its share of the month's budget."""

    name: str
    measure: Measure
    group_by: tuple[str, ...]
    """Dimensions in canonical order; () is the single total cell."""
    epsilon: Fraction
    """Its share of a month's budget (pure DP)."""

    def __post_init__(self) -> None:
        if self.group_by != tuple(d for d in DIMENSIONS if d in self.group_by):
            raise ValueError(f"{self.name}: group_by must follow the canonical order")
        if "period" in self.group_by:
            raise ValueError(f"{self.name}: a monthly table has one period, never a period axis")
        if not 0 < self.epsilon <= 1:
            raise ValueError(f"{self.name}: epsilon must be above 0 and at most 1")

    def sensitivity(self, taxonomy: Taxonomy, bounds: ContributionBounds) -> Sensitivity:
        """How far one case can move this table: from ``privacy.contributions``, over the
        full grid (a standard table never filters a coded dimension)."""
        def cells(name: str) -> int:
            return len(taxonomy.codes(TAXONOMY_FIELDS[name])) if name in self.group_by else 0

        return table_sensitivity(self.measure, self.group_by, cells("category"),
                                 cells("impact"), bounds)


STANDARD_TABLES: tuple[StandardTable, ...] = (
    StandardTable("contacts_unit_category", Measure.CONTACTS, ("unit", "category"),
                  Fraction("0.35")),
    StandardTable("cases_unit_category", Measure.CASES, ("unit", "category"), Fraction("0.10")),
    StandardTable("contacts_unit_category_channel", Measure.CONTACTS,
                  ("unit", "category", "channel"), Fraction("0.10")),
    StandardTable("contacts_total", Measure.CONTACTS, (), Fraction("0.10")),
    StandardTable("contacts_follow_up", Measure.CONTACTS, ("follow_up",), Fraction("0.05")),
    StandardTable("contacts_channel", Measure.CONTACTS, ("channel",), Fraction("0.03")),
    StandardTable("contacts_implicated_party", Measure.CONTACTS, ("implicated_party",),
                  Fraction("0.03")),
    StandardTable("contacts_reporter_role", Measure.CONTACTS, ("reporter_role",),
                  Fraction("0.02")),
    StandardTable("contacts_impact", Measure.CONTACTS, ("impact",), Fraction("0.02")),
)
MONTHLY_EPSILON: Fraction = sum((t.epsilon for t in STANDARD_TABLES), Fraction(0))
YEARLY_EPSILON: Fraction = MONTHS_A_YEAR * MONTHLY_EPSILON


def standard_table(name: str) -> StandardTable:
    for table in STANDARD_TABLES:
        if table.name == name:
            return table
    raise KeyError(name)
