"""Monitoring: follow-up shares per quarter with delta-method intervals, changes and trend."""

from __future__ import annotations

import json

import pytest

from analytics.monitoring import follow_up_monitor
from registry.periods import Month


def quarters(make_month, advies_per_month: list[int], sd: float = 1.0, other: int = 5):
    months = []
    for q, advies in enumerate(advies_per_month):
        for i in range(3):
            cells = {("advies",): advies, ("doorverwijzing",): other, ("bemiddeling",): other}
            months.append(make_month(Month(2025, 1).add(3 * q + i), follow_up=cells, sd=sd))
    return months


def test_a_share_is_the_code_over_the_whole_table_with_delta_method_variance(make_month):
    monitor = follow_up_monitor(quarters(make_month, [10]))
    q1 = monitor.periods[0]
    assert (q1.period, q1.complete) == ("2025-Q1", True)
    assert (q1.total.value, q1.total.variance) == (60, 9)
    advies = q1.get("advies")
    assert (advies.count.value, advies.count.variance) == (30, 3)
    assert advies.share is not None and advies.share.value == 0.5
    # (rest^2 var(part) + part^2 var(rest)) / whole^4 = (900 * 3 + 900 * 6) / 60^4
    assert advies.share.variance == pytest.approx(8100 / 60**4)
    assert advies.reliable


def test_a_change_in_share_between_quarters_is_real_when_its_interval_excludes_zero(make_month):
    monitor = follow_up_monitor(quarters(make_month, [10, 20]))
    change = next(c for c in monitor.changes if c.follow_up == "advies")
    assert (change.period, change.reference_period, change.kind) == (
        "2025-Q2", "2025-Q1", "vorige_periode")
    assert change.difference.value == pytest.approx(60 / 90 - 0.5)
    q2_var = (900 * 3 + 3600 * 6) / 90**4
    assert change.difference.variance == pytest.approx(8100 / 60**4 + q2_var)
    assert change.is_real


def test_the_trend_is_a_weighted_slope_over_complete_quarters(make_month):
    monitor = follow_up_monitor(quarters(make_month, [10, 20, 30]))
    trend = next(t for t in monitor.trends if t.follow_up == "advies")
    assert trend.periods == ("2025-Q1", "2025-Q2", "2025-Q3")
    assert 0.1 < trend.slope.value < 0.15  # shares 0.50, 0.67, 0.75
    assert trend.is_real
    flat = next(t for t in follow_up_monitor(quarters(make_month, [10, 10, 10])).trends
                if t.follow_up == "advies")
    assert flat.slope.value == pytest.approx(0, abs=1e-12) and not flat.is_real


def test_a_share_of_a_noisy_whole_is_marked_unreliable(make_month):
    monitor = follow_up_monitor(quarters(make_month, [10], sd=20.0))
    advies = monitor.periods[0].get("advies")
    assert advies.share is not None and not advies.reliable
    assert monitor.trends == ()


def test_a_whole_at_or_below_zero_has_no_shares(make_month):
    months = quarters(make_month, [-10], other=0)
    advies = follow_up_monitor(months).periods[0].get("advies")
    assert advies.share is None and not advies.reliable


def test_sampling_adds_binomial_variation(make_month):
    plain = follow_up_monitor(quarters(make_month, [10])).periods[0].get("advies").share
    chance = follow_up_monitor(quarters(make_month, [10]),
                               sampling=True).periods[0].get("advies").share
    assert plain is not None and chance is not None
    assert chance.variance - plain.variance == pytest.approx(0.25 / 60)


def test_monitoring_by_month_and_year_and_as_json(make_month):
    months = quarters(make_month, [10, 20])
    assert len(follow_up_monitor(months, grain="month").periods) == 6
    yearly = follow_up_monitor(months, grain="year")
    assert [p.complete for p in yearly.periods] == [False]
    data = json.loads(json.dumps(follow_up_monitor(months).as_dict()))
    share = data["periods"][0]["shares"][0]
    assert share["follow_up"] == "advies" and share["share_display"]["estimate"] == 0.5
