"""Meldbereidheid: a ratio only where population, period and subject match."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.external import ExternalBenchmark, ReferenceKind, external_benchmarks
from analytics.meldbereidheid import (
    meldbereidheid,
    meldbereidheid_overview,
    meldbereidheid_ratio,
    why_not,
)


def figures() -> dict[str, ExternalBenchmark]:
    return {b.key: b for b in external_benchmarks()}


def test_the_formula_is_registered_cases_over_prevalence_times_headcount() -> None:
    # 90 cases in a population of 10,000 of whom 9% say they were intimidated: 10%.
    assert meldbereidheid_ratio(90, 0.09, 10_000) == pytest.approx(0.10)
    with pytest.raises(ValueError):
        meldbereidheid_ratio(90, 0, 10_000)
    with pytest.raises(ValueError):
        meldbereidheid_ratio(90, 0.09, 0)


def test_no_default_pair_allows_a_ratio_and_each_says_why() -> None:
    overview = meldbereidheid_overview()
    assert overview  # every registration against every survey
    assert all(m.ratio is None and m.reasons_nl for m in overview)
    jbr_nea = meldbereidheid(figures()["jbr-2015-vermoedelijk"],
                             figures()["nea-2021-intimidatie-intern"])
    text = jbr_nea.explanation_nl()
    assert "populaties verschillen" in text and "perioden verschillen" in text
    assert "tellen iets anders" in text


def test_a_survey_is_never_divided_by_a_survey() -> None:
    nea = figures()["nea-2021-intimidatie-intern"]
    assert "geen registratiecijfer" in " ".join(why_not(nea, nea))


def test_matching_definitions_give_the_ratio() -> None:
    registration = replace(figures()["jbr-2015-vermoedelijk"], subject="intimidatie_intern",
                           population="werknemers", years=(2021,))
    survey = figures()["nea-2021-intimidatie-intern"]
    result = meldbereidheid(registration, survey)
    assert result.reasons_nl == ()
    assert result.ratio == pytest.approx(0.8036 / 100 / 0.09, rel=1e-3)
    assert "op elke 100 mensen" in result.explanation_nl()
    assert result.as_dict()["ratio"] == result.ratio


@given(population=st.sampled_from(["werknemers", "rijk_medewerkers"]),
       year=st.sampled_from([2015, 2021]), subject=st.sampled_from(
           ["intimidatie_intern", "integriteitsschending"]))
def test_a_ratio_exactly_when_all_three_match(population, year, subject) -> None:
    survey = figures()["nea-2021-intimidatie-intern"]
    registration = replace(figures()["jbr-2015-vermoedelijk"], population=population,
                           years=(year,), subject=subject)
    matches = (population, (year,), subject) == (survey.population, survey.years,
                                                  survey.subject)
    assert (meldbereidheid(registration, survey).ratio is not None) == matches
    assert registration.kind is ReferenceKind.REGISTRATION_RATE
