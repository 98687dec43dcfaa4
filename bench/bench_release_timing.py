"""Benchmark: does the time of an exact release depend on how many signals match its filters?

    .venv/bin/python bench/bench_release_timing.py [--signals 200000] [--runs 15] [--db PATH]

A timing side channel: if ``privacy.aggregate.exact_table`` does less work when fewer signals
match, an attacker who times queries learns counts that the noise was meant to hide. This
script times ``exact_table`` on a SQLite file of synthetic signals (``bench/synthetic.py``, one
data year, about 200 units in four ministries) for specs with the same table shape whose
filters match very different numbers of signals: an organisation without any signal (added to
the public structure for this purpose), one department, one ministry and everything.

The specs are timed round-robin, in a shuffled order every round, so a change in the machine's
load during the run falls on every spec alike. Both wall-clock time (what an attacker sees) and
the CPU time of the process (less disturbed by other work on a shared machine) are reported:
per spec the median, the spread (interquartile range and min-max) and the difference of its
median to the median of all specs of that table shape, plus the least-squares slope of time
against matching rows in microseconds per row. The medians should differ by no more than the
spread; the slope should be near zero.

To time an earlier version on the same data, export it and point ``--source`` at it:

    git archive COMMIT | tar -x -C /tmp/before
    .venv/bin/python bench/bench_release_timing.py --source /tmp/before
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

DEFAULT_DB = Path(tempfile.gettempdir()) / "signal-registry-bench" / "timing.db"
EMPTY_ORGANISATION = "MIN-LEEG"


@dataclass(frozen=True)
class Case:
    name: str
    spec: Any
    matching: int


def _setup(db_path: Path, n_signals: int) -> tuple[Any, Any, Any]:
    """The database (built once, reused), the structure plus an empty organisation, taxonomy."""
    from synthetic import build_database

    from registry.organisations import OrgStructure, OrgUnit
    from registry.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    engine, org = build_database(db_path, taxonomy, n_signals)
    _add_impacts(engine)
    org = OrgStructure((*org.units, OrgUnit(EMPTY_ORGANISATION, "Leeg ministerie", None,
                                            EMPTY_ORGANISATION, 500)))
    return engine, org, taxonomy


def _add_impacts(engine: Any) -> None:
    """Impact codes on about a quarter of the signals, as in the demo data (synthetic.py has
    none); chosen from the random ids, so the same signals every time."""
    from sqlalchemy import delete, func, insert, select

    from registry.models import Signal, SignalImpact

    signals, impacts = Signal.__table__, SignalImpact.__table__
    with engine.begin() as conn:
        conn.execute(delete(SignalImpact).where(SignalImpact.signal_id.not_in(select(Signal.id))))
        if conn.scalar(select(func.count()).select_from(impacts)):
            return
        for code, start, below in (("verzuim", 1, "21"), ("overweegt_vertrek", 3, "1f")):
            chosen = select(signals.c.id, func.substr(signals.c.id, start, 2) < below)
            ids = [row[0] for row in conn.execute(chosen) if row[1]]
            conn.execute(insert(SignalImpact), [{"signal_id": i, "impact": code} for i in ids])


def _cases(engine: Any, org: Any, taxonomy: Any) -> list[Case]:
    """Specs of two table shapes, each with four filters from none to every signal matching."""
    from sqlalchemy import func, select

    from privacy.specs import QuerySpec
    from registry.models import Signal
    from registry.periods import Month

    department = min((u for u in org.units if org.depth(u.code) == 3 and u.headcount >= 50),
                     key=lambda u: u.headcount)
    filters = {
        "leeg": {"organisation": [EMPTY_ORGANISATION]},
        "afdeling": {"unit": [department.code]},
        "ministerie": {"organisation": ["MIN0"]},
        "alles": {},
    }
    shapes = {
        "contacten maand x categorie": {"measure": "contacts", "group_by": ["period", "category"]},
        "zaken totaal": {"measure": "cases", "group_by": []},
    }
    table = Signal.__table__
    out = []
    for shape, base in shapes.items():
        for name, chosen in filters.items():
            spec = QuerySpec.from_json(
                {**base, "filters": chosen, "from": "2025-01", "to": "2025-12", "epsilon": "1"},
                taxonomy, org, Month(2026, 1))
            query = select(func.count()).select_from(table).where(
                table.c.period.between("2025-01", "2025-12"))
            if "organisation" in chosen:
                query = query.where(table.c.organisation.in_(chosen["organisation"]))
            if "unit" in chosen:
                query = query.where(table.c.unit.in_(org.subtree(department.code)))
            with engine.connect() as conn:
                matching = int(conn.scalar(query) or 0)
            out.append(Case(f"{shape}, {name}", spec, matching))
    return out


def _slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of seconds against rows, in microseconds per row."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return 0.0 if not var else sum((x - mx) * (y - my) for x, y in points) / var * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--source", type=Path,
                        help="time the product in this directory instead of this checkout")
    args = parser.parse_args()
    if args.source:
        sys.path.insert(0, str(args.source.resolve()))

    from privacy.aggregate import exact_table
    from registry.db import Database

    args.db.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    engine, org, taxonomy = _setup(args.db, args.signals)
    cases = _cases(engine, org, taxonomy)
    engine.dispose()
    print(f"database ready in {time.perf_counter() - started:.1f} s: {args.db}")
    db = Database(f"sqlite:///{args.db}")
    rng = random.Random(args.seed)
    for case in cases:  # warm up: page cache, polars and numpy code paths
        exact_table(db, case.spec, taxonomy, org, threshold=50)
    clocks = {"wall": time.perf_counter, "cpu": time.process_time}
    timings: dict[tuple[str, str], list[float]] = {
        (clock, case.name): [] for clock in clocks for case in cases}
    for _ in range(args.runs):
        order = cases[:]
        rng.shuffle(order)
        for case in order:
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            exact_table(db, case.spec, taxonomy, org, threshold=50)
            timings["wall", case.name].append(time.perf_counter() - wall)
            timings["cpu", case.name].append(time.process_time() - cpu)
    db.dispose()
    _report(cases, timings, args)


def _report(cases: list[Case], timings: dict[tuple[str, str], list[float]],
            args: argparse.Namespace) -> None:
    """Per clock and table shape: median, interquartile range, difference to all, slope."""
    import privacy

    print(f"\n{privacy.__file__}")
    print(f"{args.signals:,} signals, {args.runs} runs per spec (round-robin, shuffled), "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for clock, label in (("wall", "wall-clock"), ("cpu", "CPU time of this process")):
        print(f"\n{label}")
        print(f"{'spec':<40}{'matching':>10}{'median ms':>11}{'IQR ms':>9}{'min-max ms':>16}"
              f"{'vs all ms':>11}")
        for shape in dict.fromkeys(case.name.split(",")[0] for case in cases):
            group = [case for case in cases if case.name.startswith(shape + ",")]
            overall = statistics.median(t for case in group for t in timings[clock, case.name])
            points = []
            for case in group:
                runs = sorted(timings[clock, case.name])
                q1, _, q3 = statistics.quantiles(runs, n=4)
                median = statistics.median(runs)
                points += [(case.matching, t) for t in runs]
                print(f"{case.name:<40}{case.matching:>10,}{median * 1e3:>11.1f}"
                      f"{(q3 - q1) * 1e3:>9.1f}{runs[0] * 1e3:>8.1f}-{runs[-1] * 1e3:<7.1f}"
                      f"{(median - overall) * 1e3:>+11.1f}")
            print(f"{'':<40}slope {_slope(points):+.3f} us per matching row")


if __name__ == "__main__":
    main()
