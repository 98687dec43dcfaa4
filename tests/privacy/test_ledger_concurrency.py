"""Concurrent spends cannot overspend: 50 threads, a budget for exactly five, five succeed.

Runs on SQLite (file database in WAL mode, BEGIN IMMEDIATE, busy_timeout) and on PostgreSQL
(INSERT ... ON CONFLICT DO NOTHING, then SELECT ... FOR UPDATE).
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import pytest

from privacy.ledger import BudgetExceeded, BudgetLedger
from registry.db import random_id

THREADS = 50


def _race(ledger, consumer, year, epsilon):
    """Start THREADS spends at the same moment; returns (successes, refusals, other errors)."""
    barrier = threading.Barrier(THREADS)

    def attempt(_):
        barrier.wait()
        try:
            with ledger.locked(consumer, year) as session:
                ledger.spend(session, consumer, year, epsilon, random_id())
        except BudgetExceeded:
            return "refused"
        return "spent"

    outcomes = []
    errors = []
    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(attempt, i) for i in range(THREADS)]:
            try:
                outcomes.append(future.result(timeout=120))
            except Exception as exc:  # anything but a refusal is a failure of the test
                errors.append(exc)
    return outcomes.count("spent"), outcomes.count("refused"), errors


@pytest.mark.parametrize("budget_row", ["created by the racers", "set by an admin"])
def test_fifty_concurrent_spends_against_five_allowed(services, budget_row):
    if budget_row == "set by an admin":
        ledger = BudgetLedger(services.db, Fraction(10))
        ledger.set_budget("or:MIN-A", 2026, 1)
    else:
        # No budget row yet: all threads race to create it, then to lock it.
        ledger = BudgetLedger(services.db, Fraction(1))

    spent, refused, errors = _race(ledger, "or:MIN-A", 2026, Fraction(1, 5))

    assert errors == []
    assert (spent, refused) == (5, THREADS - 5)
    rows = ledger.spends("or:MIN-A", 2026)
    assert len(rows) == 5
    assert sum((row.epsilon for row in rows), Fraction(0)) == Fraction(1)
    assert ledger.status("or:MIN-A", 2026).remaining == 0


def test_concurrent_spends_of_other_consumers_do_not_interfere(services):
    ledger = BudgetLedger(services.db, Fraction(1, 2))
    consumers = [f"researcher:p{i}" for i in range(5)]
    barrier = threading.Barrier(len(consumers) * 4)

    def attempt(consumer):
        barrier.wait()
        try:
            with ledger.locked(consumer, 2026) as session:
                ledger.spend(session, consumer, 2026, Fraction(1, 4), random_id())
        except BudgetExceeded:
            return False
        return True

    with ThreadPoolExecutor(len(consumers) * 4) as pool:
        results = list(pool.map(attempt, [c for c in consumers for _ in range(4)]))

    assert results.count(True) == 2 * len(consumers)
    for consumer in consumers:
        assert ledger.status(consumer, 2026).spent == Fraction(1, 2)
