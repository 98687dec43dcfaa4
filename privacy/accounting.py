"""One currency for every release: zero-concentrated DP (rho), stated as (epsilon, delta).

Every release the registry makes is charged in rho (zCDP, Bun and Steinke 2016), whatever its
noise:

gaussian
    A discrete Gaussian release with L2 sensitivity D and scale s is (D^2 / 2 s^2)-zCDP; the
    spec's rho is what it is charged.
laplace
    A pure epsilon-DP release is (epsilon^2 / 2)-zCDP (Bun and Steinke 2016, Prop. 1.4), so a
    Laplace query of epsilon e is charged rho = e^2 / 2, exactly, as a Fraction.

zCDP composes by adding rho, so the loss of one privacy unit (one case in one data year) over
every release that touches the year is the sum of the charges to that year. The sum is turned
into the (epsilon, delta) that a reader understands with OpenDP's conversion
(``make_zCDP_to_approxDP``, the bound of Canonne, Kamath and Steinke 2020), which is tighter
than the classic epsilon = rho + 2 sqrt(rho ln(1/delta)).

The cap is configured as (epsilon, delta), by default (4, 1e-6), and kept in the ledger as the
largest rho with six decimals whose OpenDP epsilon at that delta is at most the configured
epsilon: 0.311064 for the default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

DEFAULT_CAP_EPSILON = Fraction(4)
DEFAULT_CAP_DELTA = Fraction(1, 10**6)
RHO_DECIMALS = 6


def laplace_rho(epsilon: Fraction) -> Fraction:
    """The zCDP charge of a pure epsilon-DP release: epsilon^2 / 2, exact."""
    if epsilon <= 0:
        raise ValueError("epsilon must be positive")
    return epsilon * epsilon / 2


@lru_cache(maxsize=4096)
def _epsilon_of(rho_text: str, delta_text: str) -> float:
    import opendp.prelude as dp  # imported here: readers of a budget page need no OpenDP

    dp.enable_features("contrib")
    rho = float(Fraction(rho_text))
    if rho <= 0:
        return 0.0
    gaussian = dp.m.make_gaussian(dp.atom_domain(T="i64"), dp.absolute_distance(T="f64"),
                                  scale=1 / math.sqrt(2 * rho))
    # The Gaussian's own rho can exceed the asked one by a float ulp; scale the curve's input
    # instead of trusting the float: d_in = 1 gives exactly the loss the measurement maps to.
    loss = float(gaussian.map(1.0))
    if loss > rho * (1 + 1e-12):
        raise RuntimeError("OpenDP charged more than asked")  # pragma: no cover
    curve = dp.c.make_zCDP_to_approxDP(gaussian).map(1.0)
    return float(curve.epsilon(float(Fraction(delta_text))))


def epsilon_at(rho: Fraction, delta: Fraction = DEFAULT_CAP_DELTA) -> float:
    """The epsilon one privacy unit's loss ``rho`` amounts to at ``delta`` (OpenDP's bound)."""
    if rho < 0:
        raise ValueError("rho must not be negative")
    if not 0 < delta < 1:
        raise ValueError("delta must be between 0 and 1")
    return _epsilon_of(str(rho), str(delta))


def rho_for_epsilon(epsilon: Fraction, delta: Fraction = DEFAULT_CAP_DELTA) -> Fraction:
    """The largest rho with six decimals whose epsilon at ``delta`` is at most ``epsilon``."""
    if epsilon <= 0:
        raise ValueError("epsilon must be positive")
    step = Fraction(1, 10**RHO_DECIMALS)
    low, high = 0, 1
    while epsilon_at(high * step * 10**RHO_DECIMALS, delta) <= epsilon:
        high *= 2
    high *= 10**RHO_DECIMALS
    # Integer bisection on rho * 10**6: epsilon_at grows with rho.
    while high - low > 1:
        middle = (low + high) // 2
        if epsilon_at(middle * step, delta) <= float(epsilon):
            low = middle
        else:
            high = middle
    return low * step


@dataclass(frozen=True)
class Cap:
    """The most one case may lose in one data year, over every release and consumer together."""

    epsilon: Fraction
    """What the cap is stated as, with ``delta``."""
    delta: Fraction
    """Delta of the statement; at most 1e-6 by policy."""
    rho: Fraction
    """The zCDP budget the ledger enforces; its epsilon at ``delta`` is at most ``epsilon``."""

    def __post_init__(self) -> None:
        if self.epsilon <= 0 or self.rho <= 0:
            raise ValueError("a cap is positive")
        if not 0 < self.delta <= DEFAULT_CAP_DELTA:
            raise ValueError("delta must be positive and at most 1e-6")

    @classmethod
    def of(cls, epsilon: Fraction = DEFAULT_CAP_EPSILON,
           delta: Fraction = DEFAULT_CAP_DELTA) -> Cap:
        return cls(epsilon, delta, rho_for_epsilon(epsilon, delta))
