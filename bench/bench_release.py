"""Benchmark: a private release of the standard dashboard table on a million signals.

    .venv/bin/python bench/bench_release.py [--signals 1000000] [--runs 3] [--db PATH]

The table is contacts per month (12) x released unit x category (all of the taxonomy), epsilon 1,
on a SQLite file with about 200 units (built once with fast Core inserts and reused). Each
approach runs in a fresh subprocess, so its peak memory (max RSS) is its own:

exact SQL       the plain non-private answer: one SQL GROUP BY over the signal/category join,
                small units folded into their parents afterwards; no contribution bounds.
exact bounded   privacy.aggregate.exact_table: load, bound (K, C), coarsen, count.
private         exact bounded + privacy.noise.add_noise (noise and intervals), the full release.
consistent      private + privacy.consistency.make_consistent.
OpenDP Context  the same bounded rows (loaded as in "exact bounded"), released with OpenDP's
                polars Context: compositor, group_by(...).agg(dp.len()).with_keys(keys).

Medians of ``--runs`` runs are printed, with the machine's load average, because a busy machine
moves every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

APPROACHES = ("exact-sql", "exact-bounded", "private", "consistent", "context")
DEFAULT_DB = Path(tempfile.gettempdir()) / "signal-registry-bench" / "signals.db"


def _setup(db_path: Path, n_signals: int):  # type: ignore[no-untyped-def]
    from synthetic import build_database

    from privacy.specs import QuerySpec
    from registry.periods import Month
    from registry.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    engine, org = build_database(db_path, taxonomy, n_signals)
    engine.dispose()
    spec = QuerySpec.from_json(
        {"measure": "contacts", "group_by": ["period", "unit", "category"], "from": "2025-01",
         "to": "2025-12", "epsilon": "1"},
        taxonomy, org, Month(2026, 1),
    )
    return taxonomy, org, spec


def _exact_sql(db, spec, taxonomy, org):  # type: ignore[no-untyped-def]
    """The naive exact table: SQL GROUP BY, then small units folded in, then the full grid."""
    import numpy as np
    import polars as pl
    from sqlalchemy import func, select

    from privacy.coarsening import coarsen_map
    from privacy.tables import key_grid
    from registry.models import Signal, SignalCategory

    signals, links = Signal.__table__, SignalCategory.__table__
    statement = (
        select(signals.c.period, signals.c.unit, links.c.category, func.count())
        .select_from(signals.join(links, links.c.signal_id == signals.c.id))
        .where(signals.c.period.between(str(spec.start), str(spec.end)))
        .group_by(signals.c.period, signals.c.unit, links.c.category)
    )
    with db.engine.connect() as conn:
        rows = conn.execute(statement).all()
    grid = key_grid(spec, taxonomy, org, 50)
    frame = pl.DataFrame(rows, schema=["period", "unit", "category", "n"], orient="row")
    frame = (frame.with_columns(pl.col("unit").replace_strict(coarsen_map(org, 50)))
             .group_by("period", "unit", "category").agg(pl.col("n").sum()))
    keys = pl.DataFrame(grid.key_columns())
    counts = keys.join(frame, on=["period", "unit", "category"], how="left",
                       maintain_order="left")["n"].fill_null(0)
    return np.asarray(counts.to_numpy(), dtype=np.int64)


def _bounded_rows(db, spec, taxonomy, org):  # type: ignore[no-untyped-def]
    """The bounded row-level frame (one row per signal and counted category) for the Context."""
    import polars as pl

    from privacy import aggregate
    from privacy.coarsening import coarsen_map
    from privacy.contributions import ContributionBounds, cap_contacts, keep_lowest_bits

    bounds = ContributionBounds()
    categories = taxonomy.codes("categories")
    with db.engine.connect() as conn:
        statement = aggregate._signal_query(spec, org, categories, taxonomy.codes("impact"),
                                             conn.dialect.name)
        signals = aggregate._fetch(conn, statement, aggregate._signal_columns(spec))
    kept = keep_lowest_bits(signals["mask"].fill_null(0).to_numpy(), 3, len(categories))
    signals = signals.with_columns(pl.Series("mask", kept))
    signals = signals.with_columns(pl.col("unit").replace_strict(coarsen_map(org, 50)))
    signals = cap_contacts(signals, bounds.contacts_per_case)
    parts = [signals.filter((pl.col("mask") & (1 << bit)) != 0)
             .select("period", "unit", pl.lit(code).alias("category"))
             for bit, code in enumerate(categories)]
    return pl.concat(parts)


def _context(rows, spec, taxonomy, org):  # type: ignore[no-untyped-def]
    import opendp.prelude as dp
    import polars as pl

    from privacy.tables import key_grid

    dp.enable_features("contrib")
    keys = pl.DataFrame(key_grid(spec, taxonomy, org, 50).key_columns())
    context = dp.Context.compositor(
        data=rows.lazy(), privacy_unit=dp.unit_of(contributions=9),
        privacy_loss=dp.loss_of(epsilon=1.0), split_evenly_over=1,
    )
    query = (context.query().group_by(["period", "unit", "category"])
             .agg(dp.len(signed=True)).with_keys(keys))
    return query.release().collect()


def run_one(approach: str, db_path: Path, n_signals: int, runs: int) -> dict[str, object]:
    """Time one approach ``runs`` times in this process; report timings and peak memory."""
    from privacy.aggregate import exact_table
    from privacy.consistency import make_consistent
    from privacy.noise import add_noise
    from registry.db import Database

    taxonomy, org, spec = _setup(db_path, n_signals)
    db = Database(f"sqlite:///{db_path}")
    extra: dict[str, object] = {}

    def private():  # type: ignore[no-untyped-def]
        return add_noise(exact_table(db, spec, taxonomy, org, threshold=50))

    work: dict[str, Callable[[], object]] = {
        "exact-sql": lambda: _exact_sql(db, spec, taxonomy, org),
        "exact-bounded": lambda: exact_table(db, spec, taxonomy, org, threshold=50),
        "private": private,
        "consistent": lambda: make_consistent(private(), org, 50),
    }
    timings = []
    for _ in range(runs):
        if approach == "context":
            start = time.perf_counter()
            rows = _bounded_rows(db, spec, taxonomy, org)
            loaded = time.perf_counter()
            _context(rows, spec, taxonomy, org)
            end = time.perf_counter()
            timings.append(end - start)
            extra.setdefault("context_only", []).append(end - loaded)  # type: ignore[union-attr]
        else:
            start = time.perf_counter()
            result = work[approach]()
            timings.append(time.perf_counter() - start)
            if approach == "private":
                extra["cells"] = result.grid.n_cells  # type: ignore[attr-defined]
                extra["half_width"] = result.accuracy.half_width  # type: ignore[attr-defined]
                extra["simultaneous_half_width"] = (
                    result.accuracy.simultaneous_half_width)  # type: ignore[attr-defined]
    db.dispose()
    if "context_only" in extra:
        extra["context_only"] = statistics.median(extra["context_only"])  # type: ignore[arg-type]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"approach": approach, "median_s": statistics.median(timings),
            "runs_s": timings, "peak_rss_mb": peak_mb, **extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--only", choices=APPROACHES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    if args.only:
        print(json.dumps(run_one(args.only, args.db, args.signals, args.runs)))
        return
    started = time.perf_counter()
    _setup(args.db, args.signals)  # build the database once, outside every timing
    print(f"database ready in {time.perf_counter() - started:.1f} s: {args.db}")
    results = {}
    for approach in APPROACHES:
        out = subprocess.run(
            [sys.executable, __file__, "--only", approach, "--signals", str(args.signals),
             "--runs", str(args.runs), "--db", str(args.db)],
            check=True, capture_output=True, text=True,
        )
        results[approach] = json.loads(out.stdout.strip().splitlines()[-1])
    _report(results, args)


def _report(results: dict[str, dict], args: argparse.Namespace) -> None:  # type: ignore[type-arg]
    base = results["exact-sql"]["median_s"]
    private = results["private"]["median_s"]
    print(f"\n{args.signals:,} signals, {results['private']['cells']:,} cells, "
          f"median of {args.runs} runs, load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"{'approach':<16}{'median s':>10}{'x exact SQL':>13}{'peak RSS MB':>13}")
    for name, result in results.items():
        print(f"{name:<16}{result['median_s']:>10.2f}{result['median_s'] / base:>13.2f}"
              f"{result['peak_rss_mb']:>13.0f}")
    context = results["context"]
    print(f"\nOpenDP Context alone (rows already bounded in memory): "
          f"{context['context_only']:.2f} s")
    print(f"private release / exact SQL: {private / base:.2f} (target <= 1.5)")
    print(f"Context (load + release) / private release: {context['median_s'] / private:.2f} "
          f"(target >= 5)")
    print(f"per-cell 95% half-width {results['private']['half_width']}, simultaneous "
          f"{results['private']['simultaneous_half_width']}")


if __name__ == "__main__":
    main()
