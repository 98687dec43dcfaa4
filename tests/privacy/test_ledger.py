"""The capped ledger: one cap per data year for every release and consumer together, shares of it,
exact Fractions, append-only charges and a public log of cap changes."""

import itertools
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from privacy.accounting import Cap, epsilon_at
from privacy.ledger import (
    BudgetExceeded,
    BudgetLedger,
    BudgetStatus,
    format_epsilon,
    parse_epsilon,
    to_fraction,
)
from privacy.models import Allocation, CapChange, Charge, YearCap
from registry.db import random_id
from registry.errors import Forbidden, ValidationFailed

CAP = Cap.of()  # epsilon 4 at delta 1e-6: rho 0.311064
CAP_RHO = Fraction("0.311064")
TODAY = date(2026, 3, 15)


class Today(date):
    @classmethod
    def today(cls):
        return TODAY


@pytest.fixture
def ledger(services):
    return BudgetLedger(services.db, CAP, today=Today)


def spend(ledger, consumer, years, rho, release_id=None):
    with ledger.locked(years) as session:
        return ledger.spend(session, consumer, years, rho, release_id or random_id())


def force_share(services, consumer, year, rho):
    """Write a share past every check, as a hand-edited or migrated database might hold it."""
    with services.db.session() as session:
        session.merge(Allocation(consumer=consumer, year=year, rho=format_epsilon(Fraction(rho))))


def charge_count(services):
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(Charge))


# -- shares: none by default ------------------------------------------------------------------


def test_a_new_consumer_has_no_share_and_can_spend_nothing(services, ledger):
    assert ledger.status("or:MIN-A", 2026) == BudgetStatus(Fraction(0), Fraction(0), Fraction(0))
    with pytest.raises(BudgetExceeded) as refused:
        spend(ledger, "or:MIN-A", 2026, "0.01")
    error = refused.value
    assert isinstance(error, Forbidden)
    assert error.status == 403
    assert error.message == (
        "Onvoldoende privacybudget: deze vraag kost rho 0,01, er resteert rho 0 van het aandeel "
        "voor gegevensjaar 2026. Zonder toegekend aandeel kunnen geen nieuwe cijfers worden "
        "gemaakt.")
    assert [e.field for e in error.errors] == ["epsilon"]
    assert (error.consumer, error.year, error.requested, error.remaining) == (
        "or:MIN-A", 2026, Fraction(1, 100), 0)
    assert charge_count(services) == 0
    assert ledger.preview("or:MIN-A", 2026, "0.01") == (False, 0)


def test_a_share_is_spent_exactly_a_hundredth_at_a_time(ledger):
    ledger.set_budget("or:MIN-A", 2026, "0.1")
    for _ in range(10):
        spend(ledger, "or:MIN-A", 2026, "0.01")
    status = ledger.status("or:MIN-A", 2026)
    assert status == BudgetStatus(Fraction(1, 10), Fraction(1, 10), Fraction(0))
    assert type(status.spent) is Fraction
    with pytest.raises(BudgetExceeded):
        spend(ledger, "or:MIN-A", 2026, "0.000001")


def test_thirds_add_up_exactly_and_are_stored_as_exact_text(services, ledger):
    ledger.set_budget("gor", 2026, Fraction(1, 10))
    for _ in range(3):
        spend(ledger, "gor", 2026, Fraction(1, 30))
    assert ledger.status("gor", 2026).remaining == 0
    with services.db.session() as session:
        stored = session.execute(text("SELECT rho FROM privacy_charges")).scalars().all()
        share = session.execute(text("SELECT rho FROM privacy_allocations")).scalar_one()
    assert stored == ["1/30"] * 3
    assert share == "0.1"


def test_refusal_of_a_share_says_in_dutch_what_remains(ledger):
    ledger.set_budget("or:MIN-A", 2026, "0.07")
    spend(ledger, "or:MIN-A", 2026, "0.05")
    with pytest.raises(BudgetExceeded) as refused:
        spend(ledger, "or:MIN-A", 2026, "0.05")
    assert refused.value.message == (
        "Onvoldoende privacybudget: deze vraag kost rho 0,05, er resteert rho 0,02 van het "
        "aandeel voor gegevensjaar 2026.")
    assert refused.value.remaining == Fraction(1, 50)


def test_a_refused_spend_writes_nothing(services, ledger):
    ledger.set_budget("or:MIN-A", 2026, "0.09")
    spend(ledger, "or:MIN-A", 2026, "0.05")
    before = ledger.year(2026)
    with pytest.raises(BudgetExceeded):
        spend(ledger, "or:MIN-A", 2026, "0.05")
    assert ledger.year(2026) == before
    assert [s.rho for s in ledger.spends("or:MIN-A", 2026)] == [Fraction(1, 20)]


def test_shares_are_per_consumer_and_per_data_year(ledger):
    ledger.set_budget("research:project-x", 2026, "0.05")
    spend(ledger, "research:project-x", 2026, "0.02")
    assert ledger.status("research:project-x", 2026).remaining == Fraction(3, 100)
    assert ledger.status("research:project-x", 2027).total == 0
    assert ledger.status("or:MIN-A", 2026).total == 0
    assert ledger.statuses(["research:project-x", "or:MIN-A"], 2026) == {
        "research:project-x": BudgetStatus(Fraction(1, 20), Fraction(1, 50), Fraction(3, 100)),
        "or:MIN-A": BudgetStatus(Fraction(0), Fraction(0), Fraction(0)),
    }


def test_shares_together_never_exceed_the_cap(ledger):
    ledger.set_budget("plan", 2026, "0.201")
    ledger.set_budget("gor", 2026, "0.1")
    with pytest.raises(ValidationFailed) as refused:
        ledger.set_budget("or:MIN-A", 2026, "0.010065")
    assert refused.value.errors[0].field == "rho"
    assert refused.value.message == ("Het jaarplafond van 2026 (rho 0,311064, epsilon 4) laat nog "
                                     "rho 0,010064 toe te kennen.")
    assert ledger.status("or:MIN-A", 2026).total == 0
    # Exactly the rest fits; replacing a share counts the new share, not both.
    assert ledger.set_budget("or:MIN-A", 2026, "0.010064").total == Fraction("0.010064")
    ledger.set_budget("gor", 2026, "0.05")
    ledger.set_budget("gor", 2026, "0.1")
    assert ledger.year(2026).allocated == CAP_RHO


def test_a_share_cannot_go_below_what_is_spent(ledger):
    ledger.set_budget("preventie:MIN-A", 2026, "0.1")
    spend(ledger, "preventie:MIN-A", 2026, "0.06")
    assert ledger.set_budget("preventie:MIN-A", 2026, "0.08").remaining == Fraction(1, 50)
    with pytest.raises(ValidationFailed) as refused:
        ledger.set_budget("preventie:MIN-A", 2026, "0.05")
    assert refused.value.errors[0].field == "rho"
    assert "rho 0,06" in refused.value.message
    assert ledger.status("preventie:MIN-A", 2026).total == Fraction(2, 25)
    assert ledger.set_budget("preventie:MIN-A", 2026, "0.06").remaining == 0


@pytest.mark.parametrize("bad", ["-0.1", "1/" + "7" * 70])
def test_a_share_is_not_negative_or_endless(ledger, bad):
    with pytest.raises(ValidationFailed) as refused:
        ledger.set_budget("gor", 2026, bad)
    assert refused.value.errors[0].field == "rho"


def test_ensure_budget_raises_a_share_but_never_lowers_it(ledger):
    assert ledger.ensure_budget("plan", 2026, Fraction("0.201")).total == Fraction("0.201")
    ledger.set_budget("plan", 2026, "0.25")
    assert ledger.ensure_budget("plan", 2026, Fraction("0.201")).total == Fraction(1, 4)


def test_a_zero_share_can_be_given_and_spends_nothing(ledger):
    assert ledger.set_budget("gor", 2026, 0) == BudgetStatus(Fraction(0), Fraction(0), Fraction(0))
    assert ledger.preview("gor", 2026, "0.000001") == (False, 0)


# -- the cap holds whatever the shares say -----------------------------------------------------


def test_the_cap_is_enforced_on_every_charge_even_past_the_shares(services, ledger):
    # Shares that add up to more than the cap cannot be given, but the cap must hold anyway.
    force_share(services, "or:MIN-A", 2026, "0.3")
    force_share(services, "or:MIN-B", 2026, "0.3")
    spend(ledger, "or:MIN-A", 2026, "0.3")
    with pytest.raises(BudgetExceeded) as refused:
        spend(ledger, "or:MIN-B", 2026, "0.02")
    assert refused.value.message == (
        "Onvoldoende privacybudget: deze vraag kost rho 0,02, er resteert rho 0,011064 van het "
        "jaarplafond voor gegevensjaar 2026.")
    assert ledger.preview("or:MIN-B", 2026, "0.02") == (False, Fraction("0.011064"))
    spend(ledger, "or:MIN-B", 2026, "0.011064")
    with pytest.raises(BudgetExceeded):
        spend(ledger, "or:MIN-B", 2026, "0.000001")
    assert ledger.year(2026).spent == CAP_RHO


# -- a charge spanning data years --------------------------------------------------------------


def test_a_charge_spanning_two_years_is_charged_to_both(ledger):
    ledger.set_budget("research:p", 2025, "0.1")
    ledger.set_budget("research:p", 2026, "0.05")
    after = spend(ledger, "research:p", (2026, 2025), "0.04", release_id="r1")
    assert after == BudgetStatus(Fraction(1, 20), Fraction(1, 25), Fraction(1, 100))  # the tightest
    for year in (2025, 2026):
        assert [(s.release_id, s.year, s.rho) for s in ledger.spends("research:p", year)] == [
            ("r1", year, Fraction(1, 25))]
    assert ledger.preview("research:p", (2025, 2026), "0.01") == (True, 0)
    assert ledger.preview("research:p", (2025, 2026), "0.02") == (False, Fraction(1, 100))


def test_a_charge_spanning_two_years_is_refused_if_either_is_short(services, ledger):
    ledger.set_budget("research:p", 2025, "0.1")
    ledger.set_budget("research:p", 2026, "0.03")
    before = {year: ledger.year(year) for year in (2025, 2026)}
    with pytest.raises(BudgetExceeded) as refused:
        spend(ledger, "research:p", (2025, 2026), "0.04")
    assert refused.value.year == 2026
    assert "gegevensjaar 2026" in refused.value.message
    assert {year: ledger.year(year) for year in (2025, 2026)} == before
    assert charge_count(services) == 0
    # The same when the earlier year is the short one (it is checked first).
    ledger.set_budget("research:q", 2025, "0.01")
    ledger.set_budget("research:q", 2026, "0.1")
    with pytest.raises(BudgetExceeded) as refused:
        spend(ledger, "research:q", (2025, 2026), "0.02")
    assert refused.value.year == 2025
    assert charge_count(services) == 0


def test_a_charge_spanning_years_is_refused_when_one_years_cap_is_full(services, ledger):
    force_share(services, "gor", 2026, "0.311064")
    force_share(services, "or:MIN-A", 2026, "0.1")
    ledger.set_budget("or:MIN-A", 2025, "0.1")
    spend(ledger, "gor", 2026, "0.311064")
    with pytest.raises(BudgetExceeded) as refused:
        spend(ledger, "or:MIN-A", (2025, 2026), "0.01")
    assert "jaarplafond voor gegevensjaar 2026" in refused.value.message
    assert ledger.status("or:MIN-A", 2025).spent == 0


def test_a_release_charges_each_year_once(services, ledger):
    ledger.set_budget("gor", 2026, "0.1")
    spend(ledger, "gor", (2026, 2026), "0.01", release_id="same")
    assert ledger.status("gor", 2026).spent == Fraction(1, 100)
    with pytest.raises(IntegrityError):
        spend(ledger, "gor", 2026, "0.01", release_id="same")
    assert ledger.status("gor", 2026).spent == Fraction(1, 100)


def test_a_charge_names_its_release_and_touches_a_year(ledger):
    ledger.set_budget("gor", 2026, "0.1")
    with pytest.raises(ValueError), ledger.locked(2026) as session:
        ledger.spend(session, "gor", 2026, "0.01", "")
    with pytest.raises(ValueError):
        spend(ledger, "gor", (), "0.01")


# -- reading: preview, year, years -------------------------------------------------------------


def test_preview_spends_nothing(ledger):
    ledger.set_budget("or:MIN-A", 2026, "0.05")
    assert ledger.preview("or:MIN-A", 2026, "0.02") == (True, Fraction(3, 100))
    assert ledger.preview("or:MIN-A", 2026, "0.06") == (False, Fraction(1, 20))
    assert ledger.status("or:MIN-A", 2026).spent == 0


def test_a_year_shows_cap_shares_spends_and_its_epsilon(ledger):
    ledger.set_budget("plan", 2026, "0.201")
    ledger.set_budget("or:MIN-A", 2026, "0.05")
    spend(ledger, "plan", 2026, "0.1")
    spend(ledger, "or:MIN-A", 2026, "0.02")
    year = ledger.year(2026)
    assert year.cap == CAP
    assert (year.allocated, year.spent) == (Fraction("0.251"), Fraction("0.12"))
    assert year.as_json() == {
        "year": 2026,
        "cap": {"epsilon": "4", "delta": "1e-06", "rho": "0.311064"},
        "allocated": {"rho": "0.251"},
        "spent": {"rho": "0.12", "epsilon": round(epsilon_at(Fraction("0.12")), 4)},
        "allocations": [{"consumer": "or:MIN-A", "rho": "0.05", "spent": "0.02",
                         "epsilon": round(epsilon_at(Fraction("0.05")), 4)},
                        {"consumer": "plan", "rho": "0.201", "spent": "0.1",
                         "epsilon": round(epsilon_at(Fraction("0.201")), 4)}],
        "cap_changes": [],
    }
    assert 0 < year.as_json()["spent"]["epsilon"] < 4


def test_an_untouched_year_shows_the_configured_cap_and_nothing_else(ledger):
    assert ledger.year(2030).as_json() == {
        "year": 2030, "cap": {"epsilon": "4", "delta": "1e-06", "rho": "0.311064"},
        "allocated": {"rho": "0"}, "spent": {"rho": "0", "epsilon": 0.0},
        "allocations": [], "cap_changes": []}
    assert ledger.years() == []


def test_years_lists_every_year_with_a_cap_share_or_charge(services, ledger):
    ledger.set_budget("gor", 2026, "0.1")
    spend(ledger, "gor", 2026, "0.01")
    ledger.set_cap(2024, Cap.of(3), "Lager plafond voor een oud jaar")
    force_share(services, "gor", 2031, "0")
    assert ledger.years() == [2024, 2026, 2031]
    assert ledger.recorded_consumers(2026) == ["gor"]


def test_a_written_cap_stays_when_the_configured_cap_changes(services, ledger):
    ledger.set_budget("gor", 2026, "0.1")  # writes 2026's cap: the configured epsilon 4
    other = BudgetLedger(services.db, Cap.of(5))
    assert other.cap(2026) == CAP
    assert other.cap(2027) == Cap.of(5)
    assert other.year(2026).as_json()["cap"]["epsilon"] == "4"


# -- cap changes: logged, public, never below what is allocated --------------------------------


def test_a_cap_change_is_logged_and_shown(ledger):
    ledger.set_budget("plan", 2026, "0.201")
    assert ledger.set_cap(2026, Cap.of(5), "  Besluit van de stuurgroep, maart 2026  ") == Cap.of(5)
    assert ledger.cap(2026) == Cap.of(5)
    ledger.set_budget("gor", 2026, "0.2")  # room the raise made
    year = ledger.year(2026)
    assert [c.as_json() for c in year.changes] == [{
        "year": 2026, "changed_on": "2026-03-15", "previous_epsilon": "4", "epsilon": "5",
        "delta": "1e-06", "reason": "Besluit van de stuurgroep, maart 2026"}]
    assert year.as_json()["cap"] == {"epsilon": "5", "delta": "1e-06", "rho": "0.463064"}
    assert year.as_json()["cap_changes"] == [c.as_json() for c in year.changes]


def test_cap_changes_of_one_day_keep_their_order(ledger):
    ledger.set_cap(2026, Cap.of(6), "Eerst verhoogd tot 6")
    ledger.set_cap(2026, Cap.of(5), "Daarna verlaagd tot 5")
    ledger.set_cap(2026, Cap.of(3), "Tot slot verlaagd tot 3")
    changes = ledger.year(2026).changes
    assert [(c.previous_epsilon, c.epsilon) for c in changes] == [
        (Fraction(4), Fraction(6)), (Fraction(6), Fraction(5)), (Fraction(5), Fraction(3))]


def test_a_cap_cannot_go_below_what_is_allocated(ledger):
    ledger.set_budget("plan", 2026, "0.201")
    with pytest.raises(ValidationFailed) as refused:
        ledger.set_cap(2026, Cap.of(3), "Verlagen naar 3")  # rho 0.185069
    assert refused.value.errors[0].field == "epsilon"
    assert refused.value.message == ("Het plafond kan niet lager zijn dan wat al is toegekend "
                                     "(rho 0,201).")
    assert ledger.cap(2026) == CAP
    assert ledger.year(2026).changes == ()
    ledger.set_budget("plan", 2026, "0.18")
    ledger.set_cap(2026, Cap.of(3), "Verlagen naar 3")
    assert ledger.cap(2026).rho == Fraction("0.185069")


@pytest.mark.parametrize("reason", ["", "  x ", "x" * 201])
def test_a_cap_change_needs_a_public_reason(ledger, reason):
    with pytest.raises(ValidationFailed) as refused:
        ledger.set_cap(2026, Cap.of(5), reason)
    assert refused.value.errors[0].field == "reason"
    assert ledger.year(2026).changes == ()


def test_cap_changes_and_charges_cannot_be_changed_or_deleted(services, ledger):
    ledger.set_budget("gor", 2026, "0.1")
    spend(ledger, "gor", 2026, "0.05")
    ledger.set_cap(2026, Cap.of(5), "Besluit van de stuurgroep")
    for model, column, value in ((Charge, "rho", "0"), (CapChange, "epsilon", "40")):
        with services.db.session() as session:
            row = session.scalars(select(model)).one()
            setattr(row, column, value)
            with pytest.raises(RuntimeError, match="append-only"):
                session.flush()
            session.rollback()
            session.delete(session.scalars(select(model)).one())
            with pytest.raises(RuntimeError, match="append-only"):
                session.flush()
            session.rollback()
    assert ledger.status("gor", 2026).spent == Fraction(1, 20)
    assert len(ledger.year(2026).changes) == 1


def test_the_cap_row_is_written_once_with_the_configured_cap(services, ledger):
    ledger.set_budget("gor", 2026, "0.1")
    spend(ledger, "gor", 2026, "0.01")
    with services.db.session() as session:
        rows = session.scalars(select(YearCap)).all()
        assert [(r.year, r.epsilon, r.delta, r.rho) for r in rows] == [
            (2026, "4", "0.000001", "0.311064")]


# -- input ------------------------------------------------------------------------------------


def test_spend_outside_a_locked_transaction_is_refused_on_sqlite(services, ledger):
    if not services.db.is_sqlite:
        pytest.skip("PostgreSQL takes the row lock itself; SQLite needs BEGIN IMMEDIATE")
    with pytest.raises(RuntimeError, match="immediate"), services.db.session() as session:
        ledger.spend(session, "gor", 2026, "0.1", random_id())


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1/0", "", "1e999999999", "1" * 65, "١"])
def test_invalid_amounts_are_refused(ledger, bad):
    with pytest.raises(ValidationFailed) as refused:
        ledger.preview("gor", 2026, bad)
    assert refused.value.errors[0].field == "rho"


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
    with pytest.raises(TypeError):
        ledger.set_budget("gor", 2026, 0.1)


@pytest.mark.parametrize("consumer", ["", "OR:MIN-A", "or:", "or:MIN A", "x" * 121])
def test_invalid_consumers_are_refused(ledger, consumer):
    with pytest.raises(ValidationFailed):
        ledger.status(consumer, 2026)
    with pytest.raises(ValidationFailed):
        ledger.set_budget(consumer, 2026, "0.1")


@pytest.mark.parametrize("year", [1999, 10000, True, "2026"])
def test_invalid_years_are_refused(ledger, year):
    with pytest.raises(ValidationFailed):
        ledger.status("gor", year)
    with pytest.raises(ValidationFailed):
        ledger.preview("gor", year, "0.1")


def test_amount_text_is_readable_and_exact():
    assert format_epsilon(Fraction(1, 10)) == "0.1"
    assert format_epsilon(Fraction("0.311064")) == "0.311064"
    assert format_epsilon(Fraction(10)) == "10"
    assert format_epsilon(Fraction(1, 3)) == "1/3"
    assert format_epsilon(Fraction(-1, 2)) == "-0.5"
    assert to_fraction("0.30") == Fraction(3, 10)


@given(st.fractions(max_denominator=10**6))
def test_amount_text_round_trips(value):
    assert parse_epsilon(format_epsilon(value)) == value


# -- the property: any mix of shares, spends and caps ------------------------------------------

CONSUMERS = ("plan", "gor", "research:p")
CAPS = {epsilon: Cap.of(epsilon) for epsilon in (3, 4, 5)}
shares = st.one_of(
    st.fractions(min_value=Fraction(1, 1000), max_value=Fraction(1, 5), max_denominator=1000),
    st.sampled_from([Fraction(0), Fraction(1, 7), Fraction("0.111064"), Fraction("0.2")]),
)
costs = st.one_of(
    st.fractions(min_value=Fraction(1, 1000), max_value=Fraction(1, 20), max_denominator=1000),
    st.sampled_from([Fraction(1, 30), Fraction("0.000001"), Fraction("0.1")]),
)
operations = st.lists(st.one_of(
    st.tuples(st.just("allocate"), st.sampled_from(CONSUMERS), st.integers(0, 1), shares),
    st.tuples(st.just("force"), st.sampled_from(CONSUMERS), st.integers(0, 1), shares),
    st.tuples(st.just("spend"), st.sampled_from(CONSUMERS),
              st.sampled_from([(0,), (1,), (0, 1)]), costs),
    st.tuples(st.just("spend"), st.sampled_from(CONSUMERS),
              st.sampled_from([(0,), (1,), (0, 1)]), costs),
    st.tuples(st.just("cap"), st.integers(0, 1), st.sampled_from(sorted(CAPS))),
), min_size=4, max_size=30)
_fresh_years = itertools.count(2200, 2)  # each example gets data years of its own


class Model:
    """What the ledger should hold, computed without it."""

    def __init__(self, years):
        self.years = years
        self.cap = dict.fromkeys(years, CAP.rho)
        self.share: dict = {}
        self.spent: dict = {}

    def get(self, table, consumer, year):
        return table.get((consumer, year), Fraction(0))

    def allocated(self, year, but=None):
        return sum((v for (c, y), v in self.share.items() if y == year and c != but), Fraction(0))

    def year_spent(self, year):
        return sum((v for (_, y), v in self.spent.items() if y == year), Fraction(0))

    def may_allocate(self, consumer, year, rho):
        return (rho >= self.get(self.spent, consumer, year)
                and self.allocated(year, but=consumer) + rho <= self.cap[year])

    def may_spend(self, consumer, years, rho):
        return all(rho <= self.get(self.share, consumer, y) - self.get(self.spent, consumer, y)
                   and self.year_spent(y) + rho <= self.cap[y] for y in years)


def snapshot(ledger, years):
    return {year: ledger.year(year).as_json() for year in years}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_the_cap_holds_for_any_mix_of_consumers_and_years(services, ledger, ops):
    base = next(_fresh_years)
    years = (base, base + 1)
    model = Model(years)
    for op in ops:
        before = snapshot(ledger, years)
        charges_before = charge_count(services)
        accepted = True
        if op[0] in ("allocate", "force"):
            _, consumer, index, rho = op
            year = years[index]
            if op[0] == "force":
                rho = max(rho, model.get(model.spent, consumer, year))
                force_share(services, consumer, year, rho)
            else:
                accepted = model.may_allocate(consumer, year, rho)
                try:
                    ledger.set_budget(consumer, year, rho)
                except ValidationFailed:
                    assert not accepted, op
                else:
                    assert accepted, op
            if accepted:
                model.share[(consumer, year)] = rho
        elif op[0] == "spend":
            _, consumer, indexes, rho = op
            span = tuple(years[i] for i in indexes)
            accepted = model.may_spend(consumer, span, rho)
            try:
                spend(ledger, consumer, span, rho)
            except BudgetExceeded:
                assert not accepted, op
            else:
                assert accepted, op
                for year in span:
                    model.spent[(consumer, year)] = model.get(model.spent, consumer, year) + rho
        else:
            _, index, epsilon = op
            year = years[index]
            accepted = CAPS[epsilon].rho >= model.allocated(year)
            try:
                ledger.set_cap(year, CAPS[epsilon], f"Eigenschapstest: epsilon {epsilon}")
            except ValidationFailed:
                assert not accepted, op
            else:
                assert accepted, op
                model.cap[year] = CAPS[epsilon].rho
        event(f"{op[0]} {'accepted' if accepted else 'refused'}")
        if not accepted:
            assert snapshot(ledger, years) == before, op
            assert charge_count(services) == charges_before, op
        for year in years:
            budget = ledger.year(year)
            assert budget.cap.rho == model.cap[year]
            assert budget.spent == model.year_spent(year) <= model.cap[year]
            for share in budget.shares:
                assert share.spent == model.get(model.spent, share.consumer, year)
                assert share.allocated == model.get(model.share, share.consumer, year)
                assert share.spent <= share.allocated
