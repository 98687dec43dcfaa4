"""Internal benchmarks: units against peers or the organisation, with noise-aware limits."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.benchmarks import UnitComparison, compare_units, funnel
from analytics.intervals import Estimate, z_value
from analytics.published import noise_fourth_cumulant
from registry.periods import Month

JAN = Month(2025, 1)
PESTEN = {("ORG", "pesten"): 1, ("A", "pesten"): 5, ("A1", "pesten"): 3, ("A2", "pesten"): 4,
          ("B", "pesten"): 10, ("B1", "pesten"): 2, ("C", "pesten"): 20}


@pytest.fixture
def one_month(make_month):
    return [make_month(JAN, unit_category=PESTEN, sd=2.0)]


def test_a_unit_is_compared_with_its_peers_at_the_same_depth_without_itself(org, one_month):
    c = compare_units(one_month, org, category="pesten")["C"]
    # Peers of C (depth 1): A (own 50 FTE) and B (own 200): 15 contacts over 250 FTE-months.
    assert c.headcount == 250 and c.reference_units == 2
    assert c.reference_count == Estimate(15, 8)
    assert c.reference_fte_months == 250
    assert c.expected == pytest.approx(15)
    # Poisson 15 + own noise 4 + reference (noise 8 + Poisson 15) * (250/250)^2
    assert c.null_variance == pytest.approx(42)
    assert c.z == pytest.approx(5 / math.sqrt(42))
    assert c.rate is not None and c.rate.value == pytest.approx(96)  # 20 * 1200 / 250
    assert c.reference_rate is not None and c.reference_rate.value == pytest.approx(72)
    # Heavy tails: a discrete Laplace cell of variance 4 has fourth cumulant 4^2 * 3.25 = 52;
    # own cell 52 + Poisson 15 + reference (2 * 52 + 15) = 186 over 42^2.
    assert c.excess_kurtosis == pytest.approx(186 / 42**2)
    z = 1.959964 + (1.959964**3 - 3 * 1.959964) * (186 / 42**2) / 24
    low, high = c.rate_limits(0.95)
    assert (low, high) == pytest.approx((4.8 * (15 - z * math.sqrt(42)),
                                         4.8 * (15 + z * math.sqrt(42))), rel=1e-6)
    assert c.position() == "binnen"


def test_with_gaussian_noise_the_limits_are_the_plain_normal_ones(org, make_month):
    months = [make_month(JAN, unit_category=PESTEN, sd=2.0, mechanism="gaussian")]
    c = compare_units(months, org, category="pesten")["C"]
    assert c.excess_kurtosis == pytest.approx(30 / 42**2)  # Poisson only: 15 + 15
    z = 1.959964 + (1.959964**3 - 3 * 1.959964) * (30 / 42**2) / 24
    assert c.count_limits(0.95)[1] == pytest.approx(15 + z * math.sqrt(42), rel=1e-6)


@pytest.mark.parametrize(("scale", "months"), [(9 / 0.35, 6), (9 / 0.35, 12), (9 / 0.1, 6)])
def test_the_corrected_998_limit_is_passed_about_one_time_in_a_thousand(scale, months):
    """Exact distribution of a sum of discrete Laplace months (by convolution, no sampling)."""
    t = math.exp(-1 / scale)
    k = np.arange(-int(40 * scale), int(40 * scale) + 1)
    pmf = t ** np.abs(k)
    pmf /= pmf.sum()
    total = pmf
    for _ in range(months - 1):
        total = np.convolve(total, pmf)
    support = np.arange(len(total)) - len(total) // 2
    variance = float((support**2 * total).sum())
    c = UnitComparison("U", "U", 1, None, months, 100, Estimate(0, variance),
                       Estimate(0, variance * 1e6), 1e12, 10,
                       noise_fourth_cumulant=months * noise_fourth_cumulant("laplace",
                                                                             variance / months))
    plain = float(total[support > 3.090232 * math.sqrt(variance)].sum())
    corrected = float(total[support > c.count_limits(0.998)[1]].sum())
    assert plain > 0.0015  # the normal limit is passed more than half again as often
    assert 0.0005 < corrected <= 0.0011


def test_against_the_organisation_the_reference_is_everyone_else(org, one_month):
    c = compare_units(one_month, org, category="pesten", reference="organisation")["C"]
    assert c.reference_count == Estimate(25, 24)  # six other cells
    assert c.reference_fte_months == 750
    assert c.expected == pytest.approx(25 / 3)
    assert c.null_variance == pytest.approx(25 / 3 + 4 + (49 / 9))


def test_the_organisation_itself_has_no_peers(org, one_month):
    root = compare_units(one_month, org, category="pesten")["ORG"]
    assert not root.comparable and root.position() == "geen_vergelijking"
    assert root.detectable_rate() is None and root.z is None


def test_a_hotspot_does_not_raise_its_own_bar(org, make_month):
    cells = {**PESTEN, ("C", "pesten"): 400}
    c = compare_units([make_month(JAN, unit_category=cells, sd=2.0)], org, category="pesten")["C"]
    assert c.expected == pytest.approx(15)
    assert c.position() == "boven_998" and c.above(0.998)


def test_all_categories_together_count_mentions_with_the_noise_of_every_cell(org, make_month):
    cells = {**PESTEN, ("C", "werkdruk"): 7}
    c = compare_units([make_month(JAN, unit_category=cells, sd=2.0)], org)["C"]
    assert c.count == Estimate(27, 8)


def test_the_detectable_count_lands_on_the_upper_limit_with_90_percent_power(org, one_month):
    c = compare_units(one_month, org, category="pesten")["C"]
    e1 = c.detectable_count(0.998, 0.9)
    v = c.null_variance - c.expected
    upper = c.count_limits(0.998)[1]
    assert e1 - z_value(0.9, one_sided=True) * math.sqrt(e1 + v) == pytest.approx(upper)
    assert c.detectable_rate() == pytest.approx(e1 * 4.8)
    assert c.detectable_ratio() == pytest.approx(e1 * 4.8 / 72)


def test_the_funnel_has_one_curve_per_depth_and_serialises(org, one_month):
    f = funnel(one_month, org, category="pesten", window=1)
    assert [c.group for c in f.curves] == ["diepte 1", "diepte 2"]
    depth1 = f.curves[0]
    sizes = [h for h, _ in depth1.points]
    assert sizes[0] == 50 and sizes[-1] == 250
    # At 250 FTE against the whole group (35 over 500 FTE-months): E = 17.5,
    # var = 17.5 + 4 + 0.25 * (12 + 35).
    # Fourth cumulants: own 52 + Poisson 17.5 + 0.5^4 * (3 * 52 + 35).
    low, high = dict(depth1.points)[250]["0.95"]
    variance = 17.5 + 4 + 0.25 * 47
    z = 1.959964 + (1.959964**3 - 3 * 1.959964) * (52 + 17.5 + 191 / 16) / variance**2 / 24
    assert (low, high) == pytest.approx((4.8 * (17.5 - z * math.sqrt(variance)),
                                         4.8 * (17.5 + z * math.sqrt(variance))), rel=1e-6)
    data = json.loads(json.dumps(f.as_dict()))
    assert data["measure"] == "contacts" and len(data["points"]) == 7


def test_the_funnel_window_takes_the_last_months(org, make_month):
    months = [make_month(Month(2025, m), unit_category=PESTEN, sd=2.0) for m in range(1, 8)]
    f = funnel(months, org, category="pesten", window=6)
    assert f.window[0] == "2025-02" and len(f.window) == 6
    c = {p.unit: p for p in f.points}["C"]
    assert c.count == Estimate(120, 24)


@given(st.integers(1, 5000), st.integers(1, 5000), st.floats(0, 500), st.floats(0.1, 100),
       st.integers(1, 12))
def test_limits_contain_the_expected_count_and_narrow_as_units_grow(
        h: int, extra: int, reference: float, noise_sd: float, months: int) -> None:
    def at(size: int) -> UnitComparison:
        return UnitComparison("U", "U", 1, None, months, size, Estimate(0, noise_sd**2 * months),
                              Estimate(reference, noise_sd**2 * months * 10), 10_000.0 * months, 10)

    small, large = at(h), at(h + extra)
    for level in (0.95, 0.998):
        low, high = small.rate_limits(level)
        rate = reference * 1200 / (10_000 * months)
        assert low <= rate <= high
        width_small = high - low
        width_large = large.rate_limits(level)[1] - large.rate_limits(level)[0]
        assert width_large <= width_small * (1 + 1e-9)
