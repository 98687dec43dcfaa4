"""The one display rule (``analytics.reading``): invariants for any estimate, and its wording."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.intervals import Estimate, share
from analytics.reading import TOO_UNCERTAIN, Kind, display, display_with_margin, fmt

values = st.floats(-1e5, 1e5, allow_nan=False)
variances = st.floats(0, 1e7, allow_nan=False)
estimates = st.builds(Estimate, values, variances)
fractions = st.builds(Estimate, st.floats(-0.5, 1.5, allow_nan=False), st.floats(0, 4))


@given(estimates, st.sampled_from([Kind.COUNT, Kind.RATE]))
def test_a_count_or_rate_is_never_shown_below_zero(estimate, kind):
    shown = display(estimate, kind)
    assert 0 <= shown.lower <= shown.value <= shown.upper
    # bounds in tables round outward (a float's last bits aside): at least 95% coverage
    assert 0 <= shown.low <= shown.lower + 1e-6 and shown.high >= shown.upper - 1e-6
    assert "-" not in shown.text and "-" not in shown.number


@given(estimates, st.sampled_from([Kind.COUNT, Kind.RATE, Kind.PERCENT]))
def test_the_shown_interval_keeps_the_coverage_and_never_claims_certainty(estimate, kind):
    shown = display(estimate, kind)
    high = 100.0 if kind is Kind.PERCENT else float("inf")
    # it holds the 95% interval clamped to what a count or share can be ...
    assert shown.lower <= max(estimate.lower, 0.0) + 1e-9
    assert shown.upper >= min(max(estimate.upper, 0.0), high) - 1e-9
    # ... and a margin beyond the shown value: "tussen 0 en 0" only when there is no noise
    assert shown.upper >= min(shown.value + estimate.half_width, high) - 1e-9
    if estimate.half_width > 0 and shown.value == 0:
        assert shown.upper > 0


@given(fractions)
def test_a_share_stays_within_0_and_100(estimate):
    shown = display(estimate.scaled(100), Kind.PERCENT)
    assert 0 <= shown.lower <= shown.value <= shown.upper <= 100
    assert shown.low >= 0 and shown.high <= 100
    assert "-" not in shown.text


@given(estimates, st.sampled_from([Kind.COUNT, Kind.RATE, Kind.PERCENT]))
def test_too_uncertain_exactly_when_the_half_width_exceeds_the_clamped_value(estimate, kind):
    shown = display(estimate, kind)
    clamped = min(max(estimate.value, 0.0), 100.0) if kind is Kind.PERCENT else max(
        estimate.value, 0.0)
    assert shown.value == clamped
    assert shown.too_uncertain == (estimate.half_width > clamped)
    if shown.too_uncertain:
        assert shown.text == f"{TOO_UNCERTAIN}: {shown.interval_text}" + (
            "%" if kind is Kind.PERCENT else "")
        assert shown.number == shown.cell == TOO_UNCERTAIN and shown.chart_value is None
    else:
        assert shown.text.startswith(shown.number) and "(tussen " in shown.text
        assert shown.cell == shown.chart_value == clamped


@given(estimates)
def test_a_change_may_be_negative_and_is_too_uncertain_when_it_holds_zero(estimate):
    shown = display(estimate, Kind.CHANGE)
    assert shown.value == estimate.value
    assert shown.too_uncertain == (estimate.half_width > abs(estimate.value))


@pytest.mark.parametrize(("estimate", "kind", "text"), [
    (Estimate(3.0, 25.0), Kind.COUNT, "te onzeker: tussen 0 en 13"),
    (Estimate(-4.6, 25.0), Kind.COUNT, "te onzeker: tussen 0 en 10"),  # never "0 en 0"
    (Estimate(-30.0, 25.0), Kind.COUNT, "te onzeker: tussen 0 en 10"),
    (Estimate(40.0, 25.0), Kind.COUNT, "40 (tussen 30 en 50)"),
    (Estimate(1.234, 0.01), Kind.RATE, "1,23 (tussen 1,03 en 1,43)"),
    (Estimate(0.1, 0.01), Kind.RATE, "te onzeker: tussen 0,00 en 0,30"),
    (Estimate(12.0, 4.0), Kind.CHANGE, "+12 (tussen 8 en 16)"),
    (Estimate(-12.0, 4.0), Kind.CHANGE, "-12 (tussen -16 en -8)"),
])
def test_the_wording(estimate, kind, text):
    assert display(estimate, kind).text == text


def test_a_share_reads_as_a_percentage_with_one_decimal():
    shown = display(share(Estimate(30.0, 4.0), Estimate(70.0, 4.0)).scaled(100), Kind.PERCENT)
    assert not shown.too_uncertain
    assert shown.text.startswith("30% (tussen ") and shown.text.endswith("%)")
    assert fmt(0.29 * 100, Kind.PERCENT, "down") == "29"  # no floating-point step down
    assert fmt(-0.4) == "0" and fmt(0.4, Kind.CHANGE) == "0"  # never "-0" or "+0"


@given(values, st.floats(0, 1e3, allow_nan=False))
def test_a_stated_margin_follows_the_same_rule(value, half):
    # e.g. a council request's exact Laplace margin, where no variance is stored
    shown = display_with_margin(value, half)
    assert shown.value == max(value, 0.0) and shown.lower >= 0
    assert shown.too_uncertain == (half > max(value, 0.0))
    assert display_with_margin(-3, 12.3).text == "te onzeker: tussen 0 en 13"
