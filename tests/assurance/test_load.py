"""Load: 100 case systems logging signals for a minute, while figures are asked and read.

``signal-registry serve`` (gunicorn, 2 workers x 4 threads) on a fresh PostgreSQL database of
the shared test server; the clients and checks are ``bench/bench_load.py``'s, which prints the
same figures as a table. Afterwards: every acknowledged signal is stored exactly once and
nothing else is, no answer was a 5xx, and the budget ledger matches the releases exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from bench.bench_load import LoadResult, prepare, run_load, storage_problems
from registry.periods import Month
from registry.records import SignalRecord
from tests.assurance.conftest import LiveServer, Registry

pytestmark = pytest.mark.assurance

CLIENTS = 100
SECONDS = 60.0


def test_a_minute_of_100_clients_loses_nothing_and_never_answers_5xx(
        shared_postgres_url: str, make_registry: Callable[..., Registry],
        start_server: Callable[..., LiveServer], record_property: Callable[[str, object], None],
        capsys: pytest.CaptureFixture[str]) -> None:
    registry = make_registry(shared_postgres_url)
    workload = prepare(registry)
    before = registry.signal_ids()
    server = start_server(registry, workers=2, threads=4)

    result: LoadResult = run_load(server, workload, clients=CLIENTS, seconds=SECONDS)

    with capsys.disabled():  # the figures belong in the log of every run, not only failed ones
        print(f"\nload on PostgreSQL, {CLIENTS} clients, {SECONDS:g} s:\n{result.table()}")
    for name in ("throughput", "p50_ms", "p95_ms", "p99_ms"):
        value = result.throughput if name == "throughput" else result.percentile(float(name[1:3]))
        record_property(name, round(value, 1))
    assert result.server_errors == 0, result.statuses
    assert result.unexpected == [], result.unexpected[:20]
    assert storage_problems(registry, before, result) == []
    # The load was real: intake, questions and reading all happened during the minute.
    assert len(result.acknowledged) >= CLIENTS
    assert result.count("query", 200, 201) > 0
    assert result.count("dashboard", 200) > 0
    assert server.alive()


# The checks above must be able to fail: each is shown a database that disagrees.

def test_the_storage_check_notices_a_lost_and_an_unacknowledged_signal(
        sqlite_url: str, make_registry: Callable[..., Registry]) -> None:
    registry = make_registry(sqlite_url)
    before = registry.signal_ids()
    stored = registry.services.signals.store_many([SignalRecord(
        period=Month.current(), unit="MIN-A-DG2", organisation="MIN-A", channel="bmw",
        categories=("pesten",), implicated_party="collega", reporter_role="medewerker",
        follow_up="advies")], receipts=False)[0]
    told = LoadResult(seconds=1.0, acknowledged={"key-1": "0" * 32})
    assert storage_problems(registry, before, told) == [
        "1 acknowledged signals are not stored", "1 stored signals were never acknowledged"]
    assert storage_problems(registry, before, LoadResult(1.0, acknowledged={"k": stored.id})) == []


def test_the_ledger_check_notices_a_charge_without_release_and_a_release_without_charge(
        sqlite_url: str, make_registry: Callable[..., Registry]) -> None:
    registry = make_registry(sqlite_url)
    services = registry.services
    year = Month.current().year
    services.ledger.set_budget("researcher:a", year, "3/10")  # a share of the cap, in rho
    paid = services.releases.release("researcher:a", "researcher:a", year, {"q": 1}, "1/5",
                                     lambda: {"answer": 1}).release
    assert registry.ledger_problems() == []
    with services.db.engine.begin() as conn:  # behind the ledger's back: charges are append-only
        conn.execute(text("DELETE FROM privacy_charges WHERE release_id = :id"), {"id": paid.id})
        conn.execute(text("INSERT INTO privacy_charges (id, consumer, year, rho, release_id) "
                          "VALUES ('c1', 'researcher:b', :year, '11', 'gone')"), {"year": year})
    problems = registry.ledger_problems()
    assert f"release {paid.id} has no charge" in problems
    assert "charge c1 pays for release gone, which is absent" in problems
    assert f"researcher:b {year} spent 11, over its share of 0" in problems
    cap = services.ledger.cap(year).rho
    assert f"{year} spent 11, over its cap of {cap}" in problems
