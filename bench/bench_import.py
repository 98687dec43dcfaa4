"""Benchmark: a spreadsheet import against a plain executemany of the same rows.

    .venv/bin/python bench/bench_import.py                 # 1,000,000 rows, median of 3
    .venv/bin/python bench/bench_import.py --rows 100000 --repeat 1

Generates a CSV in the vertrouwenspersoon-contactregistratie layout (with a name and a free-text
column that the import drops), then on a fresh temporary SQLite database per run times:

- import: read the file, code every row by the mapping, validate every record with
  ``SignalRecord.from_payload`` and store all at once with ``SignalService.store_many``;
- baseline: the same number of signal, category and impact rows, built beforehand, inserted with
  DB-API ``executemany`` in one transaction on the same engine (same pragmas).

The target is import < 3 x baseline.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake_adapters.spreadsheet import import_file, shipped_mappings  # noqa: E402
from intake_adapters.spreadsheet.reader import CLI_LIMITS  # noqa: E402
from privacy.pseudonyms import KeyedPseudonymizer  # noqa: E402
from registry.db import Database  # noqa: E402
from registry.organisations import OrganisationService, parse_org_csv  # noqa: E402
from registry.signals import SignalService  # noqa: E402
from registry.taxonomy import load_taxonomy  # noqa: E402
from server.migrations import upgrade  # noqa: E402

MAPPING = "vertrouwenspersoon-contactregistratie"
ORG_CSV = ROOT / "tests" / "fixtures" / "org-small.csv"
HEADER = "Datum;Naam melder;Afdeling;Onderwerp;Betrokkene;Functie melder;Afhandeling;Gevolgen;Toelichting"


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    """A file the mapping fully accepts: every value comes from the mapping's own keys."""
    mapping = json.loads((ROOT / "intake_adapters" / "mappings" / f"{MAPPING}.json").read_text("utf-8"))
    columns = mapping["columns"]

    def keys(name: str) -> list[str]:
        return [k for k in columns[name]["values"] if k]

    topics, parties = keys("categories"), keys("implicated_party")
    roles, follow, impact = keys("reporter_role"), keys("follow_up"), keys("impact")
    units = [line.split(",")[0] for line in ORG_CSV.read_text().splitlines()[1:]
             if line.split(",")[3] == "MIN-A"]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        for _ in range(rows):
            day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.choice((2023, 2024))
            topic = ";".join(rng.sample(topics, rng.choice((1, 1, 2))))
            gevolgen = rng.choice(("", "", rng.choice(impact)))
            out.write(f"{day:02d}-{month:02d}-{year};N. Naam;{rng.choice(units)};\"{topic}\";"
                      f"{rng.choice(parties)};{rng.choice(roles)};{rng.choice(follow)};"
                      f"{gevolgen};vrije tekst\n")


def fresh_database(folder: Path) -> Database:
    db = Database(f"sqlite:///{folder / (secrets.token_hex(4) + '.db')}")
    upgrade(db.engine)
    OrganisationService(db).replace(parse_org_csv(ORG_CSV.read_text()))
    return db


def run_import(folder: Path, csv_path: Path) -> tuple[float, int, int, int]:
    db = fresh_database(folder)
    taxonomy = load_taxonomy()
    service = SignalService(db, KeyedPseudonymizer(b"\x01" * 32), taxonomy.version)
    org = OrganisationService(db).structure()
    mapping = shipped_mappings(taxonomy)[MAPPING]
    started = time.perf_counter()
    report = import_file(csv_path.read_bytes(), mapping, channel="vp_intern", taxonomy=taxonomy,
                         org=org, signals=service, allowed_organisations=None, dry_run=False,
                         limits=CLI_LIMITS, preview_limit=0)
    elapsed = time.perf_counter() - started
    assert not report.refused and report.stored == report.rows, report.summary()
    with db.engine.connect() as conn:
        categories = conn.exec_driver_sql("SELECT count(*) FROM signal_categories").scalar_one()
        impacts = conn.exec_driver_sql("SELECT count(*) FROM signal_impacts").scalar_one()
    db.dispose()
    return elapsed, report.stored, int(categories), int(impacts)


def run_baseline(folder: Path, signals: int, categories: int, impacts: int) -> float:
    db = fresh_database(folder)
    ids = [secrets.token_hex(16) for _ in range(signals)]
    signal_rows = [(i, "2024-05", "MIN-A", "MIN-A-DG1-D1", "vp_intern", "collega", "medewerker",
                    "advies", None, None, "2026.1") for i in ids]
    category_rows = [(ids[n % signals], ("pesten", "intimidatie")[n // signals])
                     for n in range(categories)]
    impact_rows = [(ids[n], "verzuim") for n in range(impacts)]
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        cursor.execute("BEGIN")
        cursor.executemany(
            "INSERT INTO signals (id, period, organisation, unit, channel, implicated_party, "
            "reporter_role, follow_up, case_pseudonym, receipt_hash, taxonomy_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", signal_rows)
        cursor.executemany("INSERT INTO signal_categories (signal_id, category) VALUES (?, ?)",
                           category_rows)
        cursor.executemany("INSERT INTO signal_impacts (signal_id, impact) VALUES (?, ?)", impact_rows)
        cursor.execute("COMMIT")
        elapsed = time.perf_counter() - started
    finally:
        raw.close()
        db.dispose()
    return elapsed


def median_of(repeat: int, run: Callable[[], float]) -> tuple[float, list[float]]:
    times = [run() for _ in range(repeat)]
    return statistics.median(times), times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "contacts.csv"
        make_csv(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 1_048_576
        print(f"{args.rows:,} rows, {size_mb:.1f} MB CSV, median of {args.repeat}")
        counts: dict[str, int] = {}

        def one_import() -> float:
            elapsed, signals, categories, impacts = run_import(folder, csv_path)
            counts.update(signals=signals, categories=categories, impacts=impacts)
            return elapsed

        imported, import_times = median_of(args.repeat, one_import)
        baseline, base_times = median_of(
            args.repeat, lambda: run_baseline(folder, counts["signals"], counts["categories"],
                                              counts["impacts"]))
    ratio = imported / baseline
    print(f"rows: {counts['signals']:,} signals, {counts['categories']:,} categories, "
          f"{counts['impacts']:,} impacts")
    print(f"import   : {imported:7.2f} s  (runs: {', '.join(f'{t:.2f}' for t in import_times)})")
    print(f"baseline : {baseline:7.2f} s  (runs: {', '.join(f'{t:.2f}' for t in base_times)})")
    print(f"ratio    : {ratio:.2f}x  (target < 3x): {'OK' if ratio < 3 else 'TOO SLOW'}")
    return 0 if ratio < 3 else 1


if __name__ == "__main__":
    sys.exit(main())
