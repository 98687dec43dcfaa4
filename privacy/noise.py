"""Noise: turn an exact table into a releasable one, with OpenDP's samplers only.

The whole count vector gets noise in one call to an OpenDP vector measurement:

laplace
    ``make_laplace`` on ``vector_domain(atom_domain(T="i64"))`` with ``l1_distance``: integer
    (discrete Laplace) noise, sampled exactly, pure epsilon-DP. scale = l1 / epsilon.
gaussian
    ``make_gaussian`` on the same domain with ``l2_distance(T="f64")``: discrete Gaussian
    noise, rho-zCDP. scale = l2 / sqrt(2 * rho).

The scale is then checked with the measurement's own privacy map: ``measurement.map(d_in)``
must not exceed the spec's budget, and where float rounding makes it exceed by a hair the scale
is nudged up (one ulp at a time) until OpenDP agrees. The privacy loss OpenDP reports is kept
with the table.

Estimates are unbiased integers and may be negative. Intervals, at ``confidence`` (0.95):

per cell
    OpenDP's ``discrete_*_scale_to_accuracy(scale, alpha)`` gives A with P(|noise| >= A) <=
    alpha; the noise is an integer, so |noise| <= ceil(A) - 1 holds with probability at least
    1 - alpha, and ``estimate +- (ceil(A) - 1)`` is the interval.
whole table
    The noise of different cells is independent, so with Sidak's alpha_n = 1 - (1 - alpha)^(1/n)
    per cell, all n cells hold at once with probability at least 1 - alpha.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import opendp.prelude as dp
import polars as pl

from privacy.aggregate import ExactTable
from privacy.budgets import decimal_text
from privacy.contributions import Sensitivity
from privacy.kinds import Mechanism
from privacy.specs import QuerySpec
from privacy.tables import KeyGrid

dp.enable_features("contrib")

DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True)
class Calibration:
    """A noise scale and the privacy loss OpenDP certifies for it."""

    mechanism: Mechanism
    scale: float
    privacy_loss: float
    """epsilon (laplace) or rho (gaussian) from ``measurement.map``; at most the budget."""
    d_in: float


@dataclass(frozen=True)
class Accuracy:
    """What a table's noise means for its readers; needs no data."""

    mechanism: Mechanism
    noise_scale: float
    standard_deviation: float
    confidence: float
    half_width: int
    """Each cell's interval is estimate +- half_width."""
    simultaneous_half_width: int
    """All cells' intervals hold together at ``confidence`` with this half-width."""
    n_cells: int


@dataclass(frozen=True, eq=False)
class NoisyTable:
    """A releasable table: public keys, noisy estimates and what they mean. No exact counts."""

    spec: QuerySpec
    grid: KeyGrid
    estimates: np.ndarray
    """int64, one per cell in grid order; unbiased, may be negative; read-only."""
    sensitivity: Sensitivity
    calibration: Calibration
    accuracy: Accuracy

    def __post_init__(self) -> None:
        if self.estimates.shape != (self.grid.n_cells,):
            raise ValueError("estimates must have one entry per cell of the grid")
        self.estimates.setflags(write=False)

    @property
    def mechanism(self) -> Mechanism:
        return self.spec.mechanism

    @property
    def budget(self) -> Fraction:
        """What this release spends, in ``spec.budget_unit``."""
        return self.spec.budget

    @property
    def noise_scale(self) -> float:
        return self.calibration.scale

    def frame(self) -> pl.DataFrame:
        """Keys, estimate and the per-cell interval, one row per cell in grid order."""
        half = self.accuracy.half_width
        estimates = pl.Series("estimate", self.estimates, dtype=pl.Int64)
        return pl.DataFrame({
            **self.grid.key_columns(),
            "estimate": estimates,
            "lower": estimates - half,
            "upper": estimates + half,
        })

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready description of the release (keys, estimates and their meaning)."""
        return {
            "columns": list(self.grid.names),
            "rows": [
                {**key, "estimate": int(value)}
                for key, value in zip(self.grid.keys(), self.estimates, strict=True)
            ],
            "mechanism": self.mechanism.value,
            self.spec.budget_unit.value: decimal_text(self.budget),
            "privacy_loss": self.calibration.privacy_loss,
            "noise_scale": self.calibration.scale,
            "standard_deviation": self.accuracy.standard_deviation,
            "sensitivity": {"l1": self.sensitivity.l1, "l2": self.sensitivity.l2},
            "confidence": self.accuracy.confidence,
            "half_width": self.accuracy.half_width,
            "simultaneous_half_width": self.accuracy.simultaneous_half_width,
        }


def _measurement(mechanism: Mechanism, scale: float) -> dp.Measurement:
    domain = dp.vector_domain(dp.atom_domain(T="i64"))
    if mechanism == Mechanism.LAPLACE:
        return dp.m.make_laplace(domain, dp.l1_distance(T="i64"), scale=scale)
    if mechanism == Mechanism.GAUSSIAN:
        return dp.m.make_gaussian(domain, dp.l2_distance(T="f64"), scale=scale)
    raise ValueError(f"unknown mechanism {mechanism!r}")


def calibrate(mechanism: Mechanism, budget: Fraction, sens: Sensitivity) -> Calibration:
    """The smallest scale (to float precision) whose OpenDP privacy loss is within ``budget``."""
    if budget <= 0:
        raise ValueError("budget must be positive")
    mechanism = Mechanism(mechanism)
    d_in: float
    if mechanism is Mechanism.LAPLACE:
        d_in = sens.l1
        scale = sens.l1 / float(budget)
    else:
        d_in = sens.l2
        scale = d_in / math.sqrt(2 * float(budget))
    for _ in range(64):
        measurement = _measurement(mechanism, scale)
        loss = measurement.map(d_in)
        if Fraction(loss) <= budget:
            return Calibration(mechanism, scale, float(loss), float(d_in))
        scale = math.nextafter(scale, math.inf)
    raise RuntimeError("could not calibrate the noise scale")  # pragma: no cover


def half_width(mechanism: Mechanism, scale: float, alpha: float) -> int:
    """The integer h with P(|noise| > h) <= alpha, from OpenDP's accuracy helpers."""
    accuracy: float
    if mechanism == Mechanism.LAPLACE:
        accuracy = dp.discrete_laplacian_scale_to_accuracy(scale, alpha)
    else:
        accuracy = dp.discrete_gaussian_scale_to_accuracy(scale, alpha)
    return max(0, math.ceil(accuracy) - 1)


def sidak_alpha(alpha: float, n_cells: int) -> float:
    """Per-cell alpha so that n independent cells all hold with probability 1 - alpha."""
    return -math.expm1(math.log1p(-alpha) / n_cells)


def noise_standard_deviation(mechanism: Mechanism, scale: float) -> float:
    """Exact for discrete Laplace; for the discrete Gaussian its upper bound, the scale."""
    if mechanism == Mechanism.LAPLACE:
        t = math.exp(-1 / scale)
        return math.sqrt(2 * t) / (1 - t)
    return scale


def expected_accuracy(
    spec: QuerySpec,
    n_cells: int,
    sens: Sensitivity,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Accuracy:
    """The accuracy a table of ``n_cells`` will have, before (and without) any data."""
    return accuracy_for(calibrate(spec.mechanism, spec.budget, sens), n_cells, confidence)


def accuracy_for(calibration: Calibration, n_cells: int, confidence: float) -> Accuracy:
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    if n_cells < 1:
        raise ValueError("a table has at least one cell")
    # Through the decimal text, so that 0.95 gives alpha 0.05 and not 0.050000000000000044.
    alpha = float(1 - Fraction(repr(confidence)))
    mechanism, scale = calibration.mechanism, calibration.scale
    return Accuracy(
        mechanism=mechanism,
        noise_scale=scale,
        standard_deviation=noise_standard_deviation(mechanism, scale),
        confidence=confidence,
        half_width=half_width(mechanism, scale, alpha),
        simultaneous_half_width=half_width(mechanism, scale, sidak_alpha(alpha, n_cells)),
        n_cells=n_cells,
    )


def add_noise(table: ExactTable, *, confidence: float = DEFAULT_CONFIDENCE) -> NoisyTable:
    """Release ``table`` under its spec's mechanism and budget."""
    spec = table.spec
    calibration = calibrate(spec.mechanism, spec.budget, table.sensitivity)
    accuracy = accuracy_for(calibration, table.grid.n_cells, confidence)
    measurement = _measurement(spec.mechanism, calibration.scale)
    # A writable copy: OpenDP hands the buffer to Rust through ctypes, which refuses read-only.
    counts = np.array(table.counts, dtype=np.int64, copy=True)
    noisy = np.asarray(measurement(counts), dtype=np.int64)
    return NoisyTable(spec, table.grid, noisy, table.sensitivity, calibration, accuracy)
