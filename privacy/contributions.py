"""Contribution bounds: how much one privacy unit can change a table, and the truncation that
makes it so.

The privacy unit is one case within one calendar year. Case pseudonyms are keyed per year
(privacy.pseudonyms), so the same case in two years is two units. A signal without a case
pseudonym is a case of its own.

Two bounds are applied to the rows before counting, each per case or per signal, so that adding
or removing one case changes only that case's rows:

K (``contacts_per_case``, default 3)
    Of the contacts of one case that match a query, at most K count. The K kept are those with
    the smallest signal ids. Ids are random (registry.db.random_id), so this is a uniformly
    random choice that does not depend on arrival order, and it is the same choice every time.
C (``categories_per_signal``, default 3)
    A signal may carry several categories. At most C of them count: the first C in taxonomy
    order. This is fixed per signal and public; its bias (a signal with more than C categories
    loses the later ones) is small because few signals carry more than three.
Impact (fixed, ``IMPACTS_PER_SIGNAL`` = 2)
    A signal may carry several impact codes; at most 2 count, the first 2 in taxonomy order
    (the taxonomy has exactly two, so none is lost). A table grouped by impact has c = 2 (times
    the category c when grouped by both); a signal without impact counts in no impact cell.

Sensitivity, derived. Let c = min(C, number of category codes in the table) when the table is
grouped by category and c = 1 otherwise (a category filter without grouping counts a signal at
most once). A case keeps at most K contacts; each contact adds 1 to at most c cells, and those
c cells are distinct (a signal's categories are distinct).

contacts
    L1: at most K*c increments in all, so ``l1 = K*c``.
    L2: a cell gets at most K from one case (one per contact). The sum of squares of per-cell
    changes with total K*c and each at most K is largest when the changes are concentrated:
    c cells with K each, so ``l2**2 = c*K**2``, ``l2 = K*sqrt(c)``.
cases
    A case counts at most once per cell, and only in cells where it has a kept contact, so it
    touches at most K*c cells with 1 each: ``l1 = K*c`` and ``l2**2 = K*c``.

These are bounds for adding or removing one whole case (unbounded neighbours), which is the
neighbouring relation of OpenDP's ``l1_distance`` and ``l2_distance`` on count vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from privacy.kinds import Measure

DEFAULT_CONTACTS_PER_CASE = 3
DEFAULT_CATEGORIES_PER_SIGNAL = 3
# A signal carries at most this many impact codes (the taxonomy has two: verzuim and
# overweegt_vertrek); more are never counted.
IMPACTS_PER_SIGNAL = 2


@dataclass(frozen=True)
class ContributionBounds:
    """The two truncation bounds of a release."""

    contacts_per_case: int = DEFAULT_CONTACTS_PER_CASE
    """K: most contacts of one case (per calendar year) that count in one query."""
    categories_per_signal: int = DEFAULT_CATEGORIES_PER_SIGNAL
    """C: most categories of one signal that count, the first C in taxonomy order."""

    def __post_init__(self) -> None:
        for name in ("contacts_per_case", "categories_per_signal"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
                raise ValueError(f"{name} must be an integer from 1 to 100, got {value!r}")


@dataclass(frozen=True)
class Sensitivity:
    """How far one privacy unit can move the count vector."""

    l1: int
    """L1 distance bound (integer)."""
    l2_squared: int
    """Square of the L2 distance bound; integer, so it is exact."""

    def __post_init__(self) -> None:
        if self.l1 < 1 or self.l2_squared < 1:
            raise ValueError("sensitivities must be at least 1")
        if self.l2_squared > self.l1**2:
            raise ValueError("l2 cannot exceed l1")

    @property
    def l2(self) -> float:
        """The L2 bound as a float, rounded up so it is never below the exact value."""
        value = math.sqrt(self.l2_squared)
        while value * value < self.l2_squared:
            value = math.nextafter(value, math.inf)
        return value


def cells_per_signal(grouped_by_category: bool, category_cells: int, bounds: ContributionBounds,
                     ) -> int:
    """c: how many cells one signal can add to."""
    if not grouped_by_category:
        return 1
    return min(bounds.categories_per_signal, category_cells)


def table_cells_per_signal(group_by: tuple[str, ...] | list[str], category_cells: int,
                           impact_cells: int, bounds: ContributionBounds) -> int:
    """c for a table: the product over its multi-valued dimensions (category, impact).

    A signal adds to at most min(C, categories) category cells and min(2, impacts) impact cells;
    grouped by both, to every pair of those, so the bounds multiply.
    """
    c = cells_per_signal("category" in group_by, category_cells, bounds)
    if "impact" in group_by:
        c *= min(IMPACTS_PER_SIGNAL, impact_cells)
    return c


def sensitivity(measure: Measure, cells_per_contact: int,
                bounds: ContributionBounds) -> Sensitivity:
    """Sensitivity of a count table; see the module docstring for the derivation."""
    k, c = bounds.contacts_per_case, cells_per_contact
    if c < 1:
        raise ValueError("cells_per_contact must be at least 1")
    if measure == Measure.CONTACTS:
        return Sensitivity(l1=k * c, l2_squared=c * k * k)
    if measure == Measure.CASES:
        return Sensitivity(l1=k * c, l2_squared=k * c)
    raise ValueError(f"unknown measure {measure!r}")


def table_sensitivity(measure: Measure, group_by: tuple[str, ...], category_cells: int,
                      impact_cells: int, bounds: ContributionBounds) -> Sensitivity:
    """Sensitivity of a table grouped by ``group_by``, whose category and impact axes have
    ``category_cells`` and ``impact_cells`` codes (0 when it has no such axis)."""
    cells = table_cells_per_signal(group_by, category_cells, impact_cells, bounds)
    return sensitivity(measure, cells, bounds)


def keep_lowest_bits(masks: np.ndarray, limit: int, n_bits: int) -> np.ndarray:
    """Of each category bit mask keep at most ``limit`` set bits, the lowest first.

    Bit i stands for the i-th category in taxonomy order, so this keeps the first C categories
    of every signal. Works on a whole column at once: one pass per bit.
    """
    masks = masks.astype(np.int64, copy=False)
    kept = np.zeros_like(masks)
    seen = np.zeros_like(masks)
    for bit in range(n_bits):
        has = (masks >> bit) & 1
        kept |= (has & (seen < limit)) << bit
        seen += has
    return kept


def cap_contacts(signals: pl.DataFrame, limit: int) -> pl.DataFrame:
    """Keep at most ``limit`` rows per case: those with the smallest (random) ``id``.

    Rows with a null ``case`` are cases of their own and are all kept. Cases are grouped by a
    64-bit hash of the pseudonym, which is far quicker than grouping 96-character strings; two
    cases whose hashes collide are capped together, which only drops more rows and so never
    weakens the bound.
    """
    lone = signals.filter(pl.col("case").is_null())
    cased = signals.filter(pl.col("case").is_not_null()).with_columns(
        pl.col("case").hash().alias("_case")
    )
    if cased.is_empty():
        return lone
    size = pl.len().over("_case")
    small = cased.filter(size <= limit)
    large = cased.filter(size > limit)
    large = large.filter(pl.col("id").rank("ordinal").over("_case") <= limit)
    return pl.concat([lone, small.drop("_case"), large.drop("_case")], how="vertical")
