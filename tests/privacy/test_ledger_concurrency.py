"""Concurrent charges never pass a data year's cap or a share: threads and separate processes.

Runs on SQLite (file database, rollback journal, BEGIN IMMEDIATE, busy_timeout) and on PostgreSQL
(the year's cap row inserted with ON CONFLICT DO NOTHING, then locked with SELECT ... FOR
UPDATE, years in order). The caps are the default, rho 0.311064: at rho 0.01 a charge, exactly
31 fit in a year.
"""

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import func, select

from privacy.accounting import Cap
from privacy.ledger import BudgetExceeded, BudgetLedger, format_epsilon
from privacy.models import Allocation, Charge
from registry.db import random_id
from registry.errors import ValidationFailed

CAP = Cap.of()
COST = Fraction(1, 100)
FIT = 31  # floor(0.311064 / 0.01)
THREADS = 40
ROOT = Path(__file__).resolve().parents[2]


def force_share(services, consumer, year, rho):
    """A share written past the ledger's checks: the cap must hold even then."""
    with services.db.session() as session:
        session.merge(Allocation(consumer=consumer, year=year, rho=format_epsilon(Fraction(rho))))


def charged(services, year):
    with services.db.session() as session:
        rows = session.execute(select(Charge.consumer, Charge.rho).where(Charge.year == year)).all()
    total = sum((Fraction(rho) for _, rho in rows), Fraction(0))
    return total, Counter(consumer for consumer, _ in rows)


def race(ledger, attempts):
    """Run every (consumer, years) attempt at the same moment; (outcomes, unexpected errors)."""
    barrier = threading.Barrier(len(attempts))

    def attempt(job):
        consumer, years = job
        barrier.wait()
        try:
            with ledger.locked(years) as session:
                ledger.spend(session, consumer, years, COST, random_id())
        except BudgetExceeded:
            return "refused"
        return "spent"

    outcomes, errors = [], []
    with ThreadPoolExecutor(len(attempts)) as pool:
        for future in [pool.submit(attempt, job) for job in attempts]:
            try:
                outcomes.append(future.result(timeout=120))
            except Exception as exc:  # anything but a refusal fails the test
                errors.append(exc)
    return outcomes, errors


@pytest.mark.parametrize("shares", ["one share of the whole cap", "shares past the cap"])
def test_forty_threads_never_pass_the_cap(services, shares):
    ledger = BudgetLedger(services.db, CAP)
    consumers = ["or:MIN-A", "or:MIN-B", "gor", "research:p"]
    if shares == "one share of the whole cap":
        consumers = ["or:MIN-A"]
        ledger.set_budget("or:MIN-A", 2026, CAP.rho)
    else:
        # Each share alone holds 20 charges, together 80: only the cap stops them.
        for consumer in consumers:
            force_share(services, consumer, 2026, "0.2")

    outcomes, errors = race(ledger, [(consumers[i % len(consumers)], 2026)
                                     for i in range(THREADS)])

    assert errors == []
    assert (outcomes.count("spent"), outcomes.count("refused")) == (FIT, THREADS - FIT)
    total, per_consumer = charged(services, 2026)
    assert total == FIT * COST <= CAP.rho
    assert sum(per_consumer.values()) == FIT
    assert ledger.year(2026).spent == total


def test_charges_spanning_years_race_without_deadlock_or_overspending(services):
    ledger = BudgetLedger(services.db, CAP)
    for consumer in ("or:MIN-A", "gor"):
        for year in (2025, 2026):
            force_share(services, consumer, year, "0.3")  # 30 charges: the caps bind first
    spans = [(2025,), (2026,), (2025, 2026), (2026, 2025)]
    attempts = [(("or:MIN-A", "gor")[i % 2], spans[i % len(spans)]) for i in range(48)]

    outcomes, errors = race(ledger, attempts)

    assert errors == []
    totals = {}
    for year in (2025, 2026):
        total, _ = charged(services, year)
        touching = sum(1 for (_, span), outcome in zip(attempts, outcomes, strict=True)
                       if outcome == "spent" and year in span)
        assert total == touching * COST <= CAP.rho
        totals[year] = total
    # Each year is touched 36 times; a charge is refused only when a year it touches is full,
    # so at least one year is.
    assert max(totals.values()) == FIT * COST


def test_concurrent_shares_together_never_pass_the_cap(services):
    ledger = BudgetLedger(services.db, CAP)
    consumers = [f"research:p{i}" for i in range(8)]
    barrier = threading.Barrier(len(consumers))

    def allocate(consumer):
        barrier.wait()
        try:
            ledger.set_budget(consumer, 2026, "0.1")
        except ValidationFailed:
            return False
        return True

    with ThreadPoolExecutor(len(consumers)) as pool:
        results = list(pool.map(allocate, consumers))

    assert results.count(True) == 3  # 0.3 <= 0.311064 < 0.4
    assert ledger.year(2026).allocated == Fraction(3, 10)


def test_concurrent_charges_of_other_consumers_keep_to_their_shares(services):
    ledger = BudgetLedger(services.db, CAP)
    consumers = [f"research:p{i}" for i in range(5)]
    for consumer in consumers:
        ledger.set_budget(consumer, 2026, Fraction(1, 50))  # two charges each

    outcomes, errors = race(ledger, [(c, 2026) for c in consumers for _ in range(4)])

    assert errors == []
    assert outcomes.count("spent") == 2 * len(consumers)
    for consumer in consumers:
        assert ledger.status(consumer, 2026).spent == Fraction(1, 50)


# -- separate processes, each with its own engine and connections ------------------------------

WORKER = textwrap.dedent("""
    import sys, time
    from fractions import Fraction
    from pathlib import Path
    from privacy.accounting import Cap
    from privacy.ledger import BudgetExceeded, BudgetLedger
    from registry.db import Database, random_id

    url, go, consumer, tries = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    cap = Cap(Fraction(4), Fraction(1, 10**6), Fraction("0.311064"))
    db = Database(url)
    ledger = BudgetLedger(db, cap)
    with db.session() as session:  # connect before the start, not during the race
        pass
    Path(str(go) + "." + consumer + ".ready").touch()
    while not go.exists():
        time.sleep(0.005)
    spent = refused = 0
    for _ in range(tries):
        years = (2025, 2026) if spent % 2 else (2026,)
        try:
            with ledger.locked(years) as session:
                ledger.spend(session, consumer, years, Fraction(1, 100), random_id())
            spent += 1
        except BudgetExceeded:
            refused += 1
    db.dispose()
    print(spent, refused)
""")


def test_processes_charging_at_once_never_pass_the_cap(services, tmp_path):
    consumers = ["or:MIN-A", "or:MIN-B", "gor", "research:p"]
    for consumer in consumers:
        for year in (2025, 2026):
            force_share(services, consumer, year, "0.2")
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", WORKER, services.db.url, str(go), consumer, "12"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        for consumer in consumers]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("go.*.ready"))) < len(consumers):
        assert time.monotonic() < deadline, "workers did not start"
        assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
        time.sleep(0.05)
    go.touch()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
        results.append(tuple(int(n) for n in out.split()))

    assert sum(spent for spent, _ in results) == FIT  # 48 tries, 31 fit in 2026
    assert all(spent + refused == 12 for spent, refused in results)
    ledger = BudgetLedger(services.db, CAP)
    assert ledger.year(2026).spent == charged(services, 2026)[0] == FIT * COST
    assert ledger.year(2025).spent <= CAP.rho
    with services.db.session() as session:
        charges = session.scalar(select(func.count()).select_from(Charge))
    assert charges == FIT + ledger.year(2025).spent / COST
