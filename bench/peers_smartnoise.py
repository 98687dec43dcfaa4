"""SmartNoise SQL's answer to the dashboard table; runs in the separate ``.venv-peers``.

    .venv-peers/bin/python bench/peers_smartnoise.py ROWS.parquet OUT.parquet EPSILON DELTA MAX_IDS

SmartNoise SQL pins an older OpenDP than the product, so it cannot share the product's
virtualenv; bench_peers.py runs this script in its own interpreter. It reads the bounded
row-level data (one row per counted signal and category, with ``pid``, the privacy unit: the
case, or the signal when it has no case) and asks SmartNoise for
``COUNT(*) GROUP BY period, unit, category`` under its defaults for a private-id table:
``max_ids`` rows per unit (reservoir-sampled by SmartNoise itself; the rows are already bounded
to that many), discrete Laplace noise on the count, and ``censor_dims`` on, which drops keys
whose noisy number of units falls below a threshold set by delta. Keys without any row never
appear. It prints one JSON line: timings, peak RSS and SmartNoise's own privacy cost.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def main() -> None:
    rows_path, out_path, epsilon, delta, max_ids = sys.argv[1:6]
    started = time.perf_counter()
    import pandas as pd
    import snsql

    frame = pd.read_parquet(rows_path)
    loaded = time.perf_counter()
    metadata = {"": {"registry": {"signals": {
        "row_privacy": False,
        "max_ids": int(max_ids),
        "rows": len(frame),
        "pid": {"type": "string", "private_id": True},
        "period": {"type": "string"},
        "unit": {"type": "string"},
        "category": {"type": "string"},
    }}}}
    query = ("SELECT period, unit, category, COUNT(*) AS n FROM registry.signals "
             "GROUP BY period, unit, category")
    target = float(epsilon)
    reader = snsql.from_df(frame, privacy=snsql.Privacy(epsilon=target, delta=float(delta)),
                           metadata=metadata)
    # SmartNoise spends epsilon on the count and again on the per-key unit count it censors
    # keys with, so a query at epsilon 1 costs 2: scale it down until its own odometer says 1.
    cost = reader.get_privacy_cost(query)
    if cost[0] > target:
        reader = snsql.from_df(frame, privacy=snsql.Privacy(epsilon=target * target / cost[0],
                                                            delta=float(delta)), metadata=metadata)
        cost = reader.get_privacy_cost(query)
    result = reader.execute_df(query)
    done = time.perf_counter()
    result.to_parquet(out_path)
    print(json.dumps({
        "seconds": done - started,
        "query_seconds": done - loaded,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "reported_cost": [float(c) for c in cost],
        "rows_out": len(result),
    }))


if __name__ == "__main__":
    main()
