"""Accuracy of the release plan against the truth, and against the earlier design.

    .venv/bin/python bench/bench_accuracy.py [--repeats 200] [--year 2025] [--json OUT]
                                             [--plot docs/assurance-accuracy.svg]

The demo's synthetic Rijk (server/demo_data.py: ten ministries, 100,000 FTE, about 2.5 signals
per 100 FTE a year) is stored once; one data year is counted exactly once per planned table
(the truth); then the plan's noise is drawn ``--repeats`` times with OpenDP's sampler and every
figure is read back exactly as the pages read it (``analytics.plan.PlanYear``, levels and
months combined by least squares). Per query family: the root mean square error against the
truth, the median and largest 95% half-width, and how often the 95% interval holds the truth.

The earlier design (monthly Laplace tables per released unit, summed to organisation, Rijk and
year figures) is unbiased, so its RMSE equals the standard deviation of its summed noise, which
follows from its published noise levels (analytics/published.py before this change): per cell
and month sd 36.4 for unit x category, 141.4 for channel and implicated party, 212.1 for
reporter role, 84.9 for follow-up, 424.3 for impact and 42.4 for the monthly total.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.plan import PlanRelease, PlanYear
from privacy.coarsening import released_units
from privacy.plan import RIJK, Dimension, Part, dg_cells, period_labels, tables_of
from privacy.plan_counts import exact_plan_table, load_year, noisy_plan_table
from privacy.released import PlanResult, PlanTablePayload
from registry.organisations import OrgStructure
from registry.periods import Month

# Earlier design: per-cell, per-month noise sd of the monthly publication (see docstring).
OLD_SD = {"category": 36.4, "channel": 141.4, "implicated_party": 141.4,
          "reporter_role": 212.1, "follow_up": 84.9, "impact": 424.3, "month": 42.4}
ATTRIBUTES = (Dimension.CHANNEL, Dimension.FOLLOW_UP, Dimension.IMPLICATED_PARTY,
              Dimension.REPORTER_ROLE, Dimension.IMPACT)
TARGETS = {"organisation x category": 10, "Rijk x category": 10, "organisation x channel": 10,
           "organisation x follow_up": 10, "organisation x implicated_party": 10,
           "organisation x reporter_role": 10, "organisation x impact": 10,
           "organisation total per month": 15, "DG x category": 12}


def build(year: int) -> tuple[object, OrgStructure]:
    from server.app import create_app
    from server.demo_data import demo_org, demo_signals
    from server.migrations import upgrade

    folder = tempfile.mkdtemp(prefix="bench-accuracy-")
    app = create_app({"database_url": f"sqlite:///{folder}/bench.db", "mode": "test",
                      "master_secret": "ab" * 32, "data_dir": f"{folder}/data",
                      "secret_key": "bench", "secure_cookies": False})
    services = app.extensions["signal_registry"]
    upgrade(services.db.engine)
    services.replace_org(demo_org())
    org = services.org()
    records, _spots = demo_signals(org, months=24, end=Month(year + 1, 12))
    services.signals.store_many([r for r in records if r.period.year == year], receipts=False)
    return services, org


def exact_tables(services: object, org: OrgStructure, year: int) -> dict[tuple[str, str], object]:
    """Every planned table of the year and each of its periods, counted exactly once."""
    frame = load_year(services.db.engine, year, services.taxonomy)  # type: ignore[attr-defined]
    out = {}
    for part in (Part.YEAR, Part.HALF, Part.QUARTER, Part.MONTH):
        periods = period_labels(part, year) or (str(year),)
        for period in periods:
            for table in tables_of(part):
                out[(table.name, period)] = exact_plan_table(
                    frame, table, year, services.taxonomy, org,  # type: ignore[attr-defined]
                    period=None if part is Part.YEAR else period)
    return out


def noisy_year(exact: dict[tuple[str, str], object], org: OrgStructure, year: int) -> PlanYear:
    grouped: dict[str, dict[str, PlanTablePayload]] = defaultdict(dict)
    parts: dict[str, Part] = {}
    for (name, period), table in exact.items():
        grouped[period][name] = noisy_plan_table(table).payload()  # type: ignore[arg-type]
        parts[period] = table.table.part  # type: ignore[attr-defined]
    releases = tuple(
        PlanRelease.from_result(f"r{i}", PlanResult(year, parts[p], p, tables))
        for i, (p, tables) in enumerate(sorted(grouped.items())))
    return PlanYear(year, org, releases)


def truth_of(exact: dict[tuple[str, str], object], name: str, period: str,
             ) -> dict[tuple[str, str], float]:
    table = exact[(name, period)]
    return {(row, code): float(mass) for (row, _p, code), mass
            in zip(table.grid.keys(), table.mass, strict=True)}  # type: ignore[attr-defined]


def families(py: PlanYear, exact: dict[tuple[str, str], object], org: OrgStructure,
             year: int) -> dict[str, list[tuple[float, float, float]]]:
    """Per family: (estimate, half-width, truth) of every figure."""
    out: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    organisations = [u.code for u in org.organisations]
    by_org = truth_of(exact, "org_category", str(year))
    rijk = truth_of(exact, "rijk_category", str(year))
    dg = truth_of(exact, "dg_category", str(year))
    for code in py.category_codes():
        r = py.category(RIJK, code)
        out["Rijk x category"].append((r.value, r.half_width, rijk[(RIJK, code)]))
        for o in organisations:
            e = py.category(o, code)
            out["organisation x category"].append((e.value, e.half_width, by_org[(o, code)]))
        for row in sorted({k[0] for k in dg}):
            if org.get(row).parent is None:
                continue  # an organisation's rest row is not a DG
            e = py.category(row, code)
            out["DG x category"].append((e.value, e.half_width, dg[(row, code)]))
    for dimension in ATTRIBUTES:
        truth = truth_of(exact, f"org_{dimension.value}", str(year))
        for o in organisations:
            for code, e in py.attribute(dimension, o).items():
                out[f"organisation x {dimension.value}"].append(
                    (e.value, e.half_width, truth[(o, code)]))
    for o in organisations:
        for month, e in py.monthly(o):
            truth = truth_of(exact, "org_total_month", str(month))[(o, "total")]
            out["organisation total per month"].append((e.value, e.half_width, truth))
    return out


def old_design_rmse(org: OrgStructure) -> dict[str, float]:
    """RMSE of the earlier design: the sd of its summed monthly noise (it is unbiased)."""
    units = set(released_units(org, 50))
    per_org = [sum(1 for u in units if org.get(u).organisation == o.code)
               for o in org.organisations]
    rows = dg_cells(org)
    per_dg = [sum(1 for u in units if rows[u] == d) for d in set(rows.values())
              if org.get(d).parent is not None]
    rms = lambda counts, sd: math.sqrt(statistics.fmean(sd**2 * 12 * n for n in counts))  # noqa: E731
    out = {"organisation x category": rms(per_org, OLD_SD["category"]),
           "Rijk x category": math.sqrt(OLD_SD["category"] ** 2 * 12 * len(units)),
           "DG x category": rms(per_dg, OLD_SD["category"]),
           "organisation total per month": OLD_SD["month"]}
    for dimension in ATTRIBUTES:
        out[f"organisation x {dimension.value}"] = OLD_SD[dimension.value] * math.sqrt(12)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--plot", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    services, org = build(args.year)
    exact = exact_tables(services, org, args.year)
    errors: dict[str, list[float]] = defaultdict(list)
    halves: dict[str, list[float]] = defaultdict(list)
    covered: dict[str, list[bool]] = defaultdict(list)
    truths: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.repeats):
        py = noisy_year(exact, org, args.year)
        for family, figures in families(py, exact, org, args.year).items():
            for estimate, half, truth in figures:
                errors[family].append(estimate - truth)
                halves[family].append(half)
                covered[family].append(abs(estimate - truth) <= half)
                truths[family].append(truth)
    old = old_design_rmse(org)
    rows = []
    for family in TARGETS:
        rmse = math.sqrt(statistics.fmean(e * e for e in errors[family]))
        rows.append({
            "family": family, "rmse": rmse, "median_half_width": statistics.median(halves[family]),
            "max_half_width": max(halves[family]),
            "coverage": statistics.fmean(covered[family]),
            "median_truth": statistics.median(truths[family]), "target": TARGETS[family],
            "old_rmse": old[family], "improvement": old[family] / rmse,
        })
    print(f"data year {args.year}, {args.repeats} repeats, "
          f"{time.perf_counter() - started:.0f} s")
    print("| Family | Median true count | RMSE | 95% half-width (median / max) | Target | "
          "Coverage | Earlier design RMSE | Better by |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['family']} | {r['median_truth']:.1f} | {r['rmse']:.2f} | "
              f"{r['median_half_width']:.1f} / {r['max_half_width']:.1f} | {r['target']} | "
              f"{r['coverage']:.1%} | {r['old_rmse']:.0f} | {r['improvement']:.0f}x |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    if args.plot:
        plot(rows, args.plot)


def plot(rows: list[dict[str, float | str]], out: Path) -> None:
    """A horizontal bar chart as SVG, log scale: written by hand, so the chart needs no plotting
    library beyond the project's own dependencies."""
    left, width, bar, gap, top = 230, 520, 11, 10, 20
    decades = range(0, 5)  # 1 to 10,000 on the log axis
    height = top + len(rows) * (2 * bar + gap) + 80

    def x(value: float) -> float:
        return left + width * math.log10(max(value, 1.0)) / (len(decades) - 1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 30}" '
             f'height="{height}" font-family="sans-serif" font-size="12">',
             '<rect width="100%" height="100%" fill="white"/>']
    for decade in decades:
        at = x(10.0 ** decade)
        parts.append(f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{top - 5}" '
                     f'y2="{height - 65}" stroke="#ccc"/>')
        parts.append(f'<text x="{at:.1f}" y="{height - 50}" text-anchor="middle">'
                     f'{10 ** decade:,}</text>'.replace(",", "."))
    for index, row in enumerate(rows):
        y = top + index * (2 * bar + gap)
        name = str(row["family"]).replace("organisation", "org.").replace(" x ", " × ")
        parts.append(f'<text x="{left - 8}" y="{y + bar + 4}" text-anchor="end">{name}</text>')
        for offset, key, colour in ((0, "rmse", "#154273"), (bar, "old_rmse", "#c45a1a")):
            value = float(row[key])
            parts.append(f'<rect x="{left}" y="{y + offset}" width="{x(value) - left:.1f}" '
                         f'height="{bar - 1}" fill="{colour}"/>')
    parts.append(f'<text x="{left + width / 2}" y="{height - 32}" text-anchor="middle">'
                 "RMSE tegen de echte aantallen (zaken, log-schaal)</text>")
    for offset, colour, label in ((0, "#154273", "releaseplan (dit ontwerp)"),
                                  (260, "#c45a1a", "eerder ontwerp (maandtabellen opgeteld)")):
        parts.append(f'<rect x="{left + offset}" y="{height - 20}" width="12" height="12" '
                     f'fill="{colour}"/><text x="{left + offset + 18}" y="{height - 10}">'
                     f"{label}</text>")
    parts.append("</svg>")
    out.write_text("\n".join(parts) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
