"""Bulk insertion: 1,000,000 signals through ``SignalService.store_many`` vs plain sqlite3.

Both paths write the same kind of rows into the same schema (created by the Alembic migrations)
in fresh SQLite files, in transactions of ``--chunk`` signals, with the pragmas the product sets
(rollback journal, secure_delete, synchronous=FULL, foreign keys on; ``registry/db.py``):

* ``store_many``: the product path, ``store_many(records, receipts=False)`` per chunk; the time
  includes what the product does per record (random id, keyed case pseudonym, row dicts).
* ``executemany``: ``sqlite3`` ``executemany`` of rows prepared beforehand with the same
  functions (``random_id``, ``case_pseudonym``); only the inserts are timed. How long preparing
  those rows took is reported beside it.

Records are drawn from the demo generator's realistic mix (about 8% carry a case token).

    .venv/bin/python bench/bench_bulk_insert.py                 # 1,000,000 rows, median of 3
    .venv/bin/python bench/bench_bulk_insert.py --rows 100000 --profile   # where the time goes
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import pstats
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from privacy.pseudonyms import KeyedPseudonymizer
from registry.db import Database, random_id
from registry.records import SignalRecord
from registry.signals import SignalService
from registry.taxonomy import load_taxonomy
from server.demo_data import demo_org, demo_signals
from server.migrations import upgrade

PSEUDONYMIZER = KeyedPseudonymizer(bytes(range(32)))
VERSION = load_taxonomy().version
SIGNAL_COLUMNS = ("id", "period", "organisation", "unit", "channel", "implicated_party",
                  "reporter_role", "follow_up", "case_pseudonym", "receipt_hash",
                  "taxonomy_version")


def records(total: int) -> Iterator[SignalRecord]:
    pool, _ = demo_signals(demo_org(), months=24)
    return itertools.islice(itertools.cycle(pool), total)


def chunks(total: int, size: int) -> Iterator[list[SignalRecord]]:
    source = records(total)
    while chunk := list(itertools.islice(source, size)):
        yield chunk


def fresh_db(folder: Path, name: str) -> str:
    url = f"sqlite:///{folder / name}"
    db = Database(url)
    upgrade(db.engine)
    db.dispose()
    return url


@dataclass
class Timing:
    """Wall-clock and CPU seconds of this process (CPU time is steadier on a busy machine)."""

    wall: float = 0.0
    cpu: float = 0.0

    @contextmanager
    def measure(self) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu


def run_store_many(folder: Path, total: int, size: int) -> Timing:
    db = Database(fresh_db(folder, "store_many.db"))
    service = SignalService(db, PSEUDONYMIZER, VERSION)
    batches = list(chunks(total, size))
    timing = Timing()
    with timing.measure():
        for batch in batches:
            service.store_many(batch, receipts=False)
    assert service.count() == total
    db.dispose()
    return timing


def prepared_rows(batch: list[SignalRecord]) -> tuple[list[tuple], list[tuple], list[tuple]]:
    signals, categories, impacts = [], [], []
    for record in batch:
        signal_id = random_id()
        case = (PSEUDONYMIZER.case_pseudonym(record.case_token, record.period.year)
                if record.case_token else None)
        signals.append((signal_id, str(record.period), record.organisation, record.unit,
                        record.channel, record.implicated_party, record.reporter_role,
                        record.follow_up, case, None, VERSION))
        categories.extend((signal_id, c) for c in record.categories)
        impacts.extend((signal_id, i) for i in record.impact)
    return signals, categories, impacts


def run_executemany(folder: Path, total: int, size: int) -> tuple[Timing, Timing]:
    path = fresh_db(folder, "executemany.db").split("///", 1)[1]
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=DELETE", "secure_delete=ON", "foreign_keys=ON", "synchronous=FULL"):
        connection.execute(f"PRAGMA {pragma}")
    columns = ", ".join(SIGNAL_COLUMNS)
    marks = ", ".join("?" * len(SIGNAL_COLUMNS))
    insert_signal = f"INSERT INTO signals ({columns}) VALUES ({marks})"  # noqa: S608 - constants
    preparing, inserting = Timing(), Timing()
    for batch in chunks(total, size):
        with preparing.measure():
            signals, categories, impacts = prepared_rows(batch)
        with inserting.measure():
            connection.execute("BEGIN")
            connection.executemany(insert_signal, signals)
            connection.executemany(
                "INSERT INTO signal_categories (signal_id, category) VALUES (?, ?)", categories)
            connection.executemany(
                "INSERT INTO signal_impacts (signal_id, impact) VALUES (?, ?)", impacts)
            connection.execute("COMMIT")
    assert connection.execute("SELECT count(*) FROM signals").fetchone()[0] == total
    connection.close()
    return inserting, preparing


def profile(total: int, size: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        profiler = cProfile.Profile()
        profiler.enable()
        run_store_many(Path(folder), total, size)
        profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
    stats.print_stats(35)
    stats.sort_stats("tottime").print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true",
                        help="profile one store_many run of --rows instead of timing")
    args = parser.parse_args()
    if args.profile:
        profile(args.rows, args.chunk)
        return
    product: list[Timing] = []
    raw: list[Timing] = []
    prep: list[Timing] = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as folder:
            product.append(run_store_many(Path(folder), args.rows, args.chunk))
            inserting, preparing = run_executemany(Path(folder), args.rows, args.chunk)
            raw.append(inserting)
            prep.append(preparing)
        print(f"run {run}: store_many {product[-1].wall:.1f} s (cpu {product[-1].cpu:.1f}), "
              f"executemany {raw[-1].wall:.1f} s (cpu {raw[-1].cpu:.1f}) "
              f"+ {prep[-1].wall:.1f} s preparing its rows "
              f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    p, r, q = (Timing(statistics.median(t.wall for t in x), statistics.median(t.cpu for t in x))
               for x in (product, raw, prep))
    print(f"\n{args.rows:,} signals in chunks of {args.chunk:,}, median of {args.runs}:")
    print(f"  store_many(receipts=False): {p.wall:.1f} s wall, {p.cpu:.1f} s cpu "
          f"({args.rows / p.wall:,.0f} signals/s)")
    print(f"  sqlite3 executemany:        {r.wall:.1f} s wall, {r.cpu:.1f} s cpu "
          f"({args.rows / r.wall:,.0f} signals/s); preparing ids and pseudonyms "
          f"{q.wall:.1f} s wall, {q.cpu:.1f} s cpu")
    print(f"  ratio store_many / executemany: {p.wall / r.wall:.2f} wall, {p.cpu / r.cpu:.2f} cpu; "
          f"against executemany plus preparation: {p.wall / (r.wall + q.wall):.2f} wall, "
          f"{p.cpu / (r.cpu + q.cpu):.2f} cpu")

if __name__ == "__main__":
    main()
