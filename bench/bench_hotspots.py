"""Calibration and power of the hotspot checks (analytics.hotspots) at the default cap.

    .venv/bin/python bench/bench_hotspots.py [--null-years 20] [--trials 60] [--json OUT]

The demo's synthetic Rijk (ten ministries, 100,000 FTE, server/demo_data.py) is simulated at the
table level: every finest unit draws Poisson cases per category at the demo's category mix, with
the demo's differences between organisations (1.5 to 3 cases per 100 FTE a year) and between
units (a factor 0.6 to 1.4) drawn anew each simulated year. The cases are added up into the
plan's tables (Rijk, organisation, DG, directie per year; DG per half year), and each table gets
the plan's own noise from OpenDP's sampler at the plan's sigma. Then every organisation's
report is checked exactly as the pages check it.

- Null: ``--null-years`` simulated years without any hotspot, ten organisation reports each
  (200 reports by default): the share of reports that name any unit (target: at most 5%).
- Power: one hotspot per trial, in a DG of 2,000 to 5,000 FTE (3x its category's rate) or in a
  directie of 500 to 1,500 FTE (4x), at category rates of 0.5, 1 and 2 cases per 100 FTE a year;
  the share of trials in which the hotspot's unit is named, side by side with the same test on
  the exact counts (the noiseless oracle; Poisson variation only).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.hotspots import hotspots
from analytics.plan import PlanRelease, PlanTableReading, PlanYear
from privacy.plan import RIJK, Dimension, Part, dg_cells, directie_cells, plan_table
from privacy.plan_counts import _measurement, calibrate_sigma
from registry.organisations import OrgStructure
from server.demo_data import CATEGORY_WEIGHTS, demo_org

YEAR = 2025
RATE_PER_FTE = 2.5 / 100
TABLES = ("rijk_category", "org_category", "dg_category", "directie_category")


def leaves(org: OrgStructure) -> dict[str, float]:
    """Every unit's own staff (its headcount minus its sub-units'), where cases happen."""
    return {u.code: float(u.headcount - sum(org.get(c).headcount for c in org.children(u.code)))
            for u in org.units}


def base_rates() -> dict[str, float]:
    total = sum(CATEGORY_WEIGHTS.values())
    return {c: RATE_PER_FTE * w / total for c, w in CATEGORY_WEIGHTS.items()}


def simulate(org: OrgStructure, own: dict[str, float], rates: dict[str, float],
             rng: random.Random, hotspot: tuple[str, str, float] | None,
             ) -> dict[str, dict[tuple[str, str, str], float]]:
    """Exact case counts per planned table cell for one simulated year."""
    dgs, directies = dg_cells(org), directie_cells(org)
    tables: dict[str, dict[tuple[str, str, str], float]] = defaultdict(lambda: defaultdict(float))
    # As the demo's generator: organisations differ in volume, units a little around it.
    volume = {o.code: rng.uniform(1.5, 3.0) / 2.5 for o in org.organisations}
    for unit, fte in own.items():
        inside = set(org.ancestors(unit))
        organisation = org.get(unit).organisation
        spread = volume[organisation] * min(1.4, max(0.6, rng.lognormvariate(0, 0.25)))
        for category, rate in rates.items():
            mean = rate * fte * spread
            if hotspot and hotspot[1] == category and hotspot[0] in inside:
                mean *= hotspot[2]
            n = _poisson(rng, mean)
            if not n:
                continue
            first_half = sum(rng.random() < 0.5 for _ in range(n))
            tables["rijk_category"][(RIJK, "", category)] += n
            tables["org_category"][(organisation, "", category)] += n
            tables["dg_category"][(dgs[unit], "", category)] += n
            if unit in directies:
                tables["directie_category"][(directies[unit], "", category)] += n
            tables["dg_category_half"][(dgs[unit], f"{YEAR}-H1", category)] += first_half
            tables["dg_category_half"][(dgs[unit], f"{YEAR}-H2", category)] += n - first_half
    return tables


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method is fine for the small means here; a normal draw beyond 50.
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def grid(name: str, org: OrgStructure, categories: list[str]) -> list[tuple[str, str, str]]:
    from privacy.plan import level_units

    table = plan_table(name)
    periods = (f"{YEAR}-H1", f"{YEAR}-H2") if table.part is Part.HALF else ("",)
    return [(u, p, c) for u in level_units(table.level, org) for p in periods for c in categories]


def plan_year(org: OrgStructure, counts: dict[str, dict[tuple[str, str, str], float]],
              categories: list[str], noisy: bool) -> PlanYear:
    releases = []
    for name in (*TABLES, "dg_category_half"):
        keys = grid(name, org, categories)
        exact = np.array([counts[name].get(k, 0.0) for k in keys])
        if noisy:
            sigma, _ = calibrate_sigma(plan_table(name).rho)
            values = np.asarray(_measurement(sigma)(exact.tolist()))
        else:
            sigma, values = 1e-6, exact
        reading = PlanTableReading(name, plan_table(name).part, Dimension.CATEGORY, sigma,
                                   dict(zip(keys, values.tolist(), strict=True)))
        if name == "dg_category_half":
            for period in (f"{YEAR}-H1", f"{YEAR}-H2"):
                part = {k: v for k, v in reading.cells.items() if k[1] == period}
                releases.append(PlanRelease(f"{name}-{period}", YEAR, Part.HALF, period,
                                            {name: PlanTableReading(name, Part.HALF,
                                                                    Dimension.CATEGORY, sigma,
                                                                    part)}))
        else:
            releases.append(PlanRelease(name, YEAR, Part.YEAR, str(YEAR), {name: reading}))
    return PlanYear(YEAR, org, tuple(releases))


def null_rate(org: OrgStructure, own: dict[str, float], years: int, rng: random.Random,
              ) -> dict[str, float]:
    rates, categories = base_rates(), list(CATEGORY_WEIGHTS)
    reports = named = oracle_named = 0
    for _ in range(years):
        counts = simulate(org, own, rates, rng, None)
        noisy, exact = (plan_year(org, counts, categories, True),
                        plan_year(org, counts, categories, False))
        for o in org.organisations:
            reports += 1
            named += bool(hotspots(noisy, o.code).findings)
            oracle_named += bool(hotspots(exact, o.code).findings)
    return {"reports": reports, "named_share": named / reports,
            "oracle_named_share": oracle_named / reports}


def power(org: OrgStructure, own: dict[str, float], level: str, factor: float, rate: float,
          trials: int, rng: random.Random) -> dict[str, float]:
    """Share of trials in which a planted hotspot's unit is named, product and oracle."""
    categories = list(CATEGORY_WEIGHTS)
    target = "werkdruk"
    rates = {**base_rates(), target: rate / 100}
    low, high = (2000, 5000) if level == "dg" else (500, 1500)
    rows = set(dg_cells(org).values()) if level == "dg" else set(directie_cells(org).values())
    pool = sorted(u for u in rows if org.get(u).parent and low <= org.get(u).headcount <= high)
    found = oracle = 0
    for _ in range(trials):
        unit = rng.choice(pool)
        counts = simulate(org, own, rates, rng, (unit, target, factor))
        organisation = org.get(unit).organisation
        for noisy, tally in ((True, "product"), (False, "oracle")):
            report = hotspots(plan_year(org, counts, categories, noisy), organisation)
            hit = any(p.unit == unit and p.category == target for p in report.findings)
            if tally == "product":
                found += hit
            else:
                oracle += hit
    return {"level": level, "factor": factor, "rate_per_100_fte": rate, "trials": trials,
            "power": found / trials, "oracle_power": oracle / trials,
            "relative": (found / oracle) if oracle else math.nan}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--null-years", type=int, default=20)
    parser.add_argument("--trials", type=int, default=60)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    rng = random.Random(args.seed)
    org = demo_org()
    own = leaves(org)
    null = null_rate(org, own, args.null_years, rng)
    print(f"null: {null['reports']} reports, {null['named_share']:.1%} name a unit "
          f"(oracle {null['oracle_named_share']:.1%})")
    rows = [power(org, own, level, factor, rate, args.trials, rng)
            for level, factor in (("dg", 3.0), ("directie", 4.0)) for rate in (0.5, 1.0, 2.0)]
    print("| Hotspot | Rate per 100 FTE a year | Found (product) | Found (oracle) | Relative |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        name = "3x in a DG of 2,000-5,000 FTE" if r["level"] == "dg" else \
            "4x in a directie of 500-1,500 FTE"
        print(f"| {name} | {r['rate_per_100_fte']:g} | {r['power']:.0%} | "
              f"{r['oracle_power']:.0%} | {r['relative']:.0%} |")
    relative = statistics.fmean(r["relative"] for r in rows if r["level"] == "dg")
    print(f"DG level: {relative:.0%} of the oracle's power on average; "
          f"{time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"null": null, "power": rows}, indent=2),
                             encoding="utf-8")


if __name__ == "__main__":
    main()
