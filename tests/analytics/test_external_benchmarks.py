"""External benchmarks: stored reference figures with their source, compared with care."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from analytics.external import (
    ExternalBenchmark,
    ReferenceKind,
    compare_external,
    compare_rate,
    external_benchmarks,
)
from registry.periods import Month


def year_of(make_month, per_month: int, sd: float = 2.0, months: int = 12):
    return [make_month(Month(2025, m), total=per_month, sd=sd) for m in range(1, months + 1)]


def test_the_dutch_public_sector_figures_are_the_default() -> None:
    figures = {b.key: b for b in external_benchmarks()}
    assert set(figures) == {
        "jbr-2015-vermoedelijk", "jbr-2015-geconstateerd", "nea-2021-intimidatie-intern",
        "nea-2021-intimidatie-extern", "nea-2021-seksuele-aandacht-intern",
        "nea-2023-ongewenst-gedrag", "miv-2022-agressie-medewerkers"}
    assert figures["jbr-2015-vermoedelijk"].per_100 == pytest.approx((884 / 1100, 884 / 1100))
    nea = figures["nea-2021-intimidatie-intern"]
    assert (nea.kind, nea.low, nea.comparable) == (ReferenceKind.SURVEY_PREVALENCE, 0.09, False)
    assert nea.years == (2021,) and nea.source_key == "nea-2021"
    for b in figures.values():
        assert b.default and b.source and b.publisher and b.note_nl and b.definition_nl
        assert b.population and b.subject


def test_the_foreign_figures_stay_available_on_request() -> None:
    everything = {b.key: b for b in external_benchmarks(include_foreign=True)}
    assert everything["navex-2016-2019"].low == 1.4
    assert everything["navex-2023-2024"].years == (2023, 2024)
    assert everything["navex-2023-2024-europe"].low == 0.67
    assert everything["speakup-europe"].per_100 == pytest.approx((0.1, 0.5))  # 1-5 per 1,000
    assert not everything["navex-2023-2024"].default
    assert len(everything) == len(external_benchmarks()) + 5


def test_a_survey_prevalence_cannot_be_marked_comparable() -> None:
    nea = {b.key: b for b in external_benchmarks()}["nea-2021-intimidatie-intern"]
    with pytest.raises(ValueError):
        replace(nea, comparable=True)


def test_kinds_are_a_closed_set() -> None:
    nea = {b.key: b for b in external_benchmarks()}["nea-2021-intimidatie-intern"]
    with pytest.raises(ValueError):
        replace(nea, kind="report_rate")


def test_the_yearly_rate_is_compared_with_noise_and_chance_in_its_interval(org, make_month):
    results = {r.benchmark.key: r for r in compare_external(
        year_of(make_month, 2), org, year=2025, benchmarks=external_benchmarks(
            include_foreign=True))}
    rate = results["navex-2023-2024"].rate
    # 24 contacts for 1000 FTE: 2.4 per 100 FTE; variance (12 * 4 noise + 24 Poisson) * 0.1^2.
    assert rate.value == pytest.approx(2.4)
    assert rate.variance == pytest.approx(72 * 0.01)
    assert results["navex-2023-2024-europe"].verdict == "hoger"  # 0.74 .. 4.06 above 0.67
    assert results["jbr-2015-vermoedelijk"].verdict == "niet_te_onderscheiden"  # 0.80 inside
    assert results["navex-2023-2024"].verdict == "niet_te_onderscheiden"
    assert results["speakup-europe"].verdict == "hoger"
    assert results["nea-2021-intimidatie-intern"].verdict == "niet_vergelijkbaar"
    assert results["jbr-2015-geconstateerd"].verdict == "niet_vergelijkbaar"
    assert "9%" in results["nea-2021-intimidatie-intern"].explanation_nl
    assert "0,51 per 100 medewerkers" in results["jbr-2015-geconstateerd"].explanation_nl
    assert "bovengrens" in results["jbr-2015-vermoedelijk"].explanation_nl


def test_a_clearly_lower_rate_is_a_firm_finding(org, make_month):
    results = compare_external(year_of(make_month, 0, sd=0.1), org, year=2025)
    verdicts = {r.benchmark.key: r.verdict for r in results}
    assert verdicts["jbr-2015-vermoedelijk"] == "lager"
    assert "stevige conclusie" in next(r.explanation_nl for r in results
                                       if r.benchmark.key == "jbr-2015-vermoedelijk")


def test_an_already_computed_rate_is_compared_the_same_way(org, make_month):
    (whole,) = [r for r in compare_external(year_of(make_month, 2), org, year=2025)
                if r.benchmark.key == "jbr-2015-vermoedelijk"]
    (again,) = [r for r in compare_rate("ORG", 2025, whole.rate)
                if r.benchmark.key == "jbr-2015-vermoedelijk"]
    assert again.verdict == whole.verdict and again.as_dict()["benchmark"]["kind"] == (
        "registration_rate")


def test_a_rate_inside_a_range_is_within(org, make_month):
    band = ExternalBenchmark("band", "Test", "Test", (2025,), "NL", "registration_rate",
                             "per_100_employees_per_year", 30, 45, "bandbreedte", True, "Test.")
    (result,) = compare_external(year_of(make_month, 30), org, year=2025, benchmarks=[band])
    assert result.rate.interval == pytest.approx((32.04, 39.96), abs=0.01)
    assert result.verdict == "binnen"


def test_a_part_year_is_annualised_and_says_so(org, make_month):
    (result,) = compare_external(year_of(make_month, 2, months=6), org, year=2025,
                                 benchmarks=external_benchmarks()[:1])
    assert result.months == 6
    assert result.rate.value == pytest.approx(2.4)
    assert "6 van de 12 maanden" in result.explanation_nl
    assert json.loads(json.dumps(result.as_dict()))["verdict"] == result.verdict


def test_a_year_without_publications_is_refused(org, make_month):
    with pytest.raises(ValueError, match="2024"):
        compare_external(year_of(make_month, 2), org, year=2024)
