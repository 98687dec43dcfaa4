"""Consistent, stable, remarkable: each says ja, nee or onbekend, and explains itself."""

from __future__ import annotations

import json

import pytest

from analytics.checks import CheckRules, Flag, run_checks
from registry.periods import Month

MONTHS = [Month(2025, m) for m in range(1, 7)]


def six_months(make_month, sd: float, **per_month):
    """Six publications; each keyword is a list of six dicts or one dict for every month."""
    out = []
    for i, month in enumerate(MONTHS):
        values = {k: (v[i] if isinstance(v, list) else v) for k, v in per_month.items()}
        out.append(make_month(month, sd=sd, **values))
    return out


def check(report, unit: str = "C", category: str = "pesten"):
    return report.pair(unit, category)


def test_consistent_when_several_cases_come_through_two_channels(org, make_month):
    months = six_months(make_month, 0.5, cases={("C", "pesten"): 2},
                        channel={("C", "pesten", "vp_intern"): 2, ("C", "pesten", "bmw"): 1})
    flag = check(run_checks(months, org)).consistent
    assert flag.status == "ja"
    # 12 case-months, sd sqrt(6 * 0.25) = 1.22: lower bound 12 - 1.645 * 1.22 = 9.99 >= 3.
    assert flag.evidence["cases"] == 12
    assert flag.evidence["cases_lower"] == pytest.approx(12 - 1.644854 * 1.5**0.5, abs=1e-3)
    assert flag.evidence["channels_used"] == ["vp_intern", "bmw"]
    assert flag.explanation_nl.startswith("Consistent:")


def test_not_consistent_when_credibly_fewer_than_three_cases(org, make_month):
    flag = check(run_checks(six_months(make_month, 0.1), org)).consistent
    assert flag.status == "nee"
    assert flag.evidence["cases_status"] == "nee"
    assert "minder dan 3 zaken" in flag.explanation_nl


def test_not_consistent_when_only_one_channel_can_have_been_used(org, make_month):
    months = six_months(make_month, 0.1, cases={("C", "pesten"): 2},
                        channel={("C", "pesten", "vp_intern"): 3})
    flag = check(run_checks(months, org)).consistent
    assert (flag.status, flag.evidence["channels_status"]) == ("nee", "nee")
    assert flag.evidence["channels_possible"] == ["vp_intern"]


def test_consistency_is_unknown_when_the_noise_hides_it(org, make_month):
    months = six_months(make_month, 30.0, cases={("C", "pesten"): 2},
                        channel={("C", "pesten", "vp_intern"): 2, ("C", "pesten", "bmw"): 1})
    flag = check(run_checks(months, org)).consistent
    assert flag.status == "onbekend"
    assert flag.explanation_nl.startswith("Niet te beoordelen")
    # Needed: 3 + 1.645 * sqrt(6) * 30 = 123.9 estimated case-months.
    assert flag.evidence["cases_needed_for_yes"] == pytest.approx(3 + 1.644854 * 30 * 6**0.5,
                                                                  abs=1e-2)


@pytest.mark.parametrize(("values", "sd", "status"), [
    ([3, 3, 3, 0, 0, 0], 0.5, "ja"),
    ([3, 0, 0, 0, 0, 0], 0.5, "nee"),
    ([3, 3, 3, 0, 0, 0], 30.0, "onbekend"),
])
def test_stable_when_present_in_three_of_six_months(org, make_month, values, sd, status):
    cells = [{("C", "pesten"): v} for v in values]
    flag = check(run_checks(six_months(make_month, sd, unit_category=cells), org)).stable
    assert flag.status == status
    assert flag.evidence["estimates"] == values


def test_stability_is_unknown_with_too_few_months_published(org, make_month):
    months = six_months(make_month, 0.5, unit_category={("C", "pesten"): 0})[:4]
    flag = check(run_checks(months, org)).stable
    assert flag.status == "onbekend" and "pas 4 van de 6" in flag.explanation_nl


PEERS_EQUAL = {("A", "pesten"): 5, ("B", "pesten"): 20, ("C", "pesten"): 25}


def test_remarkable_when_far_above_the_peers_limit(org, make_month):
    cells = {**PEERS_EQUAL, ("C", "pesten"): 100}
    flag = check(run_checks(six_months(make_month, 0.5, unit_category=cells), org)).remarkable
    assert flag.status == "ja" and flag.explanation_nl.startswith("Opvallend")
    assert flag.evidence["expected_count"] == pytest.approx(150)
    assert flag.evidence["rate"] == pytest.approx(600 * 1200 / 1500)


def test_not_remarkable_only_when_a_doubling_would_have_shown(org, make_month):
    flag = check(run_checks(six_months(make_month, 0.5, unit_category=PEERS_EQUAL),
                            org)).remarkable
    assert flag.status == "nee"
    # null variance 150 + 1.5 + (3 + 150): the limit is 150 + 3.09 * 17.45; a rate 1.53 times
    # the reference lands above it nine times in ten.
    assert flag.evidence["detectable_ratio"] == pytest.approx(1.53, abs=0.01)
    assert "Niet opvallend" in flag.explanation_nl


def test_remarkable_is_unknown_when_the_noise_hides_a_doubling(org, make_month):
    flag = check(run_checks(six_months(make_month, 30.0, unit_category=PEERS_EQUAL),
                            org)).remarkable
    assert flag.status == "onbekend"
    assert flag.evidence["detectable_ratio"] > 2
    assert "De ruis is te groot" in flag.explanation_nl


def test_the_report_covers_every_released_unit_and_category_and_serialises(org, make_month):
    report = run_checks(six_months(make_month, 30.0), org)
    assert len(report.pairs) == 7 * 2
    assert report.window == tuple(str(m) for m in MONTHS)
    assert sum(report.summary()["remarkable"].values()) == 14
    assert report.flagged() == ()
    assert check(report, "ORG").remarkable.status == "onbekend"  # no peers at depth 0
    data = json.loads(json.dumps(report.as_dict()))
    assert data["rules"]["min_cases"] == 3
    assert all(p["consistent"]["explanation_nl"] for p in data["pairs"])


def test_rules_and_flags_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        CheckRules(stable_months=7)
    with pytest.raises(ValueError):
        CheckRules(reference="world")
    with pytest.raises(ValueError):
        Flag("stable", "misschien", "x", {})
    with pytest.raises(ValueError):
        Flag("stable", "ja", "", {})
