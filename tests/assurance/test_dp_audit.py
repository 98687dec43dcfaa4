"""Empirical differential-privacy audit of the release mechanism (Jagielski et al. 2020, Nasr et
al. 2021 style): run the product's noise path many times on two neighbouring datasets and bound
epsilon from below with what an attacker could tell apart.

The datasets go through the real counting path (``privacy.aggregate.count_rows``: first C
categories, at most K contacts per case, coarsening) into a five-cell table of contacts per
category; the noise is the product's own OpenDP measurement (``privacy.noise._measurement``) at
the scale ``privacy.noise.calibrate`` picks for epsilon 1. D' is D plus one case of eight contacts
that each carry five categories: without the bounds it would move the table by 40, with them by
K*c = 9, the sensitivity the noise is calibrated for.

The attacker's test is the likelihood-ratio statistic of discrete Laplace noise, S(y) =
sum_i |y_i - D_i| - |y_i - D'_i|, and a rejection set {S >= t} (or {S <= t} the other way round).
The threshold is chosen on one batch of runs and judged on a fresh one, so that choosing it cannot
inflate the estimate. From the fresh batch, with one-sided Clopper-Pearson bounds at
``CONFIDENCE`` for each of the two probabilities,

    epsilon_lower = ln(P_low[S in set | D'] / P_high[S in set | D]),

which is below the true epsilon with probability at least ``CONFIDENCE`` (both bounds hold at
once with probability at least 1 - 2 * (1 - per-bound confidence)).

OpenDP samples exactly (it takes tens of microseconds a draw on this machine), so the run counts
are what fits in under a minute; the noise source cannot be seeded, hence the tight confidence
level rather than a fixed seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy.stats import beta

from privacy.aggregate import count_rows
from privacy.contributions import ContributionBounds, sensitivity, table_cells_per_signal
from privacy.noise import _measurement, calibrate
from privacy.specs import QuerySpec
from privacy.tables import key_grid
from registry.organisations import parse_org_csv
from registry.periods import Month
from registry.taxonomy import load_taxonomy

pytestmark = pytest.mark.assurance

FIXTURES = Path(__file__).parent.parent / "fixtures"
TAXONOMY = load_taxonomy()
ORG = parse_org_csv((FIXTURES / "org-small.csv").read_text())
MONTH = Month(2025, 3)
CLAIMED_EPSILON = Fraction(1)
CONFIDENCE = 0.999
"""Joint confidence of the lower bound: each Clopper-Pearson bound is one-sided at (1+C)/2."""
SELECTION_RUNS = 4_000
AUDIT_RUNS = 20_000
CATEGORIES = tuple(TAXONOMY.codes("categories")[:5])
SPEC = QuerySpec(measure="contacts", group_by=("category",),
                 filters={"organisation": ("MIN-A",), "category": CATEGORIES},
                 start=MONTH, end=MONTH, grain="month", mechanism="laplace",
                 epsilon=CLAIMED_EPSILON)
GRID = key_grid(SPEC, TAXONOMY, ORG, 50)
FULL_MASK = sum(1 << TAXONOMY.codes("categories").index(code) for code in CATEGORIES)


def _rows(rng: np.random.Generator, n: int, case_prefix: str) -> list[dict[str, object]]:
    """Background signals: lone signals and small cases, one or two of the five categories."""
    rows = []
    for i in range(n):
        bits = rng.choice(5, size=int(rng.integers(1, 3)), replace=False)
        mask = sum(1 << TAXONOMY.codes("categories").index(CATEGORIES[b]) for b in bits)
        case = f"{case_prefix}{i // 3}" if i % 2 else None
        rows.append({"period": str(MONTH), "unit": "MIN-A-DG1-D1", "case": case,
                     "id": f"{rng.integers(2**62):032x}", "mask": mask})
    return rows


def _neighbours() -> tuple[pl.DataFrame, pl.DataFrame]:
    """D, and D' = D plus one case of eight contacts with all five categories each."""
    rng = np.random.default_rng(7)
    base = _rows(rng, 300, "v1:case:2025:background-")
    extra = [{"period": str(MONTH), "unit": "MIN-A-DG1-D2-T1", "case": "v1:case:2025:target",
              "id": f"{rng.integers(2**62):032x}", "mask": FULL_MASK} for _ in range(8)]
    schema = {"period": pl.String, "unit": pl.String, "case": pl.String, "id": pl.String,
              "mask": pl.Int64}
    return pl.DataFrame(base, schema=schema), pl.DataFrame(base + extra, schema=schema)


def _counts(frame: pl.DataFrame, bounds: ContributionBounds) -> np.ndarray:
    return count_rows(frame, SPEC, GRID, TAXONOMY, ORG, 50, bounds)


@dataclass(frozen=True)
class Mechanism:
    """What is audited: how the two neighbouring tables are counted, and the noise scale."""

    name: str
    d: np.ndarray
    d_prime: np.ndarray
    scale: float

    def sample(self, counts: np.ndarray, runs: int) -> np.ndarray:
        """``runs`` independent releases of ``counts``, one per row, in one OpenDP call."""
        tiled = np.tile(counts.astype(np.int64), runs)
        noisy = np.asarray(_measurement("laplace", self.scale)(tiled), dtype=np.int64)
        return noisy.reshape(runs, counts.size)

    def statistic(self, releases: np.ndarray) -> np.ndarray:
        """The attacker's score: the log-likelihood ratio of D' over D, times the scale."""
        return (np.abs(releases - self.d).sum(axis=1)
                - np.abs(releases - self.d_prime).sum(axis=1))


def _clopper_pearson(hits: int, n: int, one_sided: float) -> tuple[float, float]:
    """One-sided lower and upper bounds on a proportion, each holding with ``one_sided``."""
    alpha = 1 - one_sided
    low = 0.0 if hits == 0 else float(beta.ppf(alpha, hits, n - hits + 1))
    high = 1.0 if hits == n else float(beta.ppf(1 - alpha, hits + 1, n - hits))
    return low, high


def _epsilon_lower(in_set_d: int, in_set_d_prime: int, n: int) -> float:
    one_sided = (1 + CONFIDENCE) / 2
    p_low, _ = _clopper_pearson(in_set_d_prime, n, one_sided)
    _, q_high = _clopper_pearson(in_set_d, n, one_sided)
    return math.log(p_low / q_high) if p_low > 0 else 0.0


def _best_set(s_d: np.ndarray, s_dp: np.ndarray) -> tuple[int, int]:
    """The threshold and direction (+1: S >= t, -1: S <= t) with the highest lower bound."""
    best = (-math.inf, 0, 1)
    for t in np.unique(np.concatenate([s_d, s_dp])):
        for direction in (1, -1):
            in_d = int(np.count_nonzero(direction * s_d >= direction * t))
            in_dp = int(np.count_nonzero(direction * s_dp >= direction * t))
            # Either dataset may play D': the bound is symmetric in the neighbours.
            estimate = max(_epsilon_lower(in_d, in_dp, s_d.size),
                           _epsilon_lower(in_dp, in_d, s_d.size))
            if estimate > best[0]:
                best = (estimate, int(t), direction)
    return best[1], best[2]


def audit(mechanism: Mechanism) -> float:
    """The epsilon lower bound an attacker can certify against ``mechanism``."""
    select_d = mechanism.statistic(mechanism.sample(mechanism.d, SELECTION_RUNS))
    select_dp = mechanism.statistic(mechanism.sample(mechanism.d_prime, SELECTION_RUNS))
    threshold, direction = _best_set(select_d, select_dp)
    s_d = mechanism.statistic(mechanism.sample(mechanism.d, AUDIT_RUNS))
    s_dp = mechanism.statistic(mechanism.sample(mechanism.d_prime, AUDIT_RUNS))
    in_d = int(np.count_nonzero(direction * s_d >= direction * threshold))
    in_dp = int(np.count_nonzero(direction * s_dp >= direction * threshold))
    estimate = max(_epsilon_lower(in_d, in_dp, AUDIT_RUNS), _epsilon_lower(in_dp, in_d, AUDIT_RUNS))
    print(f"\n{mechanism.name}: scale {mechanism.scale:.4f}, |D'-D|_1 = "
          f"{int(np.abs(mechanism.d_prime - mechanism.d).sum())}, set S {'>=' if direction > 0 else '<='}"
          f" {threshold}: {in_dp}/{AUDIT_RUNS} under D', {in_d}/{AUDIT_RUNS} under D, "
          f"epsilon >= {estimate:.3f} at {CONFIDENCE:.1%} confidence")
    return estimate


def _product_scale() -> float:
    """The scale the product uses for this spec: sensitivity from the bounds, OpenDP-checked."""
    bounds = ContributionBounds()
    c = table_cells_per_signal(SPEC.group_by, len(CATEGORIES), 0, bounds)
    calibration = calibrate("laplace", CLAIMED_EPSILON, sensitivity("contacts", c, bounds))
    assert Fraction(calibration.privacy_loss) <= CLAIMED_EPSILON
    return calibration.scale


def test_bounded_neighbours_differ_by_exactly_the_sensitivity() -> None:
    d, d_prime = _neighbours()
    bounded = _counts(d_prime, ContributionBounds()) - _counts(d, ContributionBounds())
    unbounded = (_counts(d_prime, ContributionBounds(100, 100))
                 - _counts(d, ContributionBounds(100, 100)))

    # K = 3 contacts in c = 3 categories each: the worst case the noise is calibrated for.
    assert bounded.tolist() == [3, 3, 3, 0, 0]
    assert unbounded.tolist() == [8, 8, 8, 8, 8]
    assert _product_scale() == pytest.approx(9.0)


def test_audit_of_the_real_mechanism_stays_within_the_claimed_epsilon() -> None:
    d, d_prime = _neighbours()
    bounds = ContributionBounds()
    mechanism = Mechanism("product (K=3, C=3, scale 9)", _counts(d, bounds),
                          _counts(d_prime, bounds), _product_scale())

    estimate = audit(mechanism)

    assert estimate <= float(CLAIMED_EPSILON)
    # And the audit is tight: the worst-case set is found, so the bound comes close to the claim.
    assert estimate >= 0.7


def test_audit_detects_a_mechanism_with_half_the_noise() -> None:
    d, d_prime = _neighbours()
    bounds = ContributionBounds()
    broken = Mechanism("broken: noise scale halved", _counts(d, bounds), _counts(d_prime, bounds),
                       _product_scale() / 2)

    assert audit(broken) > float(CLAIMED_EPSILON)


def test_audit_detects_a_mechanism_without_contribution_bounds() -> None:
    d, d_prime = _neighbours()
    unbounded = ContributionBounds(contacts_per_case=100, categories_per_signal=100)
    broken = Mechanism("broken: no contribution bounds", _counts(d, unbounded),
                       _counts(d_prime, unbounded), _product_scale())

    assert audit(broken) > float(CLAIMED_EPSILON)
