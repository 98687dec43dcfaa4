"""Estimates with their uncertainty: sums, differences, rates and shares of noisy counts.

Every published cell is an unbiased estimate whose noise has a known standard deviation, and
the noise of different cells (and of different months) is independent. So:

- a sum of cells is unbiased and its variance is the sum of the variances;
- a difference is unbiased and its variance is the sum of both variances, which makes its
  interval symmetric around the difference;
- a rate per 100 FTE is a count times a public constant: value and standard deviation scale
  with it;
- a ratio of two noisy sums (a share) is not unbiased; the delta method gives its approximate
  variance, which is poor when the denominator is small against its own noise.

Intervals use the normal approximation: estimate +- z * sd, z = 1.96 for 95%. For a sum of
several cells that is close (the noise of a sum tends to normal); for a single discrete-Laplace
cell it is slightly narrow: the true coverage of +-1.96 sd is about 94% rather than 95% (Laplace
tails are heavier). The released per-cell half-width (``PublishedTable.half_width``) is exact
for a single cell; the one-sided 95% bound used by the checks is almost exact for Laplace too
(P(noise > 1.645 sd) = 4.9%).

Counts can also vary by chance, apart from the noise: the signals of a year are one draw from
the underlying rate. ``with_sampling`` adds Poisson variance (the count itself, at least zero)
for questions about the underlying rate rather than about what was registered.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import Any

from analytics.errors import NoHeadcount

DEFAULT_CONFIDENCE = 0.95
_NORMAL = NormalDist()


@lru_cache(maxsize=64)
def z_value(confidence: float = DEFAULT_CONFIDENCE, *, one_sided: bool = False) -> float:
    """The normal quantile for a two-sided (default) or one-sided interval."""
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    tail = 1 - confidence if one_sided else (1 - confidence) / 2
    return _NORMAL.inv_cdf(1 - tail)


def normal_tail(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 1 - _NORMAL.cdf(z)


@dataclass(frozen=True)
class Estimate:
    """An unbiased (or approximately unbiased) figure and the variance of its error."""

    value: float
    variance: float
    confidence: float = DEFAULT_CONFIDENCE

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ValueError("an estimate must be a finite number")
        if not math.isfinite(self.variance) or self.variance < 0:
            raise ValueError("a variance must be finite and not negative")
        if not 0 < self.confidence < 1:
            raise ValueError("confidence must be between 0 and 1")

    @property
    def sd(self) -> float:
        return math.sqrt(self.variance)

    @property
    def half_width(self) -> float:
        return z_value(self.confidence) * self.sd

    @property
    def lower(self) -> float:
        return self.value - self.half_width

    @property
    def upper(self) -> float:
        return self.value + self.half_width

    @property
    def interval(self) -> tuple[float, float]:
        return self.lower, self.upper

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies wholly above or wholly below zero."""
        return self.lower > 0 or self.upper < 0

    def one_sided_lower(self, confidence: float = DEFAULT_CONFIDENCE) -> float:
        """A bound the true value exceeds with probability ``confidence``."""
        return self.value - z_value(confidence, one_sided=True) * self.sd

    def one_sided_upper(self, confidence: float = DEFAULT_CONFIDENCE) -> float:
        """A bound the true value stays below with probability ``confidence``."""
        return self.value + z_value(confidence, one_sided=True) * self.sd

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.value + other.value, self.variance + other.variance, self.confidence)

    def __sub__(self, other: Estimate) -> Estimate:
        return Estimate(self.value - other.value, self.variance + other.variance, self.confidence)

    def scaled(self, factor: float) -> Estimate:
        """The estimate times a public constant (no uncertainty in the constant)."""
        return Estimate(self.value * factor, self.variance * factor * factor, self.confidence)

    def with_extra_variance(self, variance: float) -> Estimate:
        return Estimate(self.value, self.variance + variance, self.confidence)

    def with_sampling(self) -> Estimate:
        """Add Poisson variation: a count's variance by chance equals its mean (>= 0)."""
        return self.with_extra_variance(max(self.value, 0.0))

    def clamped(self, low: float, high: float) -> Estimate:
        """For display only: the value moved into [low, high], the spread kept."""
        return Estimate(min(max(self.value, low), high), self.variance, self.confidence)

    def as_dict(self, digits: int = 4) -> dict[str, Any]:
        return {
            "estimate": round(self.value, digits),
            "sd": round(self.sd, digits),
            "lower": round(self.lower, digits),
            "upper": round(self.upper, digits),
            "confidence": self.confidence,
        }


def total(estimates: Iterable[Estimate], confidence: float = DEFAULT_CONFIDENCE) -> Estimate:
    """The sum of independent estimates (an empty sum is an exact zero)."""
    value = variance = 0.0
    for estimate in estimates:
        value += estimate.value
        variance += estimate.variance
    return Estimate(value, variance, confidence)


def difference(a: Estimate, b: Estimate) -> Estimate:
    """a - b for independent estimates: the interval is symmetric around the difference."""
    return a - b


def cells(values: Iterable[int], noise_variance: float) -> Estimate:
    """The sum of noisy cells that all carry the same noise variance."""
    value, n = 0, 0
    for v in values:
        value += v
        n += 1
    return Estimate(float(value), n * noise_variance)


def rate_factor(headcount: float, months: int) -> float:
    """Multiply a count over ``months`` by this for a yearly rate per 100 FTE."""
    if headcount <= 0:
        raise NoHeadcount("a rate needs a positive headcount")
    if months < 1:
        raise ValueError("a rate needs at least one month")
    return 100.0 * 12.0 / (headcount * months)


def rate_per_100_fte(count: Estimate, headcount: float, months: int, *,
                     sampling: bool = False) -> Estimate:
    """Yearly rate per 100 FTE of a count over ``months`` months (annualised).

    With ``sampling`` the Poisson variation of the count is added before scaling.
    """
    base = count.with_sampling() if sampling else count
    return base.scaled(rate_factor(headcount, months))


def ratio(numerator: Estimate, denominator: Estimate, covariance: float = 0.0) -> Estimate:
    """numerator / denominator with its delta-method variance; the denominator must be > 0.

    var(a/b) ~ (a/b)^2 * (var a / a^2 + var b / b^2 - 2 cov / (a b)), written so that it also
    holds for a = 0.
    """
    a, b = numerator.value, denominator.value
    if b <= 0:
        raise ValueError("the denominator of a ratio must be positive")
    r = a / b
    variance = (numerator.variance - 2 * r * covariance + r * r * denominator.variance) / (b * b)
    return Estimate(r, max(variance, 0.0), numerator.confidence)


def share(part: Estimate, rest: Estimate) -> Estimate:
    """part / (part + rest) for independent part and rest (a share of a whole table).

    The whole shares the part's noise, so this is the ratio with covariance var(part).
    """
    return ratio(part, part + rest, covariance=part.variance)


def relative_sd(estimate: Estimate) -> float:
    """sd / value; infinite when the value is not positive."""
    return estimate.sd / estimate.value if estimate.value > 0 else math.inf


def nl_number(value: float, digits: int = 1) -> str:
    """A number the Dutch way, for explanations: 1234.5 -> "1.234,5"."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def linear_trend(points: Iterable[tuple[float, Estimate]]) -> Estimate:
    """The weighted least-squares slope of estimates against time, with its variance.

    Weights are 1 / variance (every point must have a positive variance); the slope's variance
    is 1 / sum(w * (t - t_w)^2), exact for independent errors. Needs two distinct times.
    """
    pts = list(points)
    if any(e.variance <= 0 for _, e in pts):
        raise ValueError("every point needs a positive variance")
    weights = [1 / e.variance for _, e in pts]
    w_total = sum(weights)
    if len({t for t, _ in pts}) < 2:
        raise ValueError("a trend needs at least two distinct times")
    t_mean = sum(w * t for w, (t, _) in zip(weights, pts, strict=True)) / w_total
    y_mean = sum(w * e.value for w, (_, e) in zip(weights, pts, strict=True)) / w_total
    sxx = sum(w * (t - t_mean) ** 2 for w, (t, _) in zip(weights, pts, strict=True))
    sxy = sum(w * (t - t_mean) * (e.value - y_mean)
              for w, (t, e) in zip(weights, pts, strict=True))
    return Estimate(sxy / sxx, 1 / sxx)
