"""Estimates, sums, differences, rates and shares: hand-checked numbers and invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.intervals import (
    Estimate,
    cells,
    difference,
    linear_trend,
    nl_number,
    rate_factor,
    rate_per_100_fte,
    ratio,
    share,
    total,
    z_value,
)

values = st.floats(-1e6, 1e6, allow_nan=False)
variances = st.floats(0, 1e8, allow_nan=False)
estimates = st.builds(Estimate, values, variances)
headcounts = st.integers(1, 100_000)


def test_a_95_percent_interval_is_the_estimate_plus_minus_1_96_sd() -> None:
    e = Estimate(10, 4)
    assert e.sd == 2
    assert e.half_width == pytest.approx(3.919928, abs=1e-6)
    assert e.interval == pytest.approx((6.080072, 13.919928), abs=1e-6)
    assert e.one_sided_lower() == pytest.approx(10 - 1.644854 * 2, abs=1e-6)
    assert e.one_sided_upper() == pytest.approx(10 + 1.644854 * 2, abs=1e-6)


def test_z_values_are_the_normal_quantiles() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.998) == pytest.approx(3.090232, abs=1e-6)
    assert z_value(0.95, one_sided=True) == pytest.approx(1.644854, abs=1e-6)
    with pytest.raises(ValueError):
        z_value(1.0)


def test_a_sum_of_independent_cells_adds_the_variances() -> None:
    assert total([Estimate(3, 4), Estimate(-1, 5), Estimate(2, 0)]) == Estimate(4, 9)
    assert cells([3, -1, 2], noise_variance=4) == Estimate(4, 12)
    assert total([]) == Estimate(0, 0)


def test_a_difference_adds_variances_and_excludes_zero_only_when_clear() -> None:
    d = difference(Estimate(30, 25), Estimate(10, 75))
    assert (d.value, d.variance) == (20, 100)
    assert d.excludes_zero  # 20 +- 19.6
    assert not difference(Estimate(29, 25), Estimate(10, 75)).excludes_zero  # 19 +- 19.6


def test_a_rate_is_per_100_fte_per_year() -> None:
    # 6 contacts in 3 months in a unit of 200 FTE: 6 * 100 * 12 / (200 * 3) = 12 per 100 FTE.
    rate = rate_per_100_fte(Estimate(6, 9), 200, 3)
    assert rate.value == pytest.approx(12)
    assert rate.sd == pytest.approx(6)  # sd 3 times the factor 2
    with_chance = rate_per_100_fte(Estimate(6, 9), 200, 3, sampling=True)
    assert with_chance.variance == pytest.approx((9 + 6) * 4)
    assert rate_factor(200, 3) == 2
    with pytest.raises(ValueError):
        rate_factor(0, 3)


def test_a_negative_count_adds_no_poisson_variance() -> None:
    assert Estimate(-3, 4).with_sampling() == Estimate(-3, 4)


def test_ratio_and_share_follow_the_delta_method() -> None:
    # a/b = 20/80; var = (var_a + r^2 var_b) / b^2 = (16 + 0.0625 * 64) / 6400
    r = ratio(Estimate(20, 16), Estimate(80, 64))
    assert r.value == 0.25
    assert r.variance == pytest.approx((16 + 0.0625 * 64) / 6400)
    # share of part 20 (var 16) next to rest 60 (var 48): (60^2*16 + 20^2*48) / 80^4
    s = share(Estimate(20, 16), Estimate(60, 48))
    assert s.value == 0.25
    assert s.variance == pytest.approx((3600 * 16 + 400 * 48) / 80**4)
    with pytest.raises(ValueError):
        ratio(Estimate(1, 1), Estimate(0, 1))


def test_the_slope_of_three_equally_precise_points_is_ordinary_least_squares() -> None:
    slope = linear_trend([(0, Estimate(1, 1)), (1, Estimate(2, 1)), (2, Estimate(4, 1))])
    assert slope.value == pytest.approx(1.5)
    assert slope.variance == pytest.approx(0.5)  # 1 / sum((t - 1)^2)


def test_an_estimate_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        Estimate(math.nan, 1)
    with pytest.raises(ValueError):
        Estimate(1, -1)
    with pytest.raises(ValueError):
        Estimate(1, 1, confidence=1.5)


def test_dutch_numbers_use_a_decimal_comma() -> None:
    assert nl_number(1234.56, 1) == "1.234,6"
    assert nl_number(0.5, 2) == "0,50"


@given(estimates)
def test_an_interval_always_contains_its_estimate(e: Estimate) -> None:
    assert e.lower <= e.value <= e.upper
    assert e.one_sided_lower() <= e.value <= e.one_sided_upper()
    shown = e.clamped(0, 1)
    assert shown.lower <= shown.value <= shown.upper


@given(estimates, estimates)
def test_a_difference_interval_is_symmetric_around_the_difference(a: Estimate,
                                                                  b: Estimate) -> None:
    d = difference(a, b)
    assert d.value == a.value - b.value
    assert d.upper - d.value == pytest.approx(d.value - d.lower, rel=1e-9, abs=1e-6)
    assert d.variance == pytest.approx(a.variance + b.variance)


@given(estimates, headcounts, st.integers(1, 36))
def test_doubling_the_headcount_halves_the_rate_and_its_interval(e: Estimate, h: int,
                                                                 months: int) -> None:
    one = rate_per_100_fte(e, h, months)
    two = rate_per_100_fte(e, 2 * h, months)
    assert two.value == pytest.approx(one.value / 2, rel=1e-12, abs=1e-12)
    assert two.half_width == pytest.approx(one.half_width / 2, rel=1e-12, abs=1e-12)


@given(st.lists(estimates, max_size=20))
def test_a_sum_is_unbiased_and_its_variance_adds(items: list[Estimate]) -> None:
    s = total(items)
    assert s.value == pytest.approx(sum(e.value for e in items), abs=1e-6)
    assert s.variance == pytest.approx(sum(e.variance for e in items))


@given(st.floats(0, 1e4), st.floats(0.01, 1e4), st.floats(1, 1e4), st.floats(0.01, 1e4))
def test_a_share_interval_contains_the_share(part: float, var_part: float, rest: float,
                                             var_rest: float) -> None:
    s = share(Estimate(part, var_part), Estimate(rest, var_rest))
    assert s.lower <= s.value <= s.upper
    assert 0 <= s.value <= 1
