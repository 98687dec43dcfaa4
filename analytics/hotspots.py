"""Hotspot checks that name a unit only on evidence: top-down along the unit tree.

"Consistent, stabiel en opmerkelijk" is what works councils were promised. A check that tests
thousands of unit x category pairs one at a time names dozens of units by chance; a false name
in a works council's report does harm. So a report's checks are one family of tests, and the
probability that a report names **any** unit falsely is at most ``ALPHA`` = 5% (familywise error
rate, FWER). FWER rather than FDR: a works council reads every name as an accusation, and a
report usually names none or one, where a false discovery *rate* of 5% would still allow a
false name in many reports.

The tree (per category)
    organisation -> its DG rows (directorates-general of 2,000 FTE and more, and the rest of the
    organisation's staff) -> the directies of 500 FTE and more inside them. The release plan
    measures every level directly (``privacy.plan``), for the year and, for DG rows, per half
    year: a DG row's year figure is combined with the sum of its two half years by inverse
    variance (two independent measurements of nearly the same count; they differ only for a
    case whose later contacts add a category). No figure here is a sum of fine cells.

The hypothesis of a node
    H(n, c): no part of unit n has more cases of category c than the reference rate r_c times
    its FTE, where r_c is the organisation's own volume of cases per FTE times the Rijk's share
    of category c (``reference_rate``): a category is remarkable when it takes a larger share
    than across the Rijk, not because people in one organisation find the adviser more often.
    If H(n, c) holds, it holds for every child of n, so the hypotheses are nested. Under
    H(n, c) the registered count N is at most Poisson with mean lambda = r_c * FTE(n), and the
    released estimate is X = N + Z, with Z Gaussian of the release's own (known) variance plus
    the variance that estimating r_c adds. The p-value is the exact tail of that convolution,
    P(N + Z >= x) = sum_k Pois(k; lambda) Q((x - k) / s), not a normal approximation, because
    counts are small.

The family (Meinshausen 2008, hierarchical testing)
    Each category's tree gets ALPHA / C (Bonferroni over the C categories). Within it, node n is
    tested at level ALPHA / C * FTE(n) / FTE(organisation), and only when its parent was
    rejected. A false rejection must first happen at a node whose hypothesis is true while its
    parent's is false (or at the root); those nodes cover disjoint staff, so their levels add
    up to at most ALPHA / C, and the report's FWER is at most ALPHA.

What a finding says
    *Opvallend*: rejected as above. *Consistent*: several distinct cases, i.e. the one-sided 95%
    lower bound of the estimate is at least ``CONSISTENT_CASES`` (cases are counted, not
    contacts, so two channels of one referred case are one). *Stabiel*: for DG rows, the case
    count was above the expected half of the year's in both half years. A pair whose test could
    not find even a ``FACTOR``-fold excess at this size and budget is listed as "te klein om te
    beoordelen", with the size it would need; the rest as "niets gevonden".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from analytics.intervals import Estimate, normal_tail, z_value
from analytics.plan import PlanYear, inverse_variance
from privacy.plan import RIJK, Part
from registry.organisations import OrgStructure
from registry.periods import Month

ALPHA = 0.05
FACTOR = 3.0
CONSISTENT_CASES = 3


class FindingKind(StrEnum):
    REMARKABLE = "opvallend"


class Verdict(StrEnum):
    FOUND = "gevonden"
    NOTHING = "niets gevonden"
    TOO_SMALL = "te klein om te beoordelen"


@dataclass(frozen=True)
class Node:
    """One unit of the tree, for one category: what is measured and what is expected."""

    unit: str
    fte: float
    parent: str | None
    estimate: Estimate
    half_years: tuple[Estimate, ...] = ()


@dataclass(frozen=True)
class PairResult:
    unit: str
    category: str
    verdict: Verdict
    expected: float
    estimate: Estimate
    level: float
    p_value: float | None
    """None when the node was not tested (its parent showed no excess)."""
    consistent: bool = False
    stable: bool | None = None
    needed_fte: int | None = None
    """For TOO_SMALL: about the FTE at which a FACTOR-fold excess would be found."""

    def as_json(self) -> dict[str, Any]:
        interval = self.estimate.interval
        return {
            "unit": self.unit, "category": self.category, "kind": FindingKind.REMARKABLE.value,
            "evidence": {
                "estimate": round(self.estimate.value, 1),
                "ci95": [round(max(0.0, interval[0]), 1), round(max(0.0, interval[1]), 1)],
                "expected": round(self.expected, 1), "p_value": self.p_value,
                "level": self.level, "consistent": self.consistent, "stable": self.stable,
            },
        }


@dataclass(frozen=True)
class HotspotReport:
    organisation: str
    period: str
    pairs: tuple[PairResult, ...]
    alpha: float = ALPHA
    method: str = field(default="FWER, hierarchisch (Meinshausen), Bonferroni over categorieën")

    def of(self, verdict: Verdict) -> tuple[PairResult, ...]:
        return tuple(p for p in self.pairs if p.verdict is verdict)

    @property
    def findings(self) -> tuple[PairResult, ...]:
        return self.of(Verdict.FOUND)

    def as_json(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation, "period": self.period, "alpha": self.alpha,
            "error_control": "familywise",
            "findings": [p.as_json() for p in self.findings],
            "too_small": [{"unit": p.unit, "category": p.category, "needed_fte": p.needed_fte}
                          for p in self.of(Verdict.TOO_SMALL)],
            "nothing_found": [{"unit": p.unit, "category": p.category}
                              for p in self.of(Verdict.NOTHING)],
        }


# -- the exact null distribution ----------------------------------------------------------------


def tail(x: float, mean: float, sd: float) -> float:
    """P(N + Z >= x) for N ~ Poisson(mean) and Z ~ Normal(0, sd^2), summed exactly."""
    if mean <= 0:
        return normal_tail(x / sd) if sd > 0 else float(x <= 0)
    # Poisson mass beyond 12 standard deviations is below 1e-30: left out.
    spread = 12 * math.sqrt(mean) + 30
    bottom, top = max(0, int(mean - spread)), int(mean + spread)
    total = 0.0
    log_mean = math.log(mean)
    for k in range(bottom, top + 1):
        weight = math.exp(k * log_mean - mean - math.lgamma(k + 1))
        total += weight * (normal_tail((x - k) / sd) if sd > 0 else float(k >= x))
    return min(1.0, total)


def detectable(mean: float, sd: float, level: float, factor: float = FACTOR) -> bool:
    """Whether a ``factor``-fold excess (an estimate of factor x mean) would be found."""
    return mean > 0 and tail(factor * mean, mean, sd) <= level


@lru_cache(maxsize=4096)
def _needed_fte(rate: float, sd: float, share_of_level: float, factor: float) -> int | None:
    """About the FTE at which a ``factor``-fold excess would be found (FTE steps of 25%)."""
    if rate <= 0:
        return None
    fte = 100.0
    for _ in range(40):
        if detectable(rate * fte, sd, share_of_level * fte, factor):
            return int(math.ceil(fte / 100) * 100)
        fte *= 1.25
    return None


# -- the tree ----------------------------------------------------------------------------------


def tree(py: PlanYear, organisation: str, category: str, period: str | None = None,
         ) -> list[Node]:
    """The nodes of one organisation's tree for ``category``, parents before children."""
    org = py.org
    root_fte = float(org.get(organisation).headcount)
    halves = [py.dg_half(p) for p in py.periods(Part.HALF)] if period is None else []
    if period is not None:
        half = py.dg_half(period)
        if half is None:
            return []
        rows = [u for u in half.units() if org.get(u).organisation == organisation]
        cells = [half.get(u, category, period) for u in rows]
        total = Estimate(sum(c.value for c in cells), sum(c.variance for c in cells))
        nodes = [Node(organisation, root_fte, None, total)]
        nodes += [Node(_row_id(u, organisation), _row_fte(org, u, rows), organisation, cell)
                  for u, cell in zip(rows, cells, strict=True)]
        return nodes
    nodes = [Node(organisation, root_fte, None, py.category(organisation, category))]
    dg_rows = py.dg_rows(organisation)
    for row in dg_rows:
        estimate = (py.rest_row(organisation, category) if row == organisation
                    else py.category(row, category))
        per_half = tuple(h.get(row, category, p) for h, p in
                         zip(halves, py.periods(Part.HALF), strict=True) if h is not None)
        if len(per_half) == 2:
            # The two half-year tables measure the same row again, with noise of their own:
            # combined with the year's figure by inverse variance, the evidence is stronger.
            estimate = inverse_variance([estimate, Estimate(sum(h.value for h in per_half),
                                                            sum(h.variance for h in per_half))])
        nodes.append(Node(_row_id(row, organisation), _row_fte(org, row, dg_rows),
                          organisation, estimate, per_half))
    for directie in py.directie_rows(organisation):
        measured = py.directie(directie, category)
        if measured is None:
            continue
        dg = org.ancestors(directie)[-2]
        parent = dg if dg in dg_rows else _row_id(organisation, organisation)
        nodes.append(Node(directie, float(org.get(directie).headcount), parent, measured))
    return nodes


def _row_id(row: str, organisation: str) -> str:
    """The rest row of an organisation is named apart from the organisation itself."""
    return f"{organisation}:rest" if row == organisation else row


def _row_fte(org: OrgStructure, row: str, rows: list[str] | tuple[str, ...]) -> float:
    if row != org.get(row).organisation:
        return float(org.get(row).headcount)
    big = sum(org.get(r).headcount for r in rows if r != row)
    return float(max(org.get(row).headcount - big, 1))


# -- the checks --------------------------------------------------------------------------------


def reference_rate(py: PlanYear, organisation: str, category: str,
                   period: str | None = None) -> tuple[float, float]:
    """The expected cases of ``category`` per FTE in ``organisation``, and its variance.

    The organisation's own volume of cases per FTE times the Rijk's share of the category:
    how often people come to an adviser differs between organisations (culture, awareness,
    the advisers' reach), and a higher volume is not a hotspot; a category that takes a larger
    share of the cases than it does across the Rijk is. The variance adds the relative
    variances (noise and Poisson variation) of the three estimates it is made of.
    """
    fte = float(py.org.get(organisation).headcount)
    half = py.dg_half(period) if period is not None else None
    if half is not None:
        rows = [u for u in half.units()]
        by_code = {c: [half.get(u, c, str(period)) for u in rows] for c in half.codes()}
        rijk = {c: _summed(cells) for c, cells in by_code.items()}
        own_rows = [u for u in rows if py.org.get(u).organisation == organisation]
        total = py.months_sum(organisation, _months_of(str(period)))
        if total is None:
            total = _summed([half.get(u, c, str(period)) for u in own_rows for c in by_code])
    else:
        rijk = {c: py.category(RIJK, c) for c in py.category_codes()}
        total = py.total(organisation)
    rijk_total = _summed(list(rijk.values()))
    part, whole, own = (max(rijk[category].value, 0.5), max(rijk_total.value, 1.0),
                        max(total.value, 1.0))
    rate = own / fte * part / whole
    relative = ((total.variance + own) / own**2 + (rijk[category].variance + part) / part**2)
    return rate, rate * rate * relative


def _summed(parts: list[Estimate]) -> Estimate:
    return Estimate(sum(p.value for p in parts), sum(p.variance for p in parts))


def _months_of(half: str) -> list[Month]:
    year, _, which = half.partition("-H")
    first = 1 if which == "1" else 7
    return [Month(int(year), first + i) for i in range(6)]


def check_tree(nodes: list[Node], category: str, rate: float, rate_variance: float,
               alpha_tree: float, factor: float = FACTOR) -> list[PairResult]:
    """Meinshausen's hierarchical procedure over one category's tree.

    The root (the organisation) is rejected when its own test is at most half its level, or
    when one of its DG rows' tests is at most half of that row's level: a valid level-alpha
    test of the root's hypothesis (a union bound), which keeps the power of a hotspot in one
    DG that the whole organisation's figure would dilute. Every other node is tested at its
    own level, once its parent is rejected.
    """
    if not nodes:
        return []
    root_fte = nodes[0].fte
    share = alpha_tree / root_fte
    p_values = {n.unit: tail(n.estimate.value, rate * n.fte, _sd(n, rate_variance))
                for n in nodes if n.parent is None or n.parent == nodes[0].unit}
    root = nodes[0].unit
    # The organisation is named only on its own test; it is opened (its DG rows tested) on
    # its own test or on one of its rows' tests at half their level.
    named_root = p_values[root] <= alpha_tree / 2
    opened = {root} if named_root or any(
        p_values[n.unit] <= share * n.fte / 2 for n in nodes if n.parent == root) else set()
    out = []
    for node in nodes:
        expected = rate * node.fte
        sd = _sd(node, rate_variance)
        level = share * node.fte
        p_value: float | None = None
        if node.parent is None or node.parent in opened:  # tested only once its parent is
            p_value = p_values.get(node.unit)
            if p_value is None:
                p_value = tail(node.estimate.value, expected, sd)
        found = named_root if node.parent is None else (p_value is not None
                                                         and p_value <= level)
        if found and p_value is not None:
            opened.add(node.unit)
            out.append(_found(node, category, expected, level, p_value))
        elif not detectable(expected, sd, level / 2 if node.parent is None else level, factor):
            # The noise's sd barely depends on the unit's size: round it for the cache.
            out.append(PairResult(node.unit, category, Verdict.TOO_SMALL, expected, node.estimate,
                                  level, p_value,
                                  needed_fte=_needed_fte(rate, round(sd * 2) / 2, share, factor)))
        else:
            out.append(PairResult(node.unit, category, Verdict.NOTHING, expected, node.estimate,
                                  level, p_value))
    return out


def _found(node: Node, category: str, expected: float, level: float,
           p_value: float) -> PairResult:
    """A unit named for a category: consistent when even the one-sided lower bound of its
    figure is several cases, stable when it stood out in each half-year."""
    lower = node.estimate.value - z_value(0.95, one_sided=True) * node.estimate.sd
    stable = (all(h.value > expected / len(node.half_years) for h in node.half_years)
              if node.half_years else None)
    # The organisation itself is named at half its level (the other half opens it for its
    # rows): the level stated is the one its test was held to.
    used = level / 2 if node.parent is None else level
    return PairResult(node.unit, category, Verdict.FOUND, expected, node.estimate, used, p_value,
                      lower >= CONSISTENT_CASES, stable)


def _sd(node: Node, rate_variance: float) -> float:
    return math.sqrt(node.estimate.variance + node.fte**2 * rate_variance)


def hotspots(py: PlanYear, organisation: str, period: str | None = None,
             alpha: float = ALPHA) -> HotspotReport:
    """The checks of one organisation's report for the year (or one half year)."""
    half = py.dg_half(period) if period is not None else None
    categories = half.codes() if half is not None else py.category_codes()
    pairs: list[PairResult] = []
    for category in categories:
        rate, rate_variance = reference_rate(py, organisation, category, period)
        nodes = tree(py, organisation, category, period)
        pairs += check_tree(nodes, category, rate, rate_variance, alpha / len(categories))
    return HotspotReport(organisation, period or str(py.year), tuple(pairs), alpha)
