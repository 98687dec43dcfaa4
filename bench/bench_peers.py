"""Benchmark against peers: the dashboard table through this product, OpenDP and SmartNoise SQL.

    .venv/bin/python bench/bench_peers.py [--signals 100000 1000000] [--plot docs/assurance-peers.png]

Same data, same epsilon (1), one run each. The table is the standard dashboard table of
bench_release.py: contacts per month (12) x released unit x category, over the synthetic
organisation of bench/synthetic.py (about 200 units, built once per size in a SQLite file under
the temporary folder and reused). Each approach runs in a fresh subprocess; its peak memory is
that process's max RSS (``getrusage``), interpreter and libraries included.

exact          the non-private floor: SQL GROUP BY, small units folded into their parents
               (bench_release._exact_sql). It is also the truth every error is measured against.
product        privacy.aggregate.exact_table + privacy.noise.add_noise: load, bound (K=3
               contacts per case, C=3 categories per signal), coarsen, count over the full
               key grid, discrete Laplace noise.
OpenDP Context the product's bounded rows (loading and bounding timed), then OpenDP's polars
               Context: group_by(...).agg(dp.len()).with_keys(public grid), contributions 9.
SmartNoise SQL the same bounded rows with their privacy unit, written to parquet (not timed, shown
               as "prep"), then SmartNoise SQL in .venv-peers (created here on first use) with
               max_ids 9 and its defaults: keys are released only when found in the data and
               above its censoring threshold, which needs a delta (1e-6 here).

Error is the mean absolute error per cell over the full public key grid, zeros included, against
the exact answer. A key a peer leaves out is read as 0, as a dashboard would show it, and the
number of such keys is given. "noise MAE" is against the exact *bounded* table, so it shows the
noise alone without the bias of the contribution bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

APPROACHES = ("exact", "product", "smartnoise", "context")  # the slowest last
LABELS = {"exact": "exact (floor)", "product": "this product", "context": "OpenDP Context",
          "smartnoise": "SmartNoise SQL"}
PEERS_VENV = ROOT / ".venv-peers"
PEERS_PACKAGES = ["smartnoise-sql", "pandas", "pyarrow", "matplotlib"]
DATA_DIR = Path(tempfile.gettempdir()) / "signal-registry-peers"
EPSILON = 1.0
SMARTNOISE_DELTA = 1e-6
MAX_IDS = 9  # K * C: the rows one case can add after the product's bounds


def db_path(n_signals: int) -> Path:
    return DATA_DIR / f"signals-{n_signals}.db"


def bounded_rows(db, spec, taxonomy, org):  # type: ignore[no-untyped-def]
    """One row per counted (signal, category) after the product's bounds, with its privacy unit."""
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
    kept = keep_lowest_bits(signals["mask"].fill_null(0).to_numpy(), bounds.categories_per_signal,
                            len(categories))
    signals = signals.with_columns(pl.Series("mask", kept),
                                   pl.col("unit").replace_strict(coarsen_map(org, 50)))
    signals = cap_contacts(signals, bounds.contacts_per_case)
    # A signal without a case is a unit of its own; its row number stands in for its id.
    signals = signals.with_row_index("row").with_columns(
        pl.coalesce(pl.col("case"), pl.format("lone-{}", pl.col("row"))).alias("pid"))
    parts = [signals.filter((pl.col("mask") & (1 << bit)) != 0)
             .select("pid", "period", "unit", pl.lit(code).alias("category"))
             for bit, code in enumerate(categories)]
    return pl.concat(parts)


def _grid_frame(spec, taxonomy, org):  # type: ignore[no-untyped-def]
    import polars as pl

    from privacy.tables import key_grid

    return pl.DataFrame(key_grid(spec, taxonomy, org, 50).key_columns())


def _aligned(frame, keys, column: str):  # type: ignore[no-untyped-def]
    """A peer's answer on the public grid in grid order; absent keys read as 0 (and counted)."""
    import numpy as np
    import polars as pl

    # An empty answer comes back with untyped (null) columns; the keys are text either way.
    frame = frame.select(*(pl.col(c).cast(pl.String) for c in ("period", "unit", "category")),
                         pl.col(column).cast(pl.Float64))
    joined = keys.join(frame,
                       on=["period", "unit", "category"], how="left", maintain_order="left")
    missing = int(joined[column].null_count())
    return np.asarray(joined[column].fill_null(0).to_numpy(), dtype=np.float64), missing


def run_one(approach: str, n_signals: int, out_dir: Path) -> dict[str, object]:
    """Run one approach once in this process; write its cell vector to ``out_dir``."""
    import numpy as np
    from bench_release import _context, _exact_sql, _setup

    from privacy.aggregate import exact_table
    from privacy.noise import add_noise
    from registry.db import Database

    taxonomy, org, spec = _setup(db_path(n_signals), n_signals)
    db = Database(f"sqlite:///{db_path(n_signals)}")
    extra: dict[str, object] = {}
    start = time.perf_counter()
    if approach == "exact":
        cells = _exact_sql(db, spec, taxonomy, org)
    elif approach == "product":
        exact = exact_table(db, spec, taxonomy, org, threshold=50)
        noisy = add_noise(exact)
        cells = noisy.estimates
        elapsed = time.perf_counter() - start
        # For the noise-only error; never part of a release.
        np.save(out_dir / "bounded.npy", np.asarray(exact.counts))
        extra["half_width"] = noisy.accuracy.half_width
    elif approach == "context":
        rows = bounded_rows(db, spec, taxonomy, org).drop("pid")
        loaded = time.perf_counter()
        released = _context(rows, spec, taxonomy, org)
        extra["context_only_s"] = time.perf_counter() - loaded
        cells, extra["missing_keys"] = _aligned(released, _grid_frame(spec, taxonomy, org), "len")
    else:
        raise ValueError(approach)
    if approach != "product":
        elapsed = time.perf_counter() - start
    db.dispose()
    np.save(out_dir / f"{approach}.npy", np.asarray(cells, dtype=np.float64))
    return {"approach": approach, "seconds": elapsed, "cells": int(np.asarray(cells).size),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}


def ensure_peers_venv() -> Path:
    """The separate virtualenv for SmartNoise SQL (it pins an older OpenDP than the product)."""
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS_PACKAGES], check=True)
    return python


def run_smartnoise(n_signals: int, out_dir: Path) -> dict[str, object]:
    """Write the bounded rows to parquet (prep), then let SmartNoise answer in its own venv."""
    import polars as pl
    from bench_release import _setup

    from registry.db import Database

    python = ensure_peers_venv()
    taxonomy, org, spec = _setup(db_path(n_signals), n_signals)
    db = Database(f"sqlite:///{db_path(n_signals)}")
    began = time.perf_counter()
    rows = bounded_rows(db, spec, taxonomy, org)
    rows_path, result_path = out_dir / "rows.parquet", out_dir / "smartnoise.parquet"
    rows.write_parquet(rows_path)
    prep = time.perf_counter() - began
    db.dispose()
    out = subprocess.run(
        [str(python), str(HERE / "peers_smartnoise.py"), str(rows_path), str(result_path),
         str(EPSILON), str(SMARTNOISE_DELTA), str(MAX_IDS)],
        check=True, capture_output=True, text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    cells, missing = _aligned(pl.read_parquet(result_path), _grid_frame(spec, taxonomy, org), "n")
    import numpy as np

    np.save(out_dir / "smartnoise.npy", cells)
    return {"approach": "smartnoise", "seconds": result["seconds"], "prep_s": prep,
            "peak_rss_mb": result["peak_rss_mb"], "missing_keys": missing,
            "reported_cost": result["reported_cost"], "rows_in": rows.height, "cells": cells.size}


def _errors(result: dict[str, object], approach: str, out_dir: Path) -> None:
    """MAE against the exact answer (truth) and against the exact bounded table (noise only)."""
    import numpy as np

    truth = np.load(out_dir / "exact.npy")
    cells = np.load(out_dir / f"{approach}.npy")
    result["mae"] = float(np.abs(cells - truth).mean())
    result["noise_mae"] = (float(np.abs(cells - np.load(out_dir / "bounded.npy")).mean())
                           if approach != "exact" else 0.0)
    result["mean_exact"] = float(truth.mean())
    result["zero_cells"] = int((truth == 0).sum())


def measure(n_signals: int, chosen: list[str]) -> dict[str, dict[str, object]]:
    """Every approach once, in the order of APPROACHES; each line printed as soon as it is in."""
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as folder:
        out_dir = Path(folder)
        for approach in APPROACHES:
            if approach not in ("exact", "product", *chosen):
                continue
            if approach == "smartnoise":
                results[approach] = run_smartnoise(n_signals, out_dir)
            else:
                out = subprocess.run(
                    [sys.executable, __file__, "--only", approach, "--signals", str(n_signals),
                     "--out", str(out_dir)],
                    check=True, capture_output=True, text=True,
                )
                results[approach] = json.loads(out.stdout.strip().splitlines()[-1])
            _errors(results[approach], approach, out_dir)
            print(f"  {n_signals:,} {approach}: {json.dumps(results[approach])} "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    return results


def report(all_results: dict[int, dict[str, dict[str, object]]]) -> str:
    lines = [f"machine: {os.cpu_count()} cores, shared with other work "
             f"(load average {os.getloadavg()[0]:.1f} at the end); epsilon {EPSILON:g}, one run each",
             "", "| signals | approach | wall s | x exact | peak RSS MB | MAE per cell | noise MAE "
             "| keys missing |", "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n, results in all_results.items():
        base = float(results["exact"]["seconds"])  # type: ignore[arg-type]
        for approach in (a for a in APPROACHES if a in results):
            r = results[approach]
            seconds = float(r["seconds"])  # type: ignore[arg-type]
            prep = f" (+{float(r['prep_s']):.1f} prep)" if "prep_s" in r else ""  # type: ignore[arg-type]
            lines.append(
                f"| {n:,} | {LABELS[approach]} | {seconds:.1f}{prep} | {seconds / base:.1f} | "
                f"{float(r['peak_rss_mb']):.0f} | {float(r['mae']):.2f} | "  # type: ignore[arg-type]
                f"{float(r['noise_mae']):.2f} | {r.get('missing_keys', 0)} |")  # type: ignore[arg-type]
        any_result = results["exact"]
        lines.append(f"| {n:,} | grid | {any_result['cells']} cells, {any_result['zero_cells']} "
                     f"exactly zero, mean {float(any_result['mean_exact']):.1f} per cell "  # type: ignore[arg-type]
                     "| | | | | |")
    for results in all_results.values():
        if "smartnoise" in results:
            lines.append(f"\nSmartNoise SQL's own reported cost (epsilon, delta): "
                         f"{results['smartnoise']['reported_cost']}")
            break
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--plot", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--approaches", nargs="+", choices=APPROACHES, default=list(APPROACHES),
                        help="run only these (the exact answer and the product always run: the "
                             "errors are measured against them)")
    parser.add_argument("--only", choices=("exact", "product", "context"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if args.only:
        print(json.dumps(run_one(args.only, args.signals[0], args.out)))
        return
    all_results: dict[int, dict[str, dict[str, object]]] = {}
    for n in args.signals:
        from bench_release import _setup

        _setup(db_path(n), n)  # build (or reuse) the database outside every timing
        all_results[n] = measure(n, args.approaches)
    text = report(all_results)
    print("\n" + text)
    if args.json:
        args.json.write_text(json.dumps({str(k): v for k, v in all_results.items()}, indent=1))
    if args.plot:
        data = DATA_DIR / "peers-results.json"
        data.write_text(json.dumps({str(k): v for k, v in all_results.items()}))
        subprocess.run([str(ensure_peers_venv()), str(HERE / "peers_plot.py"), str(args.plot),
                        str(data)], check=True)


if __name__ == "__main__":
    main()
