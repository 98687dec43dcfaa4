"""The budget ledger: exact, append-only, per consumer per year, refusals that say what remains."""

import secrets
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from privacy.ledger import (
    BudgetExceeded,
    BudgetLedger,
    BudgetStatus,
    format_epsilon,
    parse_epsilon,
    to_fraction,
)
from privacy.models import BudgetSpend
from registry.db import random_id
from registry.errors import Forbidden, ValidationFailed


@pytest.fixture
def ledger(services):
    return BudgetLedger(services.db, Fraction(1))


def spend(ledger, consumer, year, epsilon):
    with ledger.locked(consumer, year) as session:
        return ledger.spend(session, consumer, year, epsilon, random_id())


def test_default_budget_applies_when_none_is_set(ledger):
    assert ledger.status("or:MIN-A", 2026) == BudgetStatus(Fraction(1), Fraction(0), Fraction(1))


def test_a_tenth_spent_ten_times_is_exactly_one(ledger):
    for _ in range(10):
        spend(ledger, "or:MIN-A", 2026, Fraction(1, 10))
    status = ledger.status("or:MIN-A", 2026)
    assert status.spent == Fraction(1)
    assert status.remaining == 0
    with pytest.raises(BudgetExceeded):
        spend(ledger, "or:MIN-A", 2026, "0.000001")


def test_decimal_text_is_exact_too(ledger):
    for _ in range(3):
        spend(ledger, "gor", 2026, "0.1")
    assert ledger.status("gor", 2026).remaining == Fraction(7, 10)


def test_refusal_says_what_remains_in_dutch(ledger):
    ledger.set_budget("or:MIN-A", 2026, "0.7")
    spend(ledger, "or:MIN-A", 2026, "0.5")
    with pytest.raises(BudgetExceeded) as refused:
        spend(ledger, "or:MIN-A", 2026, "0.5")
    error = refused.value
    assert isinstance(error, Forbidden)
    assert error.status == 403
    assert error.message == "Onvoldoende privacybudget: gevraagd 0.5, resterend 0.2 voor 2026."
    assert [e.field for e in error.errors] == ["epsilon"]
    assert error.remaining == Fraction(1, 5)


def test_refused_spend_writes_nothing(ledger):
    spend(ledger, "or:MIN-A", 2026, "0.9")
    with pytest.raises(BudgetExceeded):
        spend(ledger, "or:MIN-A", 2026, "0.2")
    assert [s.epsilon for s in ledger.spends("or:MIN-A", 2026)] == [Fraction(9, 10)]


def test_budgets_are_per_consumer_and_per_year(ledger):
    ledger.set_budget("researcher:project-x", 2026, 3)
    spend(ledger, "researcher:project-x", 2026, 2)
    assert ledger.status("researcher:project-x", 2026).remaining == 1
    assert ledger.status("researcher:project-x", 2027).remaining == 1  # the default
    assert ledger.status("or:MIN-A", 2026).spent == 0


def test_admin_budget_overrides_default_and_cannot_go_below_spent(ledger):
    spend(ledger, "preventie:MIN-A", 2026, "0.6")
    assert ledger.set_budget("preventie:MIN-A", 2026, 2).remaining == Fraction(7, 5)
    with pytest.raises(ValidationFailed) as refused:
        ledger.set_budget("preventie:MIN-A", 2026, "0.5")
    assert refused.value.errors[0].field == "epsilon"
    assert "0.6" in refused.value.message
    assert ledger.status("preventie:MIN-A", 2026).total == 2


def test_lowered_default_leaves_nothing_rather_than_a_negative_amount(services, ledger):
    spend(ledger, "gor", 2026, "0.8")
    smaller = BudgetLedger(services.db, Fraction(1, 2))
    assert smaller.status("gor", 2026) == BudgetStatus(Fraction(1, 2), Fraction(4, 5), Fraction(0))
    assert smaller.preview("gor", 2026, "0.1") == (False, 0)


def test_preview_spends_nothing(ledger):
    ledger.set_budget("publication:MIN-A", 2026, "0.5")
    allowed, after = ledger.preview("publication:MIN-A", 2026, "0.2")
    assert (allowed, after) == (True, Fraction(3, 10))
    assert ledger.preview("publication:MIN-A", 2026, "0.6") == (False, Fraction(1, 2))
    assert ledger.status("publication:MIN-A", 2026).spent == 0


def test_epsilons_are_stored_as_exact_text(services, ledger):
    spend(ledger, "gor", 2026, Fraction(1, 3))
    spend(ledger, "gor", 2026, "0.125")
    with services.db.session() as session:
        stored = sorted(session.execute(
            text("SELECT epsilon FROM privacy_budget_spends WHERE consumer = 'gor'")).scalars())
    assert stored == ["0.125", "1/3"]


def test_spends_cannot_be_changed_or_deleted(services, ledger):
    spend(ledger, "gor", 2026, "0.5")
    with services.db.session() as session:
        row = session.scalars(select(BudgetSpend)).one()
        row.epsilon = "0"
        with pytest.raises(RuntimeError, match="append-only"):
            session.flush()
        session.rollback()
        session.delete(session.scalars(select(BudgetSpend)).one())
        with pytest.raises(RuntimeError, match="append-only"):
            session.flush()
        session.rollback()
    assert ledger.status("gor", 2026).spent == Fraction(1, 2)


def test_spend_outside_a_locked_transaction_is_refused_on_sqlite(services, ledger):
    if not services.db.is_sqlite:
        pytest.skip("PostgreSQL takes the row lock itself; SQLite needs BEGIN IMMEDIATE")
    with pytest.raises(RuntimeError, match="immediate"), services.db.session() as session:
        ledger.spend(session, "gor", 2026, "0.1", random_id())


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1/0", "", "1e999999999", "1" * 65, "١"])
def test_invalid_epsilons_are_refused(ledger, bad):
    with pytest.raises(ValidationFailed) as refused:
        ledger.preview("gor", 2026, bad)
    assert refused.value.errors[0].field == "epsilon"


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), Decimal("1E+999999999"),
                                 Decimal("1E-999999999")])
def test_unusable_decimals_are_refused(bad):
    with pytest.raises(ValidationFailed):
        to_fraction(bad)


def test_decimals_are_taken_exactly():
    assert to_fraction(Decimal("0.10")) == Fraction(1, 10)


def test_floats_are_refused_because_they_are_not_exact(ledger):
    with pytest.raises(TypeError):
        ledger.preview("gor", 2026, 0.1)


@pytest.mark.parametrize("consumer", ["", "OR:MIN-A", "or:", "or:MIN A", "x" * 121])
def test_invalid_consumers_are_refused(ledger, consumer):
    with pytest.raises(ValidationFailed):
        ledger.status(consumer, 2026)


def test_epsilon_text_is_readable_and_exact():
    assert format_epsilon(Fraction(1, 10)) == "0.1"
    assert format_epsilon(Fraction(1, 8)) == "0.125"
    assert format_epsilon(Fraction(10)) == "10"
    assert format_epsilon(Fraction(1, 3)) == "1/3"
    assert format_epsilon(Fraction(-1, 2)) == "-0.5"
    assert to_fraction("0.30") == Fraction(3, 10)


@given(st.fractions(max_denominator=10**6))
def test_epsilon_text_round_trips(value):
    assert parse_epsilon(format_epsilon(value)) == value


requests = st.lists(
    st.fractions(min_value=Fraction(1, 40), max_value=Fraction(3), max_denominator=40),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(budget=st.fractions(min_value=0, max_value=5, max_denominator=12), asked=requests)
def test_spent_never_exceeds_budget_and_equals_accepted_requests(ledger, budget, asked):
    consumer = f"researcher:h-{secrets.token_hex(6)}"
    ledger.set_budget(consumer, 2026, budget)
    accepted = []
    for epsilon in asked:
        try:
            spend(ledger, consumer, 2026, epsilon)
            accepted.append(epsilon)
        except BudgetExceeded as refused:
            assert refused.remaining < epsilon
        status = ledger.status(consumer, 2026)
        assert status.spent <= budget
        assert status.spent == sum(accepted, Fraction(0))
        assert status.remaining == budget - status.spent
    assert sorted(s.epsilon for s in ledger.spends(consumer, 2026)) == sorted(accepted)
