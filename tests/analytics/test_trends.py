"""Trends: series per period, rates per 100 FTE, and changes with their intervals."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.published import PublishedMonth
from analytics.trends import trend, trends_by_category, trends_by_unit
from registry.periods import Month


@pytest.fixture(scope="module")
def with_totals(make_month):
    def build(totals: list[int], sd: float = 2.0) -> list[PublishedMonth]:
        return [make_month(Month(2025, 1).add(i), total=t, sd=sd) for i, t in enumerate(totals)]
    return build


def test_the_organisation_series_reads_contacts_total_as_a_yearly_rate(org, with_totals) -> None:
    series = trend(with_totals([10, 20, 12]), org)
    assert [p.period for p in series.points] == ["2025-01", "2025-02", "2025-03"]
    jan = series.points[0]
    assert (jan.count.value, jan.count.variance) == (10, 4)
    # 10 contacts in one month for 1000 FTE: 10 * 1200 / 1000 = 12 per 100 FTE per year.
    assert jan.rate is not None and jan.rate.value == pytest.approx(12)
    assert jan.rate.sd == pytest.approx(2.4)
    assert series.measure == "contacts" and series.scope == "organisation"


def test_a_change_is_real_only_when_its_interval_excludes_zero(org, with_totals) -> None:
    series = trend(with_totals([10, 20, 12, 15]), org)
    changes = {c.period: c for c in series.changes if c.kind == "vorige_periode"}
    # Each difference has variance 4 + 4 = 8, half-width 1.96 * 2.83 = 5.54.
    assert changes["2025-02"].difference.value == 10 and changes["2025-02"].is_real
    assert changes["2025-03"].difference.value == -8 and changes["2025-03"].is_real
    assert changes["2025-04"].difference.value == 3 and not changes["2025-04"].is_real
    assert changes["2025-02"].difference.half_width == pytest.approx(5.5437, abs=1e-4)
    assert changes["2025-02"].rate_difference is not None
    assert changes["2025-02"].rate_difference.value == pytest.approx(12)


def test_quarters_sum_months_and_compare_with_the_quarter_before_and_a_year_earlier(org, with_totals) -> None:
    totals = [10] * 3 + [20] * 3 + [10] * 6 + [30] * 3  # 2025-01 .. 2026-03
    series = trend(with_totals(totals), org, grain="quarter")
    assert [p.period for p in series.points] == [
        "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    q1 = series.point("2025-Q1")
    assert (q1.count.value, q1.count.variance, q1.complete) == (30, 12, True)
    assert q1.rate is not None and q1.rate.value == pytest.approx(12)  # 30 * 1200 / 3000
    year_ago = [c for c in series.changes if c.kind == "jaar_eerder"]
    assert [(c.period, c.reference_period, c.difference.value) for c in year_ago] == [
        ("2026-Q1", "2025-Q1", 60)]
    assert year_ago[0].difference.variance == 24


def test_an_incomplete_period_gets_no_change(org, with_totals) -> None:
    series = trend(with_totals([10, 10, 10, 10]), org, grain="quarter")
    q2 = series.point("2025-Q2")
    assert not q2.complete and q2.months == ("2025-04",)
    assert q2.rate is not None and q2.rate.value == pytest.approx(12)  # annualised all the same
    assert series.changes == ()


def test_a_year_is_only_compared_with_the_year_before(org, with_totals) -> None:
    series = trend(with_totals([1] * 24), org, grain="year")
    assert [(c.period, c.kind) for c in series.changes] == [("2026", "vorige_periode")]


def test_an_organisation_category_sums_all_released_units(org, make_month) -> None:
    month = make_month(Month(2025, 1), unit_category={("A", "pesten"): 2, ("A1", "pesten"): 3,
                                                        ("C", "pesten"): -1, ("C", "werkdruk"): 9})
    series = trend([month], org, category="pesten")
    point = series.points[0]
    assert (point.count.value, point.count.variance) == (4, 7 * 4)
    assert point.headcount == 1000


def test_a_unit_rate_uses_its_own_staff_or_its_whole_subtree(org, make_month) -> None:
    cells = {("A", "pesten"): 1, ("A1", "pesten"): 2, ("A2", "pesten"): 3}
    months = [make_month(Month(2025, 1), unit_category=cells)]
    own = trend(months, org, unit="A", category="pesten").points[0]
    assert (own.count.value, own.headcount) == (1, 50)
    assert own.rate is not None and own.rate.value == pytest.approx(1 * 1200 / 50)
    whole = trend(months, org, unit="A", category="pesten", scope="subtree").points[0]
    assert (whole.count.value, whole.count.variance, whole.headcount) == (6, 12, 400)
    assert whole.rate is not None and whole.rate.value == pytest.approx(6 * 1200 / 400)


def test_a_unit_over_all_categories_counts_category_mentions(org, make_month) -> None:
    months = [make_month(Month(2025, 1), unit_category={("C", "pesten"): 4,
                                                         ("C", "werkdruk"): 5})]
    series = trend(months, org, unit="C")
    assert series.measure == "category_mentions"
    assert (series.points[0].count.value, series.points[0].count.variance) == (9, 8)


def test_a_merged_small_unit_has_no_series_of_its_own(org, make_month) -> None:
    with pytest.raises(ValueError, match="not released"):
        trend([make_month(Month(2025, 1))], org, unit="A3", category="pesten")


def test_an_unknown_category_is_named(org, make_month):
    with pytest.raises(ValueError, match="racisme"):
        trend([make_month(Month(2025, 1))], org, category="racisme")


def test_sampling_adds_poisson_variance_to_the_points(org, with_totals) -> None:
    series = trend(with_totals([10]), org, sampling=True)
    assert series.points[0].count.variance == 4 + 10


def test_series_per_category_and_per_unit_cover_the_publication(org, make_month) -> None:
    months = [make_month(Month(2025, 1))]
    assert [t.category for t in trends_by_category(months, org)] == ["pesten", "werkdruk"]
    assert [t.unit for t in trends_by_unit(months, org, category="pesten")] == [
        "ORG", "A", "A1", "A2", "B", "B1", "C"]


def test_a_trend_serialises_to_json(org, with_totals) -> None:
    series = trend(with_totals([10, 20]), org)
    data = json.loads(json.dumps(series.as_dict()))
    assert data["points"][1]["count"]["estimate"] == 20
    assert data["changes"][0]["is_real"] is True


@given(st.lists(st.integers(-50, 500), min_size=1, max_size=15), st.floats(0.5, 50))
def test_every_point_and_change_interval_contains_its_estimate(org, with_totals, totals: list[int],
                                                               sd: float) -> None:
    series = trend(with_totals(totals, sd=sd), org, grain="quarter")
    for point in series.points:
        assert point.count.lower <= point.count.value <= point.count.upper
        assert point.rate is not None and point.rate.lower <= point.rate.value <= point.rate.upper
    for change in series.changes:
        d = change.difference
        assert d.upper - d.value == pytest.approx(d.value - d.lower)
