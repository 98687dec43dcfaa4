"""The hotspot checks: exact tails, the family's error rate on simulated nulls, power against the
noiseless oracle, the findings' JSON shape, and the demo's planted hotspots found."""

from __future__ import annotations

import importlib.util
import math
import random
import sys
from pathlib import Path

import pytest

from analytics.hotspots import ALPHA, Verdict, hotspots, tail
from analytics.intervals import normal_tail
from analytics.plan import PlanRelease, PlanYear
from registry.periods import Month
from server.demo_data import demo_org, demo_signals

ROOT = Path(__file__).resolve().parents[2]


def _bench():  # type: ignore[no-untyped-def]
    """bench/bench_hotspots.py: the simulation the calibration benchmark runs, imported as is."""
    spec = importlib.util.spec_from_file_location("bench_hotspots", ROOT / "bench" / "bench_hotspots.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_hotspots"] = module
    spec.loader.exec_module(module)
    return module


def _poisson_survival(x: float, mean: float) -> float:
    k = math.ceil(x)
    return 1 - sum(math.exp(i * math.log(mean) - mean - math.lgamma(i + 1)) for i in range(k))


@pytest.mark.parametrize(("x", "mean"), [(4.5, 2.0), (11.5, 4.5), (29.5, 20.0)])
def test_without_noise_the_tail_is_the_poisson_tail(x, mean):
    assert tail(x, mean, 1e-9) == pytest.approx(_poisson_survival(x, mean), rel=1e-9)


def test_without_cases_the_tail_is_the_noise_tail():
    assert tail(7.0, 0.0, 5.0) == pytest.approx(normal_tail(7.0 / 5.0))


def test_the_tail_falls_with_the_estimate_and_rises_with_the_expected_count():
    assert tail(10, 4, 5) > tail(20, 4, 5) > tail(30, 4, 5)
    assert tail(20, 2, 5) < tail(20, 8, 5) < tail(20, 16, 5)


@pytest.fixture(scope="module")
def bench():  # type: ignore[no-untyped-def]
    return _bench()


def test_on_data_without_hotspots_at_most_5_percent_of_reports_name_a_unit(bench):
    """200 organisation reports of simulated years without any hotspot (with the demo's real
    differences between organisations and units); the family is built for 5%, and is measured
    at about 2.5% (bench/bench_hotspots.py). 18 of 200 (9%) would be far outside chance."""
    org = demo_org()
    null = bench.null_rate(org, bench.leaves(org), 20, random.Random(5))
    assert null["reports"] == 200
    assert null["named_share"] <= 0.09


def test_a_tripled_category_in_a_large_dg_is_found_nearly_as_often_as_by_the_oracle(bench):
    org = demo_org()
    # Measured: 93% against the oracle's 100% (bench/bench_hotspots.py); 30 trials keep the
    # chance of falling under 70% by bad luck near one in a thousand.
    result = bench.power(org, bench.leaves(org), "dg", 3.0, 1.0, 30, random.Random(9))
    assert result["oracle_power"] >= 0.9
    assert result["power"] >= 0.7 * result["oracle_power"]


@pytest.fixture(scope="module")
def demo_years(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The demo's Rijk published as the demo publishes it (the plan, last year and this one)."""
    from server.app import create_app
    from server.migrations import upgrade

    folder = tmp_path_factory.mktemp("hotspots")
    app = create_app({"database_url": f"sqlite:///{folder}/demo.db", "mode": "test",
                      "master_secret": "ab" * 32, "data_dir": str(folder / "data"),
                      "secret_key": "test", "secure_cookies": False})
    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    services.replace_org(demo_org())
    org = services.org()
    end = Month(2026, 12)
    records, spots = demo_signals(org, months=24, end=end)
    services.signals.store_many(records, receipts=False)
    plans = services.plans
    plans.today = lambda: end
    plans.publish_due([2025, 2026])
    years = {}
    for year in (2025, 2026):
        releases = [services.releases.get(e.release_id) for e in plans.index(year)]
        years[year] = PlanYear(year, org, tuple(PlanRelease.from_release(r) for r in releases))
    yield org, spots, years
    services.db.dispose()


def test_the_demo_hotspots_are_found_in_the_years_they_are_planted_in(demo_years):
    org, spots, years = demo_years
    assert len(spots) == 4
    unrelated, half_year_found = [], []
    for spot in spots:
        organisation = org.get(spot.unit).organisation
        if spot.months == 12:
            report = hotspots(years[spot.start.year], organisation)
        else:
            report = hotspots(years[spot.start.year], organisation, f"{spot.start.year}-H1")
        names = {(p.unit, p.category) for p in report.findings}
        if spot.months == 12:
            assert (spot.unit, spot.category) in names, (spot, names)
        else:
            # Six months of a fivefold category carry half the evidence of a year: the noise
            # hides one now and then (seen once in three CI runs on 2026-12-04). Both of the
            # two missed by chance would be rare; a check that lost its power misses both.
            half_year_found.append((spot.unit, spot.category) in names)
        # The hotspot's own organisation and directies inside it may be named for the same
        # category: they hold the excess too. Anything else is a false name.
        related = {spot.unit, organisation, *org.subtree(spot.unit)}
        unrelated += [n for n in names if n[1] != spot.category or n[0] not in related]
    # Each report names a unit falsely with a probability of at most 5%; two in four reports
    # would happen about once in a thousand runs.
    assert len(unrelated) <= 1, unrelated
    assert len(half_year_found) == 2 and any(half_year_found), spots


def test_findings_are_listed_in_one_machine_readable_shape(demo_years):
    org, spots, years = demo_years
    spot = next(s for s in spots if s.months == 12)
    report = hotspots(years[2025], org.get(spot.unit).organisation)
    data = report.as_json()
    assert data["alpha"] == ALPHA and data["error_control"] == "familywise"
    finding = next(f for f in data["findings"] if f["unit"] == spot.unit)
    assert finding["category"] == spot.category and finding["kind"] == "opvallend"
    evidence = finding["evidence"]
    assert evidence["estimate"] > evidence["expected"] and evidence["p_value"] <= evidence["level"]
    assert 0 <= evidence["ci95"][0] <= evidence["estimate"] <= evidence["ci95"][1]
    assert evidence["consistent"] is True
    # Every pair is in exactly one of the three lists.
    pairs = {(p.unit, p.category) for p in report.pairs}
    assert len(pairs) == len(report.pairs)
    listed = (len(data["findings"]) + len(data["too_small"]) + len(data["nothing_found"]))
    assert listed == len(report.pairs)
    assert {p.verdict for p in report.pairs} <= set(Verdict)


def test_a_unit_too_small_to_judge_says_what_size_it_would_need(demo_years):
    org, _spots, years = demo_years
    small = [p for o in org.organisations for p in hotspots(years[2025], o.code).pairs
             if p.verdict is Verdict.TOO_SMALL]
    assert small
    assert all(p.needed_fte is None or p.needed_fte > 0 for p in small)
    assert any(p.needed_fte for p in small)
