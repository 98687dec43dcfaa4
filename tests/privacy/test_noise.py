"""Noise calibration, intervals and the shape of a noisy table (statistics live in
test_noise_statistics.py)."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.aggregate import ExactTable
from privacy.contributions import ContributionBounds, Sensitivity
from privacy.noise import (
    add_noise,
    calibrate,
    expected_accuracy,
    half_width,
    noise_standard_deviation,
    sidak_alpha,
)
from privacy.specs import QuerySpec
from privacy.tables import key_grid
from registry.organisations import parse_org_csv
from registry.periods import Month
from registry.taxonomy import load_taxonomy

FIXTURES = Path(__file__).parent.parent / "fixtures"
TAXONOMY = load_taxonomy()
ORG = parse_org_csv((FIXTURES / "org-small.csv").read_text())


def spec_of(**json: object) -> QuerySpec:
    data = {"measure": "contacts", "from": "2025-01", "to": "2025-03", "epsilon": "1", **json}
    return QuerySpec.from_json({k: v for k, v in data.items() if v is not None},
                               TAXONOMY, ORG, Month(2026, 1))


K_ONLY = Sensitivity(3, 9)


def exact_of(spec: QuerySpec, counts: np.ndarray | None = None,
             sens: Sensitivity = K_ONLY) -> ExactTable:
    grid = key_grid(spec, TAXONOMY, ORG)
    values = counts if counts is not None else np.arange(grid.n_cells, dtype=np.int64)
    return ExactTable(spec, grid, values, sens, ContributionBounds(), 50)


def laplace_tail(scale: float, k: int) -> float:
    """P(|X| >= k) for discrete Laplace with this scale, k >= 1 (exact formula)."""
    t = math.exp(-1 / scale)
    return 2 * t**k / (1 + t)


def gaussian_tail(scale: float, k: int) -> float:
    """P(|X| >= k) for the discrete Gaussian, by direct summation."""
    span = int(60 * scale) + 10
    weights = [math.exp(-x * x / (2 * scale * scale)) for x in range(-span, span + 1)]
    total = sum(weights)
    return sum(w for x, w in zip(range(-span, span + 1), weights, strict=True)
               if abs(x) >= k) / total


decimal_budgets = st.integers(min_value=1, max_value=10**7).map(lambda n: Fraction(n, 10**6))


@settings(max_examples=200, deadline=None)
@given(budget=decimal_budgets, l1=st.integers(1, 60))
def test_laplace_loss_never_exceeds_epsilon(budget: Fraction, l1: int) -> None:
    calibration = calibrate("laplace", budget, Sensitivity(l1, l1))
    assert Fraction(calibration.privacy_loss) <= budget
    assert calibration.scale == pytest.approx(l1 / float(budget), rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(budget=decimal_budgets, l1=st.integers(1, 60), fraction=st.floats(0.01, 1.0))
def test_gaussian_loss_never_exceeds_rho(budget: Fraction, l1: int, fraction: float) -> None:
    l2_squared = max(1, math.ceil(l1 * l1 * fraction))
    sens = Sensitivity(l1, l2_squared)
    calibration = calibrate("gaussian", budget, sens)
    assert Fraction(calibration.privacy_loss) <= budget
    assert calibration.d_in >= math.sqrt(l2_squared)
    expected = math.sqrt(l2_squared) / math.sqrt(2 * float(budget))
    assert calibration.scale == pytest.approx(expected, rel=1e-9)


def test_calibration_nudges_the_scale_when_rounding_overshoots() -> None:
    # 1/0.3 * 9 rounds so that OpenDP reports 0.30000000000000004 > 0.3.
    calibration = calibrate("laplace", Fraction(3, 10), Sensitivity(9, 81))
    assert Fraction(calibration.privacy_loss) <= Fraction(3, 10)
    assert calibration.scale > 9 / 0.3


@pytest.mark.parametrize("scale", [0.5, 1.0, 2.7, 9.0, 30.0, 120.5])
@pytest.mark.parametrize("alpha", [0.05, 0.01, 1e-5])
def test_laplace_half_width_is_the_exact_tight_quantile(scale: float, alpha: float) -> None:
    h = half_width("laplace", scale, alpha)
    assert laplace_tail(scale, h + 1) <= alpha  # P(|X| > h) <= alpha
    assert h == 0 or laplace_tail(scale, h) > alpha  # and h is the smallest such


@pytest.mark.parametrize("scale", [1.0, 3.0, 7.5, 20.0])
@pytest.mark.parametrize("alpha", [0.05, 0.01])
def test_gaussian_half_width_covers_and_is_tight(scale: float, alpha: float) -> None:
    h = half_width("gaussian", scale, alpha)
    assert gaussian_tail(scale, h + 1) <= alpha
    assert h == 0 or gaussian_tail(scale, h) > alpha


@pytest.mark.parametrize("n", [1, 2, 20, 60_000])
def test_sidak_alpha_makes_all_cells_hold_together(n: int) -> None:
    per_cell = sidak_alpha(0.05, n)
    assert (1 - per_cell) ** n == pytest.approx(0.95, rel=1e-12)


def test_discrete_laplace_standard_deviation_matches_the_pmf() -> None:
    scale = 4.0
    t = math.exp(-1 / scale)
    variance = sum(x * x * (1 - t) / (1 + t) * t ** abs(x) for x in range(-2000, 2001))
    assert noise_standard_deviation("laplace", scale) == pytest.approx(math.sqrt(variance))


def test_noisy_table_has_every_key_and_integer_estimates() -> None:
    spec = spec_of(group_by=["period", "unit"])
    noisy = add_noise(exact_of(spec))
    frame = noisy.frame()
    assert frame.columns == ["period", "unit", "estimate", "lower", "upper"]
    assert frame.height == 3 * 7
    assert frame["estimate"].dtype.is_integer()
    assert (frame["upper"] - frame["lower"]).to_list() == [2 * noisy.accuracy.half_width] * 21
    assert noisy.estimates.dtype == np.int64
    with pytest.raises(ValueError):
        noisy.estimates[0] = 1


def test_noisy_table_reports_what_was_spent_and_how() -> None:
    spec = spec_of(epsilon="0.5")
    noisy = add_noise(exact_of(spec, sens=Sensitivity(9, 27)))
    assert noisy.mechanism == "laplace"
    assert noisy.budget == Fraction(1, 2)
    assert noisy.noise_scale == 18.0
    assert noisy.calibration.privacy_loss <= 0.5
    document = noisy.as_json()
    assert document["epsilon"] == "0.5"
    assert document["sensitivity"] == {"l1": 9, "l2": math.sqrt(27)}
    assert document["rows"] == [{"estimate": int(noisy.estimates[0])}]
    assert document["half_width"] == half_width("laplace", 18.0, 0.05)


def test_gaussian_release_spends_rho() -> None:
    spec = spec_of(mechanism="gaussian", epsilon=None, rho="0.05", group_by=["unit"])
    noisy = add_noise(exact_of(spec, sens=Sensitivity(9, 27)))
    assert noisy.calibration.mechanism == "gaussian"
    assert noisy.noise_scale == pytest.approx(math.sqrt(27 / (2 * 0.05)))  # l2 / sqrt(2 rho)
    assert noisy.as_json()["rho"] == "0.05"
    assert "epsilon" not in noisy.as_json()


def test_expected_accuracy_needs_no_data_and_matches_the_release() -> None:
    spec = spec_of(group_by=["period", "unit", "category"])
    grid = key_grid(spec, TAXONOMY, ORG)
    preview = expected_accuracy(spec, grid.n_cells, Sensitivity(9, 27))
    released = add_noise(exact_of(spec, sens=Sensitivity(9, 27)))
    assert preview == released.accuracy
    assert preview.n_cells == 3 * 7 * len(TAXONOMY.codes("categories"))
    assert preview.simultaneous_half_width > preview.half_width


def test_a_larger_table_needs_a_wider_simultaneous_interval() -> None:
    spec = spec_of()
    small = expected_accuracy(spec, 10, Sensitivity(3, 9))
    large = expected_accuracy(spec, 100_000, Sensitivity(3, 9))
    assert small.half_width == large.half_width
    assert large.simultaneous_half_width > small.simultaneous_half_width


@pytest.mark.parametrize("confidence", [0, 1, 1.5])
def test_confidence_must_be_a_probability(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        expected_accuracy(spec_of(), 1, Sensitivity(3, 9), confidence=confidence)
