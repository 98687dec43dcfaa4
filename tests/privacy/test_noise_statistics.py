"""The noise behaves as stated: unbiased, with the stated spread, and intervals that cover.

OpenDP's samplers take no seed, so these tests use enough cells (20,000) that the tolerances,
derived from standard errors, fail by chance less than once in ten thousand runs.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from privacy.aggregate import ExactTable
from privacy.contributions import ContributionBounds, Sensitivity
from privacy.noise import NoisyTable, add_noise
from privacy.specs import QuerySpec
from privacy.tables import Dimension, KeyGrid
from registry.periods import Month

N_CELLS = 20_000
SENSITIVITY = Sensitivity(l1=9, l2_squared=27)


def pmf(mechanism: str, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Support and probabilities of the noise, from the textbook formulas."""
    span = int(80 * scale) + 20
    support = np.arange(-span, span + 1)
    if mechanism == "laplace":
        weights = np.exp(-np.abs(support) / scale)
    else:
        weights = np.exp(-(support.astype(float) ** 2) / (2 * scale * scale))
    return support, weights / weights.sum()


def release(mechanism: str, budget: str, truth: np.ndarray) -> NoisyTable:
    spec = QuerySpec(
        measure="contacts", group_by=(), filters={}, start=Month(2025, 1), end=Month(2025, 1),
        mechanism=mechanism,
        epsilon=Fraction(budget) if mechanism == "laplace" else None,
        rho=Fraction(budget) if mechanism == "gaussian" else None,
    )
    # A grid built by hand: the statistics only need many independent cells.
    grid = KeyGrid((Dimension("cell", tuple(str(i) for i in range(truth.size))),))
    exact = ExactTable(spec, grid, truth, SENSITIVITY, ContributionBounds(), 50)
    return add_noise(exact)


@pytest.fixture(scope="module")
def truth() -> np.ndarray:
    # The truth is data, not noise: any generator will do here.
    return np.random.default_rng(2026).integers(0, 100, N_CELLS).astype(np.int64)


@pytest.mark.parametrize(("mechanism", "budget"), [("laplace", "1"), ("gaussian", "0.05")])
def test_estimates_are_unbiased_with_the_stated_spread(
    mechanism: str, budget: str, truth: np.ndarray
) -> None:
    noisy = release(mechanism, budget, truth)
    errors = (noisy.estimates - truth).astype(float)
    support, probabilities = pmf(mechanism, noisy.noise_scale)
    variance = float((support**2 * probabilities).sum())
    fourth = float((support**4 * probabilities).sum())
    # Mean: within 4 standard errors of 0.
    assert abs(errors.mean()) <= 4 * math.sqrt(variance / N_CELLS)
    # Variance: within 4 standard errors of the sample variance of the true noise law.
    standard_error = math.sqrt((fourth - variance**2) / N_CELLS)
    assert abs(errors.var() - variance) <= 4 * standard_error
    if mechanism == "laplace":
        assert math.sqrt(variance) == pytest.approx(noisy.accuracy.standard_deviation)
    else:
        assert math.sqrt(variance) <= noisy.accuracy.standard_deviation


@pytest.mark.parametrize(("mechanism", "budget"), [("laplace", "1"), ("gaussian", "0.05")])
def test_per_cell_intervals_cover_the_truth_in_95_percent_of_cells(
    mechanism: str, budget: str, truth: np.ndarray
) -> None:
    noisy = release(mechanism, budget, truth)
    frame = noisy.frame()
    lower, upper = frame["lower"].to_numpy(), frame["upper"].to_numpy()
    covered = float(((lower <= truth) & (truth <= upper)).mean())
    support, probabilities = pmf(mechanism, noisy.noise_scale)
    stated = float(probabilities[np.abs(support) <= noisy.accuracy.half_width].sum())
    assert stated >= 0.95  # discrete noise: at least the confidence, never less
    assert abs(covered - stated) <= 4 * math.sqrt(stated * (1 - stated) / N_CELLS)
    assert abs(covered - 0.95) <= 0.02


@pytest.mark.parametrize(("mechanism", "budget"), [("laplace", "1"), ("gaussian", "0.05")])
def test_simultaneous_interval_covers_whole_tables_95_percent_of_the_time(
    mechanism: str, budget: str, truth: np.ndarray
) -> None:
    cells_per_table = 10
    tables = N_CELLS // cells_per_table
    # One release of N cells is, cell for cell, the same law as many releases of 10 cells; the
    # simultaneous half-width of a 10-cell table is computed for each block.
    small = release(mechanism, budget, truth[:cells_per_table])
    width = small.accuracy.simultaneous_half_width
    noisy = release(mechanism, budget, truth)
    errors = np.abs(noisy.estimates - truth).reshape(tables, cells_per_table)
    all_covered = float((errors <= width).all(axis=1).mean())
    support, probabilities = pmf(mechanism, noisy.noise_scale)
    stated = float(probabilities[np.abs(support) <= width].sum()) ** cells_per_table
    assert stated >= 0.95
    assert abs(all_covered - stated) <= 4 * math.sqrt(stated * (1 - stated) / tables)
