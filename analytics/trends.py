"""Trends: monthly, quarterly and yearly series of published counts and rates, with changes.

Where the numbers come from (one organisation's monthly publications):

- the organisation, all categories: ``contacts_total`` (each contact once);
- the organisation, one category: the sum of that category's ``contacts_unit_category`` cells
  over all released units of the organisation;
- a unit, one category: its cell in ``contacts_unit_category``. ``scope="own"`` is the unit's
  own cell: its own staff plus the small units merged into it, with that headcount (the unit's
  headcount minus its released sub-units'). ``scope="subtree"`` adds the cells of all released
  units below it and uses the unit's full headcount;
- a unit, all categories: the sum over categories. A contact with two categories counts twice
  there, so this measure is "category mentions", not contacts.

A period's count is the sum of its monthly noisy estimates; the noise of different months is
independent, so the variances add. Rates are per 100 FTE per year (annualised), so months,
quarters and years read on one scale: rate = count * 100 * 12 / (sum over the months of the
headcount). Quarters and years are complete when all their months are published; a change is
only computed between complete periods, against the period before and the same period a year
earlier (for years these are the same, so only the first). ``is_real`` means the 95% interval of
the difference excludes zero.

Intervals are noise-only by default: they say how well the registered count is known. With
``sampling=True`` Poisson variation is added, for the question whether the underlying rate
changed (is the difference more than chance and noise together).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analytics.intervals import Estimate, rate_factor
from analytics.published import (
    PublishedMonth,
    one_organisation,
    own_headcount,
    released_subtree,
    unit_codes,
)
from privacy.specs import GRAINS
from registry.organisations import OrgStructure
from registry.periods import Month, bucket

MONTHS_PER_PERIOD = {"month": 1, "quarter": 3, "year": 12}
SCOPES = ("own", "subtree")
CHANGE_KINDS = ("vorige_periode", "jaar_eerder")


@dataclass(frozen=True)
class TrendPoint:
    """One period of a series."""

    period: str
    months: tuple[str, ...]
    """The published months that make up this period."""
    complete: bool
    count: Estimate
    rate: Estimate | None
    """Per 100 FTE per year; None when the headcount behind the cells is zero."""
    headcount: float
    """Average FTE behind the cells over the period's months."""

    def __post_init__(self) -> None:
        if not self.months:
            raise ValueError("a period has at least one month")
        if self.headcount < 0:
            raise ValueError("headcount must not be negative")

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "months": list(self.months),
            "complete": self.complete,
            "count": self.count.as_dict(),
            "rate_per_100_fte": self.rate.as_dict() if self.rate is not None else None,
            "headcount": self.headcount,
        }


@dataclass(frozen=True)
class Change:
    """The difference between two periods of a series, with its interval."""

    period: str
    reference_period: str
    kind: str
    """"vorige_periode" (the period before) or "jaar_eerder" (same period a year earlier)."""
    difference: Estimate
    """Count in ``period`` minus count in ``reference_period``."""
    rate_difference: Estimate | None
    is_real: bool
    """True only when the interval of the difference excludes zero."""

    def __post_init__(self) -> None:
        if self.kind not in CHANGE_KINDS:
            raise ValueError(f"kind must be one of {CHANGE_KINDS}")
        if self.is_real != self.difference.excludes_zero:
            raise ValueError("is_real must say whether the difference's interval excludes zero")

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "reference_period": self.reference_period,
            "kind": self.kind,
            "difference": self.difference.as_dict(),
            "rate_difference": (self.rate_difference.as_dict()
                                if self.rate_difference is not None else None),
            "is_real": self.is_real,
        }


@dataclass(frozen=True)
class Trend:
    """A series for one organisation, optionally one unit and one category."""

    organisation: str
    unit: str | None
    category: str | None
    scope: str
    measure: str
    """"contacts", or "category_mentions" for a unit over all categories."""
    grain: str
    sampling: bool
    points: tuple[TrendPoint, ...]
    changes: tuple[Change, ...]

    def __post_init__(self) -> None:
        if self.grain not in GRAINS:
            raise ValueError(f"grain must be one of {GRAINS}")
        periods = [p.period for p in self.points]
        if periods != sorted(set(periods)):
            raise ValueError("points must be in time order without repeats")

    def point(self, period: str) -> TrendPoint:
        for p in self.points:
            if p.period == period:
                return p
        raise KeyError(period)

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "unit": self.unit,
            "category": self.category,
            "scope": self.scope,
            "measure": self.measure,
            "grain": self.grain,
            "sampling": self.sampling,
            "points": [p.as_dict() for p in self.points],
            "changes": [c.as_dict() for c in self.changes],
        }


def monthly_values(
    months: Sequence[PublishedMonth], org: OrgStructure, *, unit: str | None = None,
    category: str | None = None, scope: str = "own",
) -> list[tuple[Month, Estimate, int]]:
    """Per published month: the noisy count and the headcount behind it (oldest first)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")
    organisation, ordered = one_organisation(months)
    out = []
    for published in ordered:
        if unit is None and category is None:
            table = published.table("contacts_total")
            estimate = Estimate(float(table.estimate()), table.noise_variance)
            out.append((published.month, estimate, org.get(organisation).headcount))
            continue
        table = published.table("contacts_unit_category")
        released = unit_codes(table, org, organisation)
        if unit is None:
            cell_units: list[str] = list(released)
            headcount = org.get(organisation).headcount
        else:
            if unit not in released:
                raise ValueError(f"unit {unit} is not released on its own in {published.month}; "
                                 "it is counted with a larger unit above it")
            if scope == "own":
                cell_units, headcount = [unit], own_headcount(org, unit, set(released))
            else:
                cell_units = released_subtree(org, unit, set(released))
                headcount = org.get(unit).headcount
        known = table.codes("category")
        if category is not None and category not in known:
            raise ValueError(f"category {category!r} is not in contacts_unit_category")
        categories = [category] if category is not None else list(known)
        value = sum(table.estimate(u, c) for u in cell_units for c in categories)
        variance = len(cell_units) * len(categories) * table.noise_variance
        out.append((published.month, Estimate(float(value), variance), headcount))
    return out


def trend(
    months: Sequence[PublishedMonth], org: OrgStructure, *, unit: str | None = None,
    category: str | None = None, grain: str = "month", scope: str = "own",
    sampling: bool = False,
) -> Trend:
    """The series of one organisation (one unit, one category), with changes; see module doc."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    organisation, _ = one_organisation(months)
    values = monthly_values(months, org, unit=unit, category=category, scope=scope)
    periods: dict[str, list[tuple[Month, Estimate, int]]] = {}
    for entry in values:
        periods.setdefault(bucket(entry[0], grain), []).append(entry)
    points = tuple(_point(label, entries, grain, sampling) for label, entries in periods.items())
    return Trend(
        organisation=organisation, unit=unit, category=category,
        scope="organisation" if unit is None else scope,
        measure="category_mentions" if unit is not None and category is None else "contacts",
        grain=grain, sampling=sampling, points=points, changes=_changes(points, grain),
    )


def trends_by_category(
    months: Sequence[PublishedMonth], org: OrgStructure, *, unit: str | None = None,
    categories: Sequence[str] | None = None, grain: str = "month", scope: str = "own",
    sampling: bool = False,
) -> tuple[Trend, ...]:
    """One trend per category (all categories in the publication when not given)."""
    if categories is None:
        _, ordered = one_organisation(months)
        categories = ordered[-1].table("contacts_unit_category").codes("category")
    return tuple(trend(months, org, unit=unit, category=c, grain=grain, scope=scope,
                       sampling=sampling) for c in categories)


def trends_by_unit(
    months: Sequence[PublishedMonth], org: OrgStructure, *, category: str | None = None,
    grain: str = "month", scope: str = "own", sampling: bool = False,
) -> tuple[Trend, ...]:
    """One trend per unit released in the latest publication."""
    organisation, ordered = one_organisation(months)
    units = unit_codes(ordered[-1].table("contacts_unit_category"), org, organisation)
    return tuple(trend(months, org, unit=u, category=category, grain=grain, scope=scope,
                       sampling=sampling) for u in units)


def _point(label: str, entries: list[tuple[Month, Estimate, int]], grain: str,
           sampling: bool) -> TrendPoint:
    value = sum(e.value for _, e, _ in entries)
    variance = sum(e.variance for _, e, _ in entries)
    count = Estimate(float(value), variance)
    if sampling:
        count = count.with_sampling()
    fte_months = sum(h for _, _, h in entries)
    rate = count.scaled(rate_factor(fte_months, 1)) if fte_months > 0 else None
    return TrendPoint(
        period=label, months=tuple(str(m) for m, _, _ in entries),
        complete=len(entries) == MONTHS_PER_PERIOD[grain], count=count, rate=rate,
        headcount=fte_months / len(entries),
    )


def earlier_periods(first_month: str, grain: str) -> list[tuple[str, str]]:
    """(kind, label) of the period before a period and of the same period a year earlier.

    For years the two are the same, so only the period before is given.
    """
    first, step = Month.parse(first_month), MONTHS_PER_PERIOD[grain]
    kinds = [("vorige_periode", step)] + ([("jaar_eerder", 12)] if step < 12 else [])
    return [(kind, bucket(first.add(-back), grain)) for kind, back in kinds]


def _changes(points: tuple[TrendPoint, ...], grain: str) -> tuple[Change, ...]:
    by_period = {p.period: p for p in points}
    out = []
    for point in points:
        if not point.complete:
            continue
        for kind, label in earlier_periods(point.months[0], grain):
            earlier = by_period.get(label)
            if earlier is None or not earlier.complete:
                continue
            diff = point.count - earlier.count
            rate_diff = (point.rate - earlier.rate
                         if point.rate is not None and earlier.rate is not None else None)
            out.append(Change(point.period, earlier.period, kind, diff, rate_diff,
                              is_real=diff.excludes_zero))
    return tuple(out)
