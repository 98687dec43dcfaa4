"""Benchmark: server time of the prevention dashboard's pages on a registry of a million signals.

    .venv/bin/python bench/bench_dashboard.py [--signals 1000000] [--requests 30] [--db PATH]
    .venv/bin/python bench/bench_dashboard.py --database-url postgresql://... --organisation MIN0

Without ``--database-url`` a SQLite file with ``--signals`` synthetic signals of one year is
built (``synthetic.build_database``, about 200 units in four ministries) or reused when it
already holds that many. With ``--database-url`` an existing registry is used as it is (it must
hold the organisation structure and signals; the schema is upgraded if needed).

Then the release plan's closed periods of ``--year`` are published (skipped when already
published), a preventiemedewerker of ``--organisation`` signs in, and every dashboard page is requested with
the Flask test client: the first request (the process has not read the releases yet), then
``--requests`` with the page cache emptied before each (new filters: figures computed from the
parsed releases) and ``--requests`` repeats (same filters: cached figures, page rendered), each
with its median and 95th percentile. The test
client calls the app in-process, so the time is the server's time without a network. The load
average is printed with the table, because a busy machine moves every figure.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

DEFAULT_DB = Path(tempfile.gettempdir()) / "signal-registry-bench" / "dashboard.db"
PAGES = (
    ("trends", "/dashboard/"),
    ("trends, unit + quarter", "/dashboard/?unit={unit}&grain=quarter"),
    ("units + flags", "/dashboard/eenheden"),
    ("comparison", "/dashboard/vergelijking"),
    ("comparison, 1 category", "/dashboard/vergelijking?category=pesten&reference=organisation"),
    ("follow-up", "/dashboard/opvolging"),
    ("CSV heat map", "/dashboard/cijfers/heatmap.csv"),
)


def _app(database_url: str, data_dir: Path):  # type: ignore[no-untyped-def]
    from server.app import create_app
    from server.migrations import upgrade

    app = create_app({"database_url": database_url, "mode": "test",
                      "master_secret": secrets.token_hex(32), "data_dir": str(data_dir),
                      "secret_key": secrets.token_hex(16), "secure_cookies": False,
                      "csrf": False})
    upgrade(app.extensions["signal_registry"].db.engine)
    return app


def _publish(services, organisation: str, year: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Publish the release plan's closed periods of ``year`` (for every organisation at once:
    the plan measures all organisations in one release per period)."""
    started = time.perf_counter()
    made = services.plans.publish_due([year])
    return len(made), time.perf_counter() - started


def _sign_in(app, services, organisation: str):  # type: ignore[no-untyped-def]
    username = f"bench-preventie-{secrets.token_hex(3)}"
    _, password = services.accounts.create_user(username, "preventiemedewerker",
                                                organisation=organisation)
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed with status {response.status_code}")
    return client


def _time(client, url: str, n: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """First request, then ``n`` with the page cache emptied first, then ``n`` repeats."""
    from dashboards.prevention.views import _sections

    def once() -> tuple[float, float, int]:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return elapsed, cpu, len(response.data)

    first, _, size = once()
    uncached = []
    for _ in range(n):
        _sections.clear()  # new filters: the figures are computed from the parsed releases
        uncached.append(once())
    cached = [once() for _ in range(n)]
    return {"first": first, "uncached": uncached, "cached": cached, "size": size}


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--database-url", help="use this registry as it is instead of --db")
    parser.add_argument("--organisation", default="MIN0")
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()

    from sqlalchemy import text

    from registry.taxonomy import load_taxonomy

    started = time.perf_counter()
    if args.database_url:
        url = args.database_url
    else:
        from synthetic import build_database

        args.db.parent.mkdir(parents=True, exist_ok=True)
        engine, _ = build_database(args.db, load_taxonomy(), args.signals)
        engine.dispose()
        url = f"sqlite:///{args.db}"
    with tempfile.TemporaryDirectory() as data_dir:
        app = _app(url, Path(data_dir))
        services = app.extensions["signal_registry"]
        with services.db.engine.connect() as conn:
            n_signals = conn.execute(text("SELECT count(*) FROM signals")).scalar_one()
        print(f"registry ready in {time.perf_counter() - started:.1f} s: {n_signals:,} signals")
        made, seconds = _publish(services, args.organisation, args.year)
        print(f"published {made} new periods of the plan for {args.year} in {seconds:.1f} s")
        org = services.org()
        unit = next(c for c in org.children(args.organisation))
        client = _sign_in(app, services, args.organisation)
        query = f"organisation={args.organisation}&from={args.year}-01&to={args.year}-12"
        rows = []
        for name, path in PAGES:
            url_path = path.format(unit=unit)
            url_path += ("&" if "?" in url_path else "?") + query
            rows.append((name, _time(client, url_path, args.requests)))
        services.db.dispose()
    released = sum(1 for u in org.units_of(args.organisation))
    print(f"\n{args.organisation}: {released} units, 12 published months; {args.requests} requests "
          f"per page after one cold request; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    print("first: the first request of the process (releases read and parsed); uncached: "
          "figures computed afresh; cached: the same filters again. Milliseconds: wall-clock "
          "median and p95, and the median CPU time of this process (the steadier figure on a "
          "busy machine).")
    print(f"{'page':<24}{'first':>7} | {'uncached':>8}{'p95':>6}{'cpu':>6} | {'cached':>6}"
          f"{'p95':>6}{'cpu':>6} |{'KiB':>5}")
    for name, t in rows:
        print(f"{name:<24}{t['first'] * 1000:>7.0f} | {_ms(t['uncached'], 0, 0.5):>8}"
              f"{_ms(t['uncached'], 0, 0.95):>6}{_ms(t['uncached'], 1, 0.5):>6} | "
              f"{_ms(t['cached'], 0, 0.5):>6}{_ms(t['cached'], 0, 0.95):>6}"
              f"{_ms(t['cached'], 1, 0.5):>6} |{t['size'] / 1024:>5.0f}")
    slowest = max(statistics.median(x[0] for x in t["uncached"]) for _, t in rows)
    slowest_cpu = max(statistics.median(x[1] for x in t["uncached"]) for _, t in rows)
    print(f"\nslowest uncached median: {slowest * 1000:.0f} ms wall, {slowest_cpu * 1000:.0f} ms "
          "CPU (target < 300 ms)")


def _ms(samples: list[tuple[float, float, int]], column: int, p: float) -> str:
    return f"{_percentile([s[column] for s in samples], p) * 1000:.0f}"


if __name__ == "__main__":
    main()
