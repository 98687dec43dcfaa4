"""Withdrawing a signal on SQLite: what the file rebuild (``Database.erase_free_space``) costs.

A withdrawal, correction or purge ends with a ``VACUUM`` (why: ``registry/db.py``), so its time
grows with the size of the database file. This stores ``--rows`` signals of the demo's mix in a
fresh SQLite file (``store_many``, as an import would), plus ``--withdrawals`` signals one by one
with a receipt this month, then withdraws those one by one and reports the median and largest
time per withdrawal, and the file size. The same withdrawals without the rebuild are timed too,
on a copy of the file, for comparison.

    .venv/bin/python bench/bench_withdraw.py                  # 100,000 signals, 20 withdrawals
    .venv/bin/python bench/bench_withdraw.py --rows 1000000
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from privacy.pseudonyms import KeyedPseudonymizer
from registry.db import Database
from registry.periods import Month
from registry.records import SignalRecord
from registry.signals import SignalService
from registry.taxonomy import load_taxonomy
from server.demo_data import demo_org, demo_signals
from server.migrations import upgrade

PSEUDONYMIZER = KeyedPseudonymizer(bytes(range(32)))
CHUNK = 10_000
VERSION = load_taxonomy().version


def _fill(path: Path, rows: int, withdrawals: int) -> list[str]:
    """The file with ``rows`` signals; returns the receipts of ``withdrawals`` of this month."""
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    service = SignalService(db, PSEUDONYMIZER, VERSION)
    pool, _ = demo_signals(demo_org(), months=24)
    source = itertools.cycle(pool)
    for start in range(0, rows, CHUNK):
        service.store_many(list(itertools.islice(source, min(CHUNK, rows - start))),
                           receipts=False)
    this_month: list[SignalRecord] = [replace(r, period=Month.current())
                                      for r in itertools.islice(source, withdrawals)]
    receipts = [service.store(record).receipt for record in this_month]
    db.dispose()
    return receipts


def _withdraw_all(path: Path, receipts: list[str], rebuild: bool) -> list[float]:
    db = Database(f"sqlite:///{path}")
    if not rebuild:
        db.erase_free_space = lambda: False  # type: ignore[method-assign]
    service = SignalService(db, PSEUDONYMIZER, VERSION)
    times = []
    for receipt in receipts:
        started = time.perf_counter()
        service.withdraw(receipt)
        times.append(time.perf_counter() - started)
    db.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--withdrawals", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "registry.db"
        started = time.perf_counter()
        receipts = _fill(path, args.rows, args.withdrawals)
        size = path.stat().st_size
        print(f"{args.rows:,} signals stored in {time.perf_counter() - started:.1f} s; "
              f"file {size / 2**20:.1f} MiB; load average {os.getloadavg()[0]:.1f}")
        plain_copy = Path(folder) / "plain.db"
        shutil.copyfile(path, plain_copy)
        for label, file, rebuild in (("with the rebuild (VACUUM)", path, True),
                                     ("without it (secure_delete only)", plain_copy, False)):
            times = _withdraw_all(file, receipts, rebuild)
            print(f"withdrawal {label}: median {statistics.median(times) * 1000:.0f} ms, "
                  f"max {max(times) * 1000:.0f} ms over {len(times)}")
        print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
