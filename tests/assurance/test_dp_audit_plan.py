"""Empirical DP audit of the release plan's tables (Gaussian noise on case mass).

Two neighbouring data sets go through the product's own counting path
(``privacy.plan_counts.exact_plan_table``) and its own OpenDP measurement at the scale
``calibrate_sigma`` picks for a table's rho; D' is D plus one case of four contacts. The
attacker projects each release on the direction D' - D (the likelihood-ratio statistic of
Gaussian noise) and uses a rejection set {S >= t}, with t chosen on one batch and judged on a
fresh one. With one-sided Clopper-Pearson bounds at ``CONFIDENCE``,

    epsilon_lower = ln((P_low[S >= t | D'] - delta) / P_high[S >= t | D]),

which is below the true epsilon at ``delta`` with probability at least ``CONFIDENCE``. The
claim audited is the table's: rho-zCDP, stated as OpenDP's epsilon at delta = 1e-6.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from privacy.accounting import epsilon_at
from privacy.plan import plan_table
from privacy.plan_counts import SIGNAL_COLUMNS, _measurement, calibrate_sigma, exact_plan_table
from registry.organisations import parse_org_csv
from registry.taxonomy import load_taxonomy
from tests.assurance.test_dp_audit import _clopper_pearson

pytestmark = pytest.mark.assurance

FIXTURES = Path(__file__).parent.parent / "fixtures"
TAXONOMY = load_taxonomy()
ORG = parse_org_csv((FIXTURES / "org-small.csv").read_text())
YEAR = 2025
DELTA = 1e-6
CONFIDENCE = 0.999
SELECTION_RUNS = 3_000
AUDIT_RUNS = 12_000
TABLE = plan_table("org_total")


def _frame(extra_case: bool) -> pl.DataFrame:
    """Background signals of two organisations; D' adds one case of four contacts."""
    rng = np.random.default_rng(11)
    bits = [1 << i for i in range(3)]
    rows = []
    for i in range(200):
        organisation = "MIN-A" if i % 2 else "MIN-B"
        rows.append({"id": f"{rng.integers(2**62):032x}", "period": f"{YEAR}-0{1 + i % 9}",
                     "organisation": organisation, "unit": organisation,
                     "case": f"c{i // 3}" if i % 4 == 0 else None, "channel": "vp_intern",
                     "implicated_party": "collega", "reporter_role": "medewerker",
                     "follow_up": "advies", "mask": bits[i % 3], "imask": 0})
    if extra_case:
        rows += [{"id": f"{rng.integers(2**62):032x}", "period": f"{YEAR}-0{m}",
                  "organisation": "MIN-A", "unit": "MIN-A-DG1-D1", "case": "target",
                  "channel": "bmw", "implicated_party": "collega", "reporter_role": "medewerker",
                  "follow_up": "advies", "mask": 7, "imask": 0} for m in (2, 3, 5, 7)]
    schema = {c: (pl.Int64 if c in ("mask", "imask") else pl.String) for c in SIGNAL_COLUMNS}
    return pl.DataFrame(rows, schema=schema)


def _mass(frame: pl.DataFrame, name: str = TABLE.name) -> np.ndarray:
    return np.asarray(exact_plan_table(frame, plan_table(name), YEAR, TAXONOMY, ORG).mass)


def _sample(mass: np.ndarray, scale: float, runs: int) -> np.ndarray:
    tiled = np.tile(mass.astype(np.float64), runs).tolist()
    return np.asarray(_measurement(scale)(tiled), dtype=np.float64).reshape(runs, mass.size)


def _statistic(releases: np.ndarray, d: np.ndarray, d_prime: np.ndarray) -> np.ndarray:
    return (releases - d) @ (d_prime - d)


def _epsilon_lower(in_d: int, in_dp: int, n: int) -> float:
    one_sided = (1 + CONFIDENCE) / 2
    p_low, _ = _clopper_pearson(in_dp, n, one_sided)
    _, q_high = _clopper_pearson(in_d, n, one_sided)
    return math.log((p_low - DELTA) / q_high) if p_low > DELTA else 0.0


def audit(d: np.ndarray, d_prime: np.ndarray, scale: float) -> float:
    """The epsilon (at DELTA) an attacker can certify against the mechanism."""
    select_d = _statistic(_sample(d, scale, SELECTION_RUNS), d, d_prime)
    select_dp = _statistic(_sample(d_prime, scale, SELECTION_RUNS), d, d_prime)
    best, threshold = -math.inf, 0.0
    for t in np.quantile(select_d, np.linspace(0.9, 0.999, 60)):
        estimate = _epsilon_lower(int((select_d >= t).sum()), int((select_dp >= t).sum()),
                                  SELECTION_RUNS)
        if estimate > best:
            best, threshold = estimate, float(t)
    s_d = _statistic(_sample(d, scale, AUDIT_RUNS), d, d_prime)
    s_dp = _statistic(_sample(d_prime, scale, AUDIT_RUNS), d, d_prime)
    estimate = _epsilon_lower(int((s_d >= threshold).sum()), int((s_dp >= threshold).sum()),
                              AUDIT_RUNS)
    print(f"\nscale {scale:.3f}, |D'-D|_2 = {np.linalg.norm(d_prime - d):.3f}, "
          f"epsilon >= {estimate:.3f} at {CONFIDENCE:.1%}")
    return estimate


def test_one_case_moves_every_planned_table_by_at_most_one() -> None:
    for name in ("org_total", "org_category", "dg_category", "org_channel", "org_impact"):
        moved = _mass(_frame(True), name) - _mass(_frame(False), name)
        assert np.linalg.norm(moved) <= 1 + 1e-9, name
        assert moved.sum() == pytest.approx(1.0), name


def test_audit_of_the_plan_stays_within_the_stated_epsilon() -> None:
    scale, _loss = calibrate_sigma(TABLE.rho)
    claimed = epsilon_at(TABLE.rho, Fraction(1, 10**6))
    estimate = audit(_mass(_frame(False)), _mass(_frame(True)), scale)
    assert estimate <= claimed


def test_audit_detects_a_table_with_a_quarter_of_the_noise() -> None:
    scale, _loss = calibrate_sigma(TABLE.rho)
    claimed = epsilon_at(TABLE.rho, Fraction(1, 10**6))
    assert audit(_mass(_frame(False)), _mass(_frame(True)), scale / 4) > claimed


def test_audit_detects_counting_a_case_in_full_in_every_cell() -> None:
    """Without spreading its mass, the case (three categories, four months) moves the table
    by more than the noise is built for."""
    table = plan_table("org_category")
    scale, _loss = calibrate_sigma(table.rho)
    claimed = epsilon_at(table.rho, Fraction(1, 10**6))
    d = _mass(_frame(False), table.name)
    spread = _mass(_frame(True), table.name) - d
    unspread = d + 4 * (spread > 0)  # four contacts, each counted in every one of its cells
    assert audit(d, unspread, scale) > claimed
