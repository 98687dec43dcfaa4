"""The release plan's figures for readers: one data year, every level combined by least squares.

Input is the signed releases of the plan (``privacy.plan_service``) for one data year; output is
:class:`PlanYear`, whose every figure is an :class:`~analytics.intervals.Estimate` (unbiased
value and the exact variance of its noise). Everything here is post-processing: it spends
nothing.

Combining levels (generalised least squares)
    For each category the year releases measure the DG rows d (``dg_category``), every
    organisation o (``org_category``, the sum of its DG rows) and the Rijk (``rijk_category``, the
    sum of all). With y the measurements, A the 0/1 matrix that sums DG rows into each
    measurement and W = diag(1 / sigma^2), the minimum-variance unbiased estimate of the DG rows
    is x = (A'WA)^-1 A'Wy with covariance (A'WA)^-1; an organisation's figure is the sum of its
    rows, with variance 1' Cov 1. Because its own measurement is one of the rows of A, the
    combined figure's variance is never larger than that measurement's (adding observations to a
    GLS problem never increases the variance of an estimable quantity). Organisation and DG
    figures then add up exactly to the Rijk figure.

Time (continual release)
    Months (``org_total_month``) and quarters (``org_total_quarter``) are combined the same way,
    per organisation: unknowns are the months released so far, each quarter released measures
    the sum of its months. Quarters, half years and year-to-date are sums of the combined months.

Attribute tables (channel, follow-up, implicated party, reporter role, impact) are measured per
organisation; a Rijk figure is the sum over organisations (variances add).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from analytics.errors import NotInRelease, PeriodNotPublished, UnknownTable
from analytics.errors import StructureChanged as StructureChanged
from analytics.intervals import Estimate
from privacy.plan import RIJK, Dimension, Part
from privacy.released import PlanResult, PlanTablePayload, plan_result
from privacy.releases import Release
from registry.organisations import OrgStructure
from registry.periods import Month


@dataclass(frozen=True)
class PlanTableReading:
    """One released planned table: estimates per (unit, period, code) and its noise sd."""

    name: str
    part: Part
    dimension: Dimension
    sigma: float
    cells: Mapping[tuple[str, str, str], float]

    @classmethod
    def from_payload(cls, name: str, table: PlanTablePayload) -> PlanTableReading:
        cells = {(c.unit, c.period or "", c.code): c.estimate for c in table.cells}
        return cls(name, table.part, table.dimension, table.standard_deviation, cells)

    def get(self, unit: str, code: str, period: str = "") -> Estimate:
        value = self.cells.get((unit, period, code))
        if value is None:
            raise NotInRelease(f"{self.name} has no cell {unit} {period} {code}")
        return Estimate(value, self.sigma**2)

    def units(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k[0] for k in self.cells))

    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k[2] for k in self.cells))

    def periods(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k[1] for k in self.cells))


@dataclass(frozen=True)
class PlanRelease:
    """What a reader needs of one plan release: its id, part, period and tables."""

    release_id: str
    year: int
    part: Part
    period: str
    tables: Mapping[str, PlanTableReading]

    @classmethod
    def from_result(cls, release_id: str, result: PlanResult) -> PlanRelease:
        tables = {name: PlanTableReading.from_payload(name, table)
                  for name, table in result.tables.items()}
        return cls(release_id, result.data_year, result.part, result.period, tables)

    def table(self, name: str) -> PlanTableReading:
        found = self.tables.get(name)
        if found is None:
            raise UnknownTable(f"the release of {self.period} has no table {name!r}")
        return found

    @classmethod
    def from_release(cls, release: Release) -> PlanRelease:
        """Read a stored release of the plan (``privacy.released``); :class:`MalformedRelease`
        for any other release."""
        return cls.from_result(release.id, plan_result(release))


def gls(design: np.ndarray, values: np.ndarray, variances: np.ndarray,
        ) -> tuple[np.ndarray, np.ndarray]:
    """Generalised least squares: (estimate, covariance) of x from y = A x + noise."""
    weights = 1.0 / variances
    normal = design.T @ (design * weights[:, None])
    covariance = np.linalg.inv(normal)
    estimate = covariance @ (design.T @ (weights * values))
    return estimate, covariance


@dataclass(frozen=True)
class Combined:
    """GLS estimates of some leaves with their covariance; figures are sums of leaves."""

    leaves: tuple[str, ...]
    estimate: np.ndarray
    covariance: np.ndarray

    def sum(self, members: Sequence[str]) -> Estimate:
        index = [self.leaves.index(m) for m in members]
        value = float(self.estimate[index].sum())
        variance = float(self.covariance[np.ix_(index, index)].sum())
        return Estimate(value, max(variance, 0.0))


@dataclass(frozen=True)
class PlanYear:
    """Every figure the plan holds for one data year."""

    year: int
    org: OrgStructure
    releases: tuple[PlanRelease, ...]
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # -- what is there ---------------------------------------------------------------------

    @property
    def release_ids(self) -> tuple[str, ...]:
        return tuple(r.release_id for r in self.releases)

    def table(self, name: str, period: str | None = None) -> PlanTableReading | None:
        for release in self.releases:
            if name in release.tables and (period is None or release.period == period):
                return release.tables[name]
        return None

    @property
    def complete(self) -> bool:
        """True once the year tables are released (the data year is over)."""
        return any(r.part is Part.YEAR for r in self.releases)

    def periods(self, part: Part) -> tuple[str, ...]:
        return tuple(sorted(r.period for r in self.releases if r.part is part))

    def owner(self, unit: str) -> str | None:
        """The organisation ``unit`` belongs to in today's structure; None once it is gone.

        Releases keep the units of their day: a DG removed from the structure since is still
        in them, and has no organisation to be shown under any more.
        """
        return self.org.get(unit).organisation if unit in self.org else None

    def dg_rows(self, organisation: str) -> tuple[str, ...]:
        """The organisation's DG rows that today's structure still has."""
        table = self.table("dg_category")
        if table is None:
            return ()
        return tuple(u for u in table.units() if self.owner(u) == organisation)

    # -- categories: Rijk, organisation and DG levels combined ----------------------------

    @cached_property
    def _by_category(self) -> dict[str, Combined]:
        dg, organisation, rijk = (self.table("dg_category"), self.table("org_category"),
                                  self.table("rijk_category"))
        if dg is None or organisation is None or rijk is None:
            return {}
        leaves = dg.units()
        owners = [self.owner(u) for u in leaves]
        # A row whose unit has left the structure belonged to an organisation that can no
        # longer be told, so no organisation's measurement can be written as a sum of rows:
        # those measurements are left out (the rows and the Rijk stay unbiased, a little wider).
        organisations = organisation.units() if None not in owners else ()
        rows = [np.eye(len(leaves))]
        if organisations:
            rows.append(np.array([[1.0 if owner == o else 0.0 for owner in owners]
                                  for o in organisations]))
        rows.append(np.ones((1, len(leaves))))
        design = np.vstack(rows)
        variances = np.concatenate([np.full(len(leaves), dg.sigma**2),
                                    np.full(len(organisations), organisation.sigma**2),
                                    [rijk.sigma**2]])
        out = {}
        for code in dg.codes():
            values = np.array([dg.cells[(u, "", code)] for u in leaves]
                              + [organisation.cells[(o, "", code)] for o in organisations]
                              + [rijk.cells[(RIJK, "", code)]])
            estimate, covariance = gls(design, values, variances)
            out[code] = Combined(leaves, estimate, covariance)
        return out

    def category(self, unit: str, code: str) -> Estimate:
        """Cases about ``code`` in ``unit`` (RIJK, an organisation or a DG row), combined."""
        combined = self._by_category.get(code)
        if combined is None:
            raise NotInRelease(f"{self.year}: no figures by category for {code!r}", "category")
        if unit == RIJK:
            return combined.sum(combined.leaves)
        if self.org.get(unit).parent is not None:  # a DG row
            return combined.sum([unit])
        owners = [self.owner(u) for u in combined.leaves]
        if None in owners:
            gone = [u for u, o in zip(combined.leaves, owners, strict=True) if o is None]
            # Which organisation a gone unit belonged to cannot be told, so no organisation's
            # figure can be formed from the rows (against today's headcount it would mislead).
            raise StructureChanged(f"{self.year}: {', '.join(gone)} not in today's structure")
        return combined.sum([u for u, o in zip(combined.leaves, owners, strict=True)
                             if o == unit])

    def rest_row(self, organisation: str, code: str) -> Estimate:
        """The organisation's staff outside its large DGs (its own row in the DG table)."""
        return self._by_category[code].sum([organisation])

    def category_codes(self) -> tuple[str, ...]:
        return tuple(self._by_category)

    # -- totals ----------------------------------------------------------------------------

    def total(self, organisation: str) -> Estimate:
        """Cases in the organisation this year: its direct total and the sum of its categories,
        combined by inverse variance (both are unbiased for the same number)."""
        direct = self.table("org_total")
        by_category = [self.category(organisation, c) for c in self.category_codes()]
        parts: list[Estimate] = []
        if direct is not None:
            parts.append(direct.get(organisation, "total"))
        if by_category:
            parts.append(Estimate(sum(e.value for e in by_category),
                                  sum(e.variance for e in by_category)))
        if not parts:
            raise PeriodNotPublished(f"no totals for {organisation} in {self.year}", "year")
        return inverse_variance(parts)

    def rijk_total(self) -> Estimate:
        totals = [self.total(o.code) for o in self.org.organisations]
        return Estimate(sum(t.value for t in totals), sum(t.variance for t in totals))

    # -- attributes ------------------------------------------------------------------------

    def attribute(self, dimension: Dimension, unit: str) -> dict[str, Estimate]:
        """Cases by channel, follow-up, ... for an organisation or (summed) the Rijk."""
        if dimension is Dimension.CATEGORY:
            return {c: self.category(unit, c) for c in self.category_codes()}
        table = self.table(f"org_{dimension.value}")
        if table is None:
            return {}
        units = table.units() if unit == RIJK else (unit,)
        out = {}
        for code in table.codes():
            cells = [table.get(u, code) for u in units]
            out[code] = Estimate(sum(c.value for c in cells), sum(c.variance for c in cells))
        return out

    # -- time ------------------------------------------------------------------------------

    def _months(self, organisation: str) -> Combined | None:
        key = f"months:{organisation}"
        if key not in self._cache:
            self._cache[key] = self._combine_months(organisation)
        value: Combined | None = self._cache[key]
        return value

    def _combine_months(self, organisation: str) -> Combined | None:
        months = [r for r in self.releases if r.part is Part.MONTH]
        if not months:
            return None
        leaves = tuple(sorted(r.period for r in months))
        values, variances, rows = [], [], []
        for release in sorted(months, key=lambda r: r.period):
            table = release.table("org_total_month")
            if (organisation, release.period, "total") not in table.cells:
                raise NotInRelease(f"{organisation} is not in the release of {release.period}")
            values.append(table.cells[(organisation, release.period, "total")])
            variances.append(table.sigma**2)
            rows.append([1.0 if leaf == release.period else 0.0 for leaf in leaves])
        for release in (r for r in self.releases if r.part is Part.QUARTER):
            members = quarter_months(release.period)
            if not set(members) <= set(leaves):
                continue
            table = release.table("org_total_quarter")
            values.append(table.cells[(organisation, release.period, "total")])
            variances.append(table.sigma**2)
            rows.append([1.0 if leaf in members else 0.0 for leaf in leaves])
        estimate, covariance = gls(np.array(rows), np.array(values), np.array(variances))
        return Combined(leaves, estimate, covariance)

    def monthly(self, organisation: str) -> list[tuple[Month, Estimate]]:
        """New cases per month (counted in the month of their first contact), combined."""
        combined = self._months(organisation)
        if combined is None:
            return []
        return [(Month.parse(m), combined.sum([m])) for m in combined.leaves]

    def months_sum(self, organisation: str, months: Sequence[Month]) -> Estimate | None:
        """New cases over some released months (a quarter, half year, year to date)."""
        combined = self._months(organisation)
        wanted = [str(m) for m in months]
        if combined is None or not set(wanted) <= set(combined.leaves):
            return None
        return combined.sum(wanted)

    def directie(self, unit: str, code: str) -> Estimate | None:
        """Cases about ``code`` in a directie of at least 500 FTE (measured directly), or None
        when the year has no directie table or no row for ``unit``."""
        table = self.table("directie_category")
        if table is None or (unit, "", code) not in table.cells:
            return None
        return table.get(unit, code)

    def directie_rows(self, organisation: str) -> tuple[str, ...]:
        table = self.table("directie_category")
        if table is None:
            return ()
        return tuple(u for u in table.units() if self.owner(u) == organisation)

    def meldknop(self, organisation: str) -> dict[str, Estimate]:
        """The meldknop's anonymous self-reports by category, counted apart from advisers'."""
        table = self.table("org_meldknop_category")
        if table is None:
            return {}
        return {code: table.get(organisation, code) for code in table.codes()}

    def dg_half(self, period: str) -> PlanTableReading | None:
        """DG x category for one half year (cases counted in the half of their first contact)."""
        return self.table("dg_category_half", period)


def quarter_months(label: str) -> list[str]:
    year_text, _, quarter = label.partition("-Q")
    first = (int(quarter) - 1) * 3 + 1
    return [str(Month(int(year_text), first + i)) for i in range(3)]


def inverse_variance(parts: Sequence[Estimate]) -> Estimate:
    """The minimum-variance combination of independent unbiased estimates of one quantity."""
    weights = [1.0 / p.variance if p.variance > 0 else math.inf for p in parts]
    if math.inf in weights:
        return next(p for p, w in zip(parts, weights, strict=True) if w == math.inf)
    total = sum(weights)
    value = sum(w * p.value for w, p in zip(weights, parts, strict=True)) / total
    return Estimate(value, 1.0 / total)
