"""One currency, zCDP rho: exact Laplace charges, OpenDP's conversion to (epsilon, delta), the cap."""

import math
from fractions import Fraction
from itertools import pairwise

import opendp.prelude as dp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.accounting import (
    DEFAULT_CAP_DELTA,
    DEFAULT_CAP_EPSILON,
    Cap,
    epsilon_at,
    laplace_rho,
    rho_for_epsilon,
)

CAP_RHO = Fraction("0.311064")
STEP = Fraction(1, 10**6)


def opendp_epsilon(rho: Fraction, delta: Fraction = DEFAULT_CAP_DELTA) -> float:
    """OpenDP's own (epsilon, delta) for a zCDP loss of ``rho``, computed here independently."""
    dp.enable_features("contrib")
    gaussian = dp.m.make_gaussian(dp.atom_domain(T="i64"), dp.absolute_distance(T="f64"),
                                  scale=1 / math.sqrt(2 * float(rho)))
    assert gaussian.map(1.0) == pytest.approx(float(rho), rel=1e-12)
    curve = dp.c.make_zCDP_to_approxDP(gaussian).map(1.0)
    return float(curve.epsilon(float(delta)))


# -- Laplace (pure epsilon) charges ------------------------------------------------------------


@pytest.mark.parametrize(("epsilon", "rho"), [
    (Fraction(1), Fraction(1, 2)),
    (Fraction(1, 10), Fraction(1, 200)),
    (Fraction("0.01"), Fraction(1, 20000)),
    (Fraction(1, 3), Fraction(1, 18)),
    (Fraction(2), Fraction(2)),
])
def test_laplace_rho_is_half_epsilon_squared_exactly(epsilon, rho):
    charged = laplace_rho(epsilon)
    assert type(charged) is Fraction
    assert charged == rho


@given(st.fractions(min_value=Fraction(1, 10**6), max_value=10, max_denominator=10**6))
def test_laplace_rho_is_exact_for_any_fraction(epsilon):
    charged = laplace_rho(epsilon)
    assert charged * 2 == epsilon * epsilon
    assert charged.denominator <= 2 * epsilon.denominator ** 2


def test_ten_laplace_charges_of_a_tenth_add_up_to_exactly_five_hundredths():
    assert sum((laplace_rho(Fraction(1, 10)) for _ in range(10)), Fraction(0)) == Fraction(1, 20)


@pytest.mark.parametrize("bad", [Fraction(0), Fraction(-1, 10)])
def test_laplace_rho_needs_a_positive_epsilon(bad):
    with pytest.raises(ValueError):
        laplace_rho(bad)


# -- rho -> (epsilon, delta) -------------------------------------------------------------------


def test_no_loss_is_epsilon_zero():
    assert epsilon_at(Fraction(0)) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.fractions(min_value=0, max_value=2, max_denominator=10**4),
                min_size=2, max_size=6, unique=True))
def test_epsilon_grows_with_rho(rhos):
    epsilons = [epsilon_at(rho) for rho in sorted(rhos)]
    assert all(b > a for a, b in pairwise(epsilons))


@pytest.mark.parametrize("rho", [Fraction("0.00005"), Fraction("0.05"), CAP_RHO, Fraction(1)])
def test_epsilon_shrinks_as_delta_grows(rho):
    assert epsilon_at(rho, Fraction(1, 10**9)) > epsilon_at(rho, Fraction(1, 10**6))


@pytest.mark.parametrize("rho", [Fraction("0.001"), Fraction("0.05"), CAP_RHO, Fraction(1)])
def test_opendp_conversion_is_tighter_than_the_classic_bound(rho):
    classic = float(rho) + 2 * math.sqrt(float(rho) * math.log(1 / float(DEFAULT_CAP_DELTA)))
    assert epsilon_at(rho) <= classic
    assert epsilon_at(rho) == pytest.approx(opendp_epsilon(rho), rel=1e-12)


def test_epsilon_at_refuses_nonsense():
    with pytest.raises(ValueError):
        epsilon_at(Fraction(-1, 10))
    for delta in (Fraction(0), Fraction(1), Fraction(2)):
        with pytest.raises(ValueError):
            epsilon_at(Fraction(1, 10), delta)


# -- the cap -----------------------------------------------------------------------------------


def test_default_cap_is_epsilon_4_at_delta_1e6_and_rho_0_311064():
    cap = Cap.of(4, Fraction(1, 10**6))
    assert (cap.epsilon, cap.delta) == (DEFAULT_CAP_EPSILON, DEFAULT_CAP_DELTA)
    assert cap.rho == CAP_RHO
    assert Cap.of() == cap


def test_the_cap_rho_is_the_largest_six_decimal_rho_within_epsilon_4_by_opendp():
    assert opendp_epsilon(CAP_RHO) <= 4
    assert opendp_epsilon(CAP_RHO + STEP) > 4
    assert epsilon_at(CAP_RHO) <= 4 < epsilon_at(CAP_RHO + STEP)


@pytest.mark.parametrize("epsilon", [Fraction(1), Fraction(2), Fraction(8)])
def test_rho_for_epsilon_is_the_largest_six_decimal_rho_within_the_epsilon(epsilon):
    rho = rho_for_epsilon(epsilon)
    assert (rho / STEP).denominator == 1
    assert epsilon_at(rho) <= epsilon < epsilon_at(rho + STEP)


def test_a_larger_epsilon_gives_a_larger_cap():
    assert Cap.of(3).rho < Cap.of(4).rho < Cap.of(5).rho


@pytest.mark.parametrize(("epsilon", "delta", "rho"), [
    (Fraction(0), DEFAULT_CAP_DELTA, CAP_RHO),
    (Fraction(4), DEFAULT_CAP_DELTA, Fraction(0)),
    (Fraction(4), Fraction(0), CAP_RHO),
    (Fraction(4), Fraction(1, 10**5), CAP_RHO),  # delta above 1e-6 is against policy
])
def test_a_cap_is_positive_with_a_small_delta(epsilon, delta, rho):
    with pytest.raises(ValueError):
        Cap(epsilon, delta, rho)


def test_rho_for_epsilon_needs_a_positive_epsilon():
    with pytest.raises(ValueError):
        rho_for_epsilon(Fraction(0))
