"""The published figures analytics works on: noisy release tables, never raw signals.

A monthly publication is one signed release per organisation and month holding the standard
tables. Analytics reads them as :class:`PublishedTable` values: every cell of the public grid
with its unbiased noisy estimate, and the noise's standard deviation, so every computation here
is post-processing and costs no privacy.

Default budget of a monthly publication (``privacy.standard_tables``), pure epsilon-DP, discrete
Laplace noise, privacy unit one case per calendar year (see privacy/contributions.py); the table
is ``python -m privacy.tables_doc``'s output, and tests/privacy/test_table_docs.py keeps it so:

=============================== ======= ====== =========================================
table                           epsilon  L1    noise sd per cell (scale = L1 / epsilon)
=============================== ======= ====== =========================================
contacts_unit_category            0.35    9     36.4
cases_unit_category               0.10    9    127.3
contacts_unit_category_channel    0.10    9    127.3
contacts_total                    0.10    3     42.4
contacts_follow_up                0.05    3     84.9
contacts_channel                  0.03    3    141.4
contacts_implicated_party         0.03    3    141.4
contacts_reporter_role            0.02    3    212.1
contacts_impact                   0.02    6    424.3
=============================== ======= ====== =========================================

That is 0.8 per month and 9.6 per calendar year: a case can have contacts in every month, so
the twelve monthly publications add up (sequential composition), and 9.6 stays within the
project's default yearly budget of 10 per consumer. The sensitivity (L1) is K*C = 9 for tables
grouped by category (K = 3 contacts per case, C = 3 categories per signal), K*2 = 6 for the
impact table (a signal can carry both impact flags) and K = 3 otherwise.

Most of the budget goes to ``contacts_unit_category``, the one table behind unit trends,
benchmarks and the consistency checks. Even so these noise levels are large against realistic
counts (a unit of 300 FTE with 4 signals per 100 FTE a year has about one signal a month over
all categories): see docs/analytics.md for what can and cannot be read at this budget.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analytics.errors import StructureChanged, UnknownTable
from privacy.kinds import MECHANISMS, Mechanism
from privacy.released import MalformedRelease, ReleasedTable
from privacy.released_monthly import publication_result
from privacy.releases import Release
from registry.organisations import OrgStructure
from registry.periods import Month

if TYPE_CHECKING:  # only a type here; importing it would load OpenDP for every reader
    from privacy.noise import NoisyTable

def noise_fourth_cumulant(mechanism: str, variance: float) -> float:
    """Fourth cumulant of one cell's noise, from its variance.

    Discrete Laplace noise is the difference of two geometric variables with ratio q; its
    variance is 2q / (1-q)^2 and its fourth cumulant variance^2 * (1 + 4q + q^2) / (2q), which
    tends to 3 variance^2 (the continuous Laplace) for large scales. The discrete Gaussian's is
    close to zero at the scales used here.
    """
    if mechanism == Mechanism.GAUSSIAN or variance <= 0:
        return 0.0
    # q solves variance = 2q / (1-q)^2, written so that it stays exact for tiny variances.
    q = variance / (variance + 1 + math.sqrt(2 * variance + 1))
    return variance * variance * (1 + 4 * q + q * q) / (2 * q)


@dataclass(frozen=True)
class PublishedTable:
    """One released table of one month: keys -> noisy estimate, with the noise's spread."""

    name: str
    month: Month
    group_by: tuple[str, ...]
    estimates: Mapping[tuple[str, ...], int]
    """Key (values in ``group_by`` order) -> unbiased noisy estimate (may be negative)."""
    noise_sd: float
    """Standard deviation of the noise in every cell of this table."""
    half_width: int
    """Per-cell 95% interval half-width as released."""
    consistent: Mapping[tuple[str, ...], int] = field(default_factory=dict)
    """Key -> non-negative display count (post-processed; biased, for display only)."""
    mechanism: str = "laplace"
    """"laplace" (discrete Laplace) or "gaussian" (discrete Gaussian) noise."""

    def __post_init__(self) -> None:
        if self.noise_sd < 0:
            raise ValueError("noise_sd must not be negative")
        if self.mechanism not in MECHANISMS:
            raise ValueError(f"mechanism must be one of {MECHANISMS}")
        for key in self.estimates:
            if len(key) != len(self.group_by):
                raise ValueError(f"key {key} does not match group_by {self.group_by}")

    @property
    def noise_variance(self) -> float:
        return self.noise_sd**2

    @property
    def noise_fourth_cumulant(self) -> float:
        """The noise's fourth cumulant per cell: how much heavier than normal its tails are."""
        return noise_fourth_cumulant(self.mechanism, self.noise_variance)

    def estimate(self, *key: str) -> int:
        return self.estimates[tuple(key)]

    def codes(self, dimension: str) -> tuple[str, ...]:
        """The codes of one dimension, in the order they first appear in the release."""
        position = self.group_by.index(dimension)
        return tuple(dict.fromkeys(key[position] for key in self.estimates))

    @classmethod
    def from_released(cls, name: str, month: Month, table: ReleasedTable) -> PublishedTable:
        """Read one table of a stored release (``privacy.released``)."""
        if table.standard_deviation is None:
            raise MalformedRelease(f"{name} of {month} does not say how large its noise is")
        estimates = {cell.key: cell.estimate for cell in table.cells}
        consistent = {cell.key: cell.consistent for cell in table.cells
                      if cell.consistent is not None}
        return cls(name=name, month=month, group_by=table.group_by, estimates=estimates,
                   noise_sd=table.standard_deviation, half_width=int(table.ci95_halfwidth),
                   consistent=consistent, mechanism=table.mechanism)

    @classmethod
    def from_noisy(cls, name: str, month: Month, noisy: NoisyTable) -> PublishedTable:
        """Read a table straight from a noisy release (no display table)."""
        columns = noisy.grid.key_columns()
        names = noisy.grid.names
        keys = zip(*(columns[n].to_list() for n in names), strict=True) if names else iter([()])
        estimates = {tuple(key): int(v) for key, v in zip(keys, noisy.estimates, strict=True)}
        return cls(name=name, month=month, group_by=names, estimates=estimates,
                   noise_sd=noisy.accuracy.standard_deviation,
                   half_width=noisy.accuracy.half_width, mechanism=noisy.mechanism)


@dataclass(frozen=True)
class PublishedMonth:
    """All standard tables of one organisation for one month."""

    organisation: str
    month: Month
    release_id: str
    tables: Mapping[str, PublishedTable]

    def __post_init__(self) -> None:
        for name, table in self.tables.items():
            if table.month != self.month:
                raise ValueError(f"table {name} is of {table.month}, not {self.month}")

    def table(self, name: str) -> PublishedTable:
        try:
            return self.tables[name]
        except KeyError:
            raise UnknownTable(
                f"the publication of {self.organisation} for {self.month} has no table {name!r}"
            ) from None


def series(months: Sequence[PublishedMonth], table: str) -> list[PublishedTable]:
    """The given table of each month, oldest first."""
    return [m.table(table) for m in sorted(months, key=lambda m: m.month)]


def by_organisation(months: Sequence[PublishedMonth]) -> dict[str, list[PublishedMonth]]:
    """Split publications per organisation, each list oldest first."""
    out: dict[str, list[PublishedMonth]] = {}
    for month in sorted(months, key=lambda m: m.month):
        out.setdefault(month.organisation, []).append(month)
    return out


def one_organisation(months: Sequence[PublishedMonth]) -> tuple[str, list[PublishedMonth]]:
    """The organisation of ``months`` and the months oldest first; refuses mixed or doubled."""
    if not months:
        raise ValueError("no publications given")
    organisations = {m.organisation for m in months}
    if len(organisations) != 1:
        raise ValueError(f"publications of several organisations: {sorted(organisations)}")
    ordered = sorted(months, key=lambda m: m.month)
    seen = [m.month for m in ordered]
    if len(set(seen)) != len(seen):
        raise ValueError("a month is published twice")
    return ordered[0].organisation, ordered


def last_months(months: Sequence[PublishedMonth], n: int,
                end: Month | None = None) -> list[PublishedMonth]:
    """The publications of the ``n`` calendar months up to ``end`` (default: the latest)."""
    if n < 1:
        raise ValueError("a window has at least one month")
    if not months:
        return []
    end = end or max(m.month for m in months)
    first = end.add(-(n - 1))
    return sorted((m for m in months if first <= m.month <= end), key=lambda m: m.month)


def own_headcount(org: OrgStructure, unit: str, released: Collection[str]) -> int:
    """FTE behind a released unit's own cell: its staff and that of merged-in small units.

    A unit's headcount includes all its sub-units. Sub-units that are released on their own
    have cells of their own, so their headcount is taken off; small sub-units that are merged
    into this unit stay in. Walking down stops at a released sub-unit: everything below it
    belongs to that sub-unit's cells.
    """
    total = org.get(unit).headcount
    stack = list(org.children(unit))
    while stack:
        child = stack.pop()
        if child in released:
            total -= org.get(child).headcount
        else:
            stack.extend(org.children(child))
    return total


def released_subtree(org: OrgStructure, unit: str, released: Collection[str]) -> list[str]:
    """``unit`` and every released unit below it: the cells that add up to its whole staff."""
    return [code for code in org.subtree(unit) if code in released]


def unit_codes(table: PublishedTable, org: OrgStructure, organisation: str) -> tuple[str, ...]:
    """The released units of ``organisation`` in a table; refuses units the structure lacks."""
    codes = table.codes("unit")
    unknown = [c for c in codes if c not in org]
    if unknown:
        raise StructureChanged(f"{table.name} of {table.month} has units not in the structure: "
                               f"{unknown[:5]}", "unit")
    return tuple(c for c in codes if org.get(c).organisation == organisation)


@dataclass(frozen=True)
class WindowSums:
    """One table summed over a window of months: per key the summed noisy estimate."""

    name: str
    months: tuple[Month, ...]
    sums: Mapping[tuple[str, ...], int]
    noise_variance: float
    """Variance of the summed noise in every key: the sum of the monthly noise variances."""
    noise_fourth_cumulant: float = 0.0
    """Fourth cumulant of the summed noise (cumulants of independent noise add up)."""

    def __post_init__(self) -> None:
        if not self.months:
            raise ValueError("a window has at least one month")
        if self.noise_variance < 0:
            raise ValueError("noise_variance must not be negative")

    def get(self, *key: str) -> int:
        return self.sums[tuple(key)]


def window_sums(months: Sequence[PublishedMonth], name: str) -> WindowSums:
    """Sum ``name`` over ``months``; every month must hold the same keys."""
    if not months:
        raise ValueError("a window has at least one month")
    ordered = sorted(months, key=lambda m: m.month)
    sums: dict[tuple[str, ...], int] = {}
    variance = fourth = 0.0
    keys: set[tuple[str, ...]] | None = None
    for published in ordered:
        table = published.table(name)
        if keys is None:
            keys = set(table.estimates)
        elif set(table.estimates) != keys:
            raise StructureChanged(f"{name} has other keys in {published.month}: the structure "
                                   "or taxonomy changed within the window", "from")
        for key, value in table.estimates.items():
            sums[key] = sums.get(key, 0) + value
        variance += table.noise_variance
        fourth += table.noise_fourth_cumulant
    return WindowSums(name, tuple(m.month for m in ordered), sums, variance, fourth)


def to_published_month(release: Release) -> PublishedMonth:
    """Read a monthly publication (``privacy.publication``) as analytics input."""
    result = publication_result(release)
    tables = {name: PublishedTable.from_released(name, result.period, table)
              for name, table in result.tables.items()}
    return PublishedMonth(result.organisation, result.period, release.id, tables)


def to_published_months(releases: Sequence[Release]) -> list[PublishedMonth]:
    return [to_published_month(r) for r in releases]
