"""Internal benchmarks: each unit against its organisation or its peers, shown as a funnel.

External reference rates are in ``analytics.external``.

Internal (funnel). Over a window of months, a unit's count X is its own cell in
``contacts_unit_category`` summed over the months (one category, or all categories as category
mentions), and its FTE-months are its own headcount (see ``published.own_headcount``) times the
months. The reference is the rest of its group, leaving the unit itself out so a hotspot cannot
raise its own bar: "peers" are the other released units at the same depth in the tree of the same
organisation; "organisation" is all other released units of the organisation. The reference rate
is their summed count over their summed FTE-months (a negative noisy reference reads as zero,
which can only raise the limits).

Under "this unit has the reference rate", X has expectation E = reference rate x FTE-months and
variance

    E                                  Poisson variation of the unit's true count
  + n_cells x sum of monthly noise var  the DP noise in the unit's summed cells
  + (FTE / FTE_ref)^2 x var(ref count)  the uncertainty of the reference itself (noise + Poisson)

and the control limits are E +- z x sd, shown as rates per 100 FTE per year. For a normal
distribution z = 1.96 (95%) and 3.09 (99.8%); discrete Laplace noise has heavier tails (six
summed months pass 3.09 sd 0.23% of the time, not 0.1%), so z gets a Cornish-Fisher correction
from the fourth cumulants of the noise and of Poisson variation (``UnitComparison.z_limit``).
Plotted against headcount the limits narrow as units grow: a funnel. The noise term does not
shrink with headcount, so for small units the funnel is wide open.

``detectable_rate`` is the rate this unit would need for its count to land above the upper
99.8% limit with 90% probability (normal approximation, closed form). When it is many times the
reference rate, the comparison cannot tell anything for this unit: see docs/analytics.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from analytics.intervals import (
    Estimate,
    normal_tail,
    rate_factor,
    rate_per_100_fte,
    z_value,
)
from analytics.published import (
    PublishedMonth,
    WindowSums,
    last_months,
    noise_fourth_cumulant,
    one_organisation,
    own_headcount,
    unit_codes,
    window_sums,
)
from registry.organisations import OrgStructure
from registry.periods import Month

REFERENCES = ("peers", "organisation")
LEVELS = (0.95, 0.998)
DETECTION_LEVEL = 0.998
DETECTION_POWER = 0.9


@dataclass(frozen=True)
class UnitComparison:
    """One unit against its reference over a window (a point of the funnel)."""

    unit: str
    name: str
    depth: int
    category: str | None
    months: int
    headcount: int
    """FTE behind the unit's own cell."""
    count: Estimate
    """Summed noisy count over the window; variance is the noise only."""
    reference_count: Estimate | None
    """The reference group's summed count (noise variance only); None without a group."""
    reference_fte_months: float
    reference_units: int
    noise_fourth_cumulant: float = 0.0
    """Fourth cumulant of the noise in ``count`` (0 for normal noise)."""
    reference_fourth_cumulant: float = 0.0
    """Fourth cumulant of the noise in ``reference_count``."""

    def __post_init__(self) -> None:
        if self.months < 1 or self.headcount < 0 or self.reference_fte_months < 0:
            raise ValueError("months must be positive and headcounts not negative")
        if self.reference_count is not None and self.reference_fte_months <= 0:
            raise ValueError("a reference needs positive FTE-months")

    @property
    def fte_months(self) -> float:
        return float(self.headcount * self.months)

    @property
    def comparable(self) -> bool:
        return self.reference_count is not None and self.headcount > 0

    @property
    def rate(self) -> Estimate | None:
        if self.headcount <= 0:
            return None
        return rate_per_100_fte(self.count, self.headcount, self.months)

    @property
    def reference_rate(self) -> Estimate | None:
        """Per 100 FTE per year, with the reference's noise and Poisson variance."""
        if self.reference_count is None:
            return None
        return self.reference_count.with_sampling().scaled(
            rate_factor(self.reference_fte_months, 1))

    @cached_property
    def _reference_terms(self) -> tuple[float, float, float]:
        """Expected count, and the reference's variance and fourth cumulant in X - E."""
        assert self.reference_count is not None
        share = self.fte_months / self.reference_fte_months
        expected = max(self.reference_count.value, 0.0) * share
        poisson = max(self.reference_count.value, 0.0)  # every Poisson cumulant is its mean
        return (expected, share**2 * (self.reference_count.variance + poisson),
                share**4 * (self.reference_fourth_cumulant + poisson))

    @property
    def excess_kurtosis(self) -> float:
        """Of X - E under the null: Laplace noise has heavier tails than the normal."""
        expected, _, reference = self._reference_terms
        fourth = self.noise_fourth_cumulant + expected + reference
        return fourth / self.null_variance**2

    def z_limit(self, level: float) -> float:
        """The two-sided normal quantile, Cornish-Fisher corrected for the heavy tails.

        z + (z^3 - 3z) * kurtosis / 24 moves the 99.8% limit from 3.09 sd to about 3.5 sd for
        six summed Laplace months, which brings the chance of passing it back to about 0.1%;
        for a single month it over-corrects, which errs on the side of flagging less.
        """
        z = z_value(level)
        return z + (z**3 - 3 * z) * self.excess_kurtosis / 24

    @property
    def expected(self) -> float:
        return self._reference_terms[0] if self.comparable else math.nan

    @property
    def null_variance(self) -> float:
        """Variance of X - E when the unit has the reference rate."""
        expected, reference, _ = self._reference_terms
        return expected + self.count.variance + reference

    @property
    def z(self) -> float | None:
        if not self.comparable:
            return None
        return (self.count.value - self.expected) / math.sqrt(self.null_variance)

    def count_limits(self, level: float) -> tuple[float, float]:
        spread = self.z_limit(level) * math.sqrt(self.null_variance)
        return self.expected - spread, self.expected + spread

    def rate_limits(self, level: float) -> tuple[float, float]:
        factor = rate_factor(self.headcount, self.months)
        low, high = self.count_limits(level)
        return low * factor, high * factor

    def above(self, level: float) -> bool:
        return self.comparable and self.count.value > self.count_limits(level)[1]

    def position(self, levels: Sequence[float] = LEVELS) -> str:
        """Where the unit lies: boven_998 / boven_95 / binnen / onder_95 / onder_998."""
        if not self.comparable:
            return "geen_vergelijking"
        for level in sorted(levels, reverse=True):
            low, high = self.count_limits(level)
            tag = str(level)[2:].ljust(2, "0")
            if self.count.value > high:
                return f"boven_{tag}"
            if self.count.value < low:
                return f"onder_{tag}"
        return "binnen"

    def detectable_count(self, level: float = DETECTION_LEVEL,
                         power: float = DETECTION_POWER) -> float:
        """The expected count that lands above the upper limit with probability ``power``.

        Solves E1 - z_p * sqrt(E1 + v) = U for E1, with U the upper limit and v the noise and
        reference variance (everything but the unit's own Poisson variation).
        """
        upper = self.count_limits(level)[1]
        v = self.null_variance - self.expected
        z_p = z_value(power, one_sided=True)
        s = (z_p + math.sqrt(z_p * z_p + 4 * (upper + v))) / 2
        return s * s - v

    def detectable_rate(self, level: float = DETECTION_LEVEL,
                        power: float = DETECTION_POWER) -> float | None:
        if not self.comparable:
            return None
        return self.detectable_count(level, power) * rate_factor(self.headcount, self.months)

    def detectable_ratio(self, level: float = DETECTION_LEVEL,
                         power: float = DETECTION_POWER) -> float:
        """detectable rate / reference rate; infinite when the reference is not positive."""
        rate, reference = self.detectable_rate(level, power), self.reference_rate
        if rate is None or reference is None or reference.value <= 0:
            return math.inf
        return rate / reference.value

    def as_dict(self, levels: Sequence[float] = LEVELS) -> dict[str, Any]:
        rate, reference = self.rate, self.reference_rate
        out: dict[str, Any] = {
            "unit": self.unit, "name": self.name, "depth": self.depth,
            "category": self.category, "months": self.months, "headcount": self.headcount,
            "count": self.count.as_dict(),
            "rate_per_100_fte": rate.as_dict() if rate is not None else None,
            "reference_rate": reference.as_dict() if reference is not None else None,
            "reference_units": self.reference_units,
            "position": self.position(levels),
        }
        if self.comparable:
            out["expected_count"] = round(self.expected, 4)
            out["z"] = round(self.z or 0.0, 4)
            out["limits"] = {str(level): [round(x, 4) for x in self.rate_limits(level)]
                             for level in levels}
            ratio = self.detectable_ratio()
            out["detectable_rate"] = round(self.detectable_rate() or 0.0, 4)
            out["detectable_ratio"] = round(ratio, 4) if math.isfinite(ratio) else None
        return out


def compare_units(
    window: Sequence[PublishedMonth], org: OrgStructure, *, category: str | None = None,
    reference: str = "peers", table: str = "contacts_unit_category",
    sums: WindowSums | None = None,
) -> dict[str, UnitComparison]:
    """Every released unit of the window's organisation against its reference (see module).

    ``sums`` may pass ``window_sums(window, table)`` in when it is already at hand.
    """
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}")
    organisation, ordered = one_organisation(window)
    if sums is None:
        sums = window_sums(ordered, table)
    elif sums.name != table or sums.months != tuple(m.month for m in ordered):
        raise ValueError("the sums given are not of this table and window")
    latest = ordered[-1].table(table)
    released = unit_codes(latest, org, organisation)
    released_set = set(released)
    months = len(ordered)
    known = latest.codes("category")
    if category is not None and category not in known:
        raise ValueError(f"category {category!r} is not in {table}")
    categories = [category] if category is not None else list(known)
    noise = sums.noise_variance * len(categories)
    fourth = sums.noise_fourth_cumulant * len(categories)
    count = {u: sum(sums.get(u, c) for c in categories) for u in released}
    fte = {u: own_headcount(org, u, released_set) * months for u in released}

    def group(u: str) -> int | str:
        return org.depth(u) if reference == "peers" else organisation

    totals: dict[int | str, list[float]] = {}
    for u in released:
        entry = totals.setdefault(group(u), [0.0, 0.0, 0.0])
        entry[0] += count[u]
        entry[1] += fte[u]
        entry[2] += 1
    out = {}
    for u in released:
        total_count, total_fte, n = totals[group(u)]
        others, other_fte = total_count - count[u], total_fte - fte[u]
        has_reference = n > 1 and other_fte > 0
        out[u] = UnitComparison(
            unit=u, name=org.get(u).name, depth=org.depth(u), category=category,
            months=months, headcount=fte[u] // months,
            count=Estimate(float(count[u]), noise),
            reference_count=Estimate(others, noise * (n - 1)) if has_reference else None,
            reference_fte_months=other_fte if has_reference else 0.0,
            reference_units=int(n - 1),
            noise_fourth_cumulant=fourth,
            reference_fourth_cumulant=fourth * (n - 1) if has_reference else 0.0,
        )
    return out


@dataclass(frozen=True)
class FunnelCurve:
    """Control limits against headcount for one reference group, for drawing the funnel."""

    group: str
    reference_rate: Estimate
    points: tuple[tuple[int, dict[str, tuple[float, float]]], ...]
    """(headcount, {level: (lower rate, upper rate)}), from the smallest to the largest unit."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "reference_rate": self.reference_rate.as_dict(),
            "points": [{"headcount": h, "limits": {k: [round(a, 4), round(b, 4)]
                                                   for k, (a, b) in limits.items()}}
                       for h, limits in self.points],
        }


@dataclass(frozen=True)
class Funnel:
    organisation: str
    category: str | None
    reference: str
    window: tuple[str, ...]
    points: tuple[UnitComparison, ...]
    curves: tuple[FunnelCurve, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation, "category": self.category,
            "reference": self.reference, "window": list(self.window),
            "measure": "contacts" if self.category is not None else "category_mentions",
            "points": [p.as_dict() for p in self.points],
            "curves": [c.as_dict() for c in self.curves],
        }


def funnel(
    months: Sequence[PublishedMonth], org: OrgStructure, *, category: str | None = None,
    reference: str = "peers", window: int = 6, end: Month | None = None,
    levels: Sequence[float] = LEVELS, curve_points: int = 25,
) -> Funnel:
    """The funnel of the last ``window`` months up to ``end`` (default: the latest month)."""
    organisation, ordered = one_organisation(months)
    chosen = last_months(ordered, window, end)
    if not chosen:
        raise ValueError("no publications in the window")
    points = compare_units(chosen, org, category=category, reference=reference)
    groups: dict[str, list[UnitComparison]] = {}
    for p in points.values():
        key = f"diepte {p.depth}" if reference == "peers" else organisation
        groups.setdefault(key, []).append(p)
    curves = tuple(c for name, members in groups.items()
                   if (c := _curve(name, members, levels, curve_points)) is not None)
    return Funnel(organisation, category, reference, tuple(str(m.month) for m in chosen),
                  tuple(points.values()), curves)


def _curve(name: str, members: list[UnitComparison], levels: Sequence[float],
           n_points: int) -> FunnelCurve | None:
    sizes = [p.headcount for p in members if p.headcount > 0]
    if len(members) < 2 or not sizes:
        return None
    months, noise = members[0].months, members[0].count.variance
    fourth = members[0].noise_fourth_cumulant
    total = Estimate(sum(p.count.value for p in members), noise * len(members))
    total_fte = sum(p.fte_months for p in members)
    low, high = min(sizes), max(sizes)
    steps = max(n_points - 1, 1)
    grid = sorted({round(low * (high / low) ** (i / steps)) for i in range(steps + 1)})
    out = []
    for h in grid:
        # The whole group as reference: what a unit of this size would be measured against.
        point = UnitComparison("", "", 0, None, months, h, Estimate(0.0, noise), total,
                               total_fte, len(members), fourth, fourth * len(members))
        out.append((h, {str(level): point.rate_limits(level) for level in levels}))
    rate = total.with_sampling().scaled(rate_factor(total_fte, 1))
    return FunnelCurve(name, rate, tuple(out))


def hotspot_power(
    headcount: float, reference_rate: float, ratio: float, *, months: int = 6,
    noise_sd: float, mechanism: str = "laplace", peers: int = 35,
    level: float = DETECTION_LEVEL,
) -> float:
    """Chance that a unit whose true rate is ``ratio`` x the reference lands above the limit.

    For planning (what can a publication see?), not for judging data: the unit has ``peers``
    peers of its own size at ``reference_rate`` (per 100 FTE per year), each cell-month carries
    noise of ``noise_sd``, and the unit's count is taken as normal around its mean with Poisson
    and noise variance. Cumulants of discrete Laplace noise as in ``published``.
    """
    if headcount <= 0 or reference_rate < 0 or ratio <= 0 or peers < 1:
        raise ValueError("headcount, ratio and peers must be positive, the rate not negative")
    noise, fourth = months * noise_sd**2, months * noise_fourth_cumulant(mechanism, noise_sd**2)
    fte = headcount * months
    reference = Estimate(reference_rate * fte * peers / 1200, noise * peers)
    c = UnitComparison("U", "U", 1, None, months, round(headcount), Estimate(0.0, noise),
                       reference, fte * peers, peers, fourth, fourth * peers)
    mean = ratio * reference_rate * fte / 1200
    spread = math.sqrt(mean + c.null_variance - c.expected)
    return normal_tail((c.count_limits(level)[1] - mean) / spread)
