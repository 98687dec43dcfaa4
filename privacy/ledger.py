"""The privacy ledger: one cap per data year, for every release and every consumer together.

The privacy unit is one case within one data year (``privacy.contributions``). Whatever a
release is (the release plan's tables, a works council's request, a researcher's query, a
replacement after a correction), it is charged to **every data year its period touches**, in
one currency, zCDP rho (``privacy.accounting``): a case of that year loses at most the sum of
the year's charges, and that sum can never pass the year's cap (default epsilon 4 at delta
1e-6, rho 0.311064).

Consumers hold **allocations**: shares of a year's cap, never budgets beside it. A consumer with
no allocation can spend nothing; the allocations of a year together never exceed its cap; an
allocation is never lowered below what was already spent, and a cap never below what is
allocated. Raising a cap is written to an append-only log that is shown publicly.

Every charge is a row (release, consumer, year, rho); what is spent is the exact sum of those
rows as Fractions, so ten charges of 1/10 are exactly 1 and never 0.9999999999999999.

Charging is a check-then-write and must not interleave: the rows of the years a release touches
are locked (in year order, so two releases cannot deadlock) with ``SELECT ... FOR UPDATE`` on
PostgreSQL, after inserting them if missing (race-free with ``ON CONFLICT DO NOTHING``); on
SQLite the transaction starts with ``BEGIN IMMEDIATE``, which takes the database write lock
before the first read. A charge runs inside the caller's locked transaction, so the release and
its charges commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from privacy.accounting import Cap
from privacy.exact import MAX_YEAR as MAX_YEAR
from privacy.exact import MIN_YEAR as MIN_YEAR
from privacy.exact import Exact as Exact
from privacy.exact import _invalid, check_consumer, check_year, format_epsilon, parse_epsilon
from privacy.exact import positive_epsilon as positive_epsilon
from privacy.exact import to_fraction as to_fraction
from privacy.ledger_values import BudgetExceeded as BudgetExceeded
from privacy.ledger_values import BudgetPreview as BudgetPreview
from privacy.ledger_values import BudgetStatus as BudgetStatus
from privacy.ledger_values import CapChangeEntry as CapChangeEntry
from privacy.ledger_values import ConsumerShare as ConsumerShare
from privacy.ledger_values import Spend as Spend
from privacy.ledger_values import YearBudget as YearBudget
from privacy.ledger_values import _log_order, _nl
from privacy.models import (
    EPSILON_LENGTH,
    Allocation,
    CapChange,
    Charge,
    YearCap,
)
from registry.db import Database


class BudgetLedger:
    """The capped ledger; ``cap`` is the configured cap of a year not yet written down."""

    def __init__(self, db: Database, cap: Cap | None = None, today: type[date] = date):
        self.db = db
        self.default_cap = cap or Cap.of()
        self._today = today

    # -- reading ---------------------------------------------------------------------------

    def status(self, consumer: str, year: int) -> BudgetStatus:
        check_consumer(consumer)
        check_year(year)
        with self.db.session() as session:
            return self._status(session, consumer, year)

    def statuses(self, consumers: list[str], year: int) -> dict[str, BudgetStatus]:
        """The status of each consumer for one year, read in one transaction."""
        check_year(year)
        for consumer in consumers:
            check_consumer(consumer)
        with self.db.session() as session:
            return {consumer: self._status(session, consumer, year) for consumer in consumers}

    def recorded_consumers(self, year: int) -> list[str]:
        """Consumers with an allocation or a charge in ``year``, sorted; locks nothing."""
        check_year(year)
        with self.db.session() as session:
            allocated = session.scalars(
                select(Allocation.consumer).where(Allocation.year == year)).all()
            charged = session.scalars(
                select(Charge.consumer).where(Charge.year == year).distinct()).all()
        return sorted(set(allocated) | set(charged))

    def cap(self, year: int) -> Cap:
        check_year(year)
        with self.db.session() as session:
            return self._cap(session, year)

    def year(self, year: int) -> YearBudget:
        """Cap, allocations, spends and cap changes of one data year, read together."""
        check_year(year)
        with self.db.session() as session:
            cap = self._cap(session, year)
            allocated = {row.consumer: parse_epsilon(row.rho) for row in session.scalars(
                select(Allocation).where(Allocation.year == year))}
            spent: dict[str, Fraction] = {}
            for consumer, rho in session.execute(
                    select(Charge.consumer, Charge.rho).where(Charge.year == year)):
                spent[consumer] = spent.get(consumer, Fraction(0)) + parse_epsilon(rho)
            changes = session.scalars(select(CapChange).where(CapChange.year == year)).all()
        shares = tuple(ConsumerShare(c, allocated.get(c, Fraction(0)), spent.get(c, Fraction(0)))
                       for c in sorted(set(allocated) | set(spent)))
        entries = _log_order([CapChangeEntry(
            c.year, parse_epsilon(c.previous_epsilon) if c.previous_epsilon else None,
            parse_epsilon(c.epsilon), parse_epsilon(c.delta), c.changed_on, c.reason)
            for c in changes])
        return YearBudget(year, cap, shares, entries)

    def years(self) -> list[int]:
        """Data years with a cap written down, an allocation or a charge, oldest first."""
        with self.db.session() as session:
            found = set(session.scalars(select(YearCap.year)).all())
            found |= set(session.scalars(select(Allocation.year).distinct()).all())
            found |= set(session.scalars(select(Charge.year).distinct()).all())
        return sorted(found)

    def preview(self, consumer: str, years: int | tuple[int, ...], rho: Exact) -> BudgetPreview:
        """Whether a charge of ``rho`` to every year in ``years`` would be allowed now."""
        cost = positive_epsilon(rho, "rho")
        spans = _years(years)
        with self.db.session() as session:
            remaining = [self._remaining(session, consumer, y) for y in spans]
        tightest = min(remaining)
        if cost > tightest:
            return BudgetPreview(False, tightest)
        return BudgetPreview(True, tightest - cost)

    def refusal(self, consumer: str, years: int | tuple[int, ...], rho: Exact) -> BudgetExceeded:
        """Why a charge of ``rho`` to ``years`` is refused: the first year that is short, and
        whether the consumer's share or the year's cap is what stops it."""
        cost = positive_epsilon(rho, "rho")
        with self.db.session() as session:
            for year in _years(years):
                share = self._status(session, consumer, year).remaining
                room = self._cap(session, year).rho - self._year_spent(session, year)
                if cost > share:
                    return BudgetExceeded(consumer, year, cost, share)
                if cost > room:
                    return BudgetExceeded(consumer, year, cost, max(room, Fraction(0)), cap=True)
        raise ValueError("the charge is not refused")

    def spends(self, consumer: str, year: int) -> list[Spend]:
        with self.db.session() as session:
            rows = session.scalars(
                select(Charge).where(Charge.consumer == consumer, Charge.year == year)).all()
        return sorted((Spend(r.release_id, r.consumer, r.year, parse_epsilon(r.rho))
                       for r in rows), key=lambda s: s.release_id)

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def locked(self, years: int | tuple[int, ...]) -> Iterator[Session]:
        """A transaction holding the locks of these data years; commits on success."""
        spans = _years(years)
        with self.db.session(immediate=True) as session:
            for year in spans:
                self._lock(session, year)
            yield session

    def set_budget(self, consumer: str, year: int, rho: Exact) -> BudgetStatus:
        """Allocate ``consumer`` a share of ``year``'s cap (replacing its earlier share)."""
        check_consumer(consumer)
        share = to_fraction(rho, "rho")
        if share < 0:
            raise _invalid("rho", "Een aandeel kan niet negatief zijn.")
        if len(format_epsilon(share)) > EPSILON_LENGTH:
            raise _invalid("rho", "Het aandeel heeft te veel cijfers.")
        with self.locked(year) as session:
            cap = self._lock(session, year)
            spent = self._spent(session, consumer, year)
            if share < spent:
                raise _invalid("rho", f"Het aandeel kan niet lager zijn dan wat voor {year} al "
                               f"is besteed (rho {_nl(spent)}).")
            others = sum((parse_epsilon(r.rho) for r in session.scalars(
                select(Allocation).where(Allocation.year == year,
                                         Allocation.consumer != consumer))), Fraction(0))
            if others + share > cap.rho:
                free = max(cap.rho - others, Fraction(0))
                raise _invalid("rho", f"Het jaarplafond van {year} (rho {_nl(cap.rho)}, epsilon "
                               f"{_nl(cap.epsilon)}) laat nog rho {_nl(free)} toe te kennen.")
            row = session.get(Allocation, (consumer, year))
            if row is None:
                session.add(Allocation(consumer=consumer, year=year, rho=format_epsilon(share)))
            else:
                row.rho = format_epsilon(share)
            session.flush()
            return BudgetStatus(share, spent, max(share - spent, Fraction(0)))

    def ensure_budget(self, consumer: str, year: int, rho: Fraction) -> BudgetStatus:
        """Allocate at least ``rho`` to ``consumer`` (the release plan's own share)."""
        status = self.status(consumer, year)
        if status.total >= rho:
            return status
        return self.set_budget(consumer, year, rho)

    def set_cap(self, year: int, cap: Cap, reason: str) -> Cap:
        """Change a year's cap; written to the public log. Never below what is allocated."""
        check_year(year)
        reason = reason.strip()
        if not 3 <= len(reason) <= 200:
            raise _invalid("reason", "Geef een reden van 3 tot 200 tekens; die wordt openbaar.")
        with self.locked(year) as session:
            row = self._lock_row(session, year)
            allocated = sum((parse_epsilon(r.rho) for r in session.scalars(
                select(Allocation).where(Allocation.year == year))), Fraction(0))
            if cap.rho < allocated:
                raise _invalid("epsilon", f"Het plafond kan niet lager zijn dan wat al is "
                               f"toegekend (rho {_nl(allocated)}).")
            session.add(CapChange(year=year, previous_epsilon=row.epsilon,
                                  epsilon=format_epsilon(cap.epsilon),
                                  delta=format_epsilon(cap.delta), rho=format_epsilon(cap.rho),
                                  changed_on=self._today.today(), reason=reason))
            row.epsilon, row.delta = format_epsilon(cap.epsilon), format_epsilon(cap.delta)
            row.rho = format_epsilon(cap.rho)
            session.flush()
        return cap

    def spend(self, session: Session, consumer: str, years: int | tuple[int, ...], rho: Exact,
              release_id: str) -> BudgetStatus:
        """Charge ``rho`` to every year in ``years`` inside the caller's transaction.

        Raises :class:`BudgetExceeded` when the consumer's share or the year's cap is short in
        any of the years; the caller commits, so a release and its charges land together.
        Returns the consumer's status in the tightest year after the charge.
        """
        check_consumer(consumer)
        cost = positive_epsilon(rho, "rho")
        if not release_id:
            raise ValueError("a charge must name its release")
        after = []
        for year in _years(years):
            cap = self._lock(session, year)
            status = self._status(session, consumer, year)
            if cost > status.remaining:
                raise BudgetExceeded(consumer, year, cost, status.remaining)
            total_spent = self._year_spent(session, year)
            if total_spent + cost > cap.rho:
                raise BudgetExceeded(consumer, year, cost, cap.rho - total_spent, cap=True)
            session.add(Charge(consumer=consumer, year=year, rho=format_epsilon(cost),
                               release_id=release_id))
            after.append(BudgetStatus(status.total, status.spent + cost, status.remaining - cost))
        session.flush()
        return min(after, key=lambda s: s.remaining)

    # -- internals -------------------------------------------------------------------------

    def _cap(self, session: Session, year: int) -> Cap:
        row = session.get(YearCap, year)
        if row is None:
            return self.default_cap
        return Cap(parse_epsilon(row.epsilon), parse_epsilon(row.delta), parse_epsilon(row.rho))

    def _status(self, session: Session, consumer: str, year: int) -> BudgetStatus:
        stored = session.scalar(select(Allocation.rho).where(Allocation.consumer == consumer,
                                                             Allocation.year == year))
        total = parse_epsilon(stored) if stored is not None else Fraction(0)
        spent = self._spent(session, consumer, year)
        return BudgetStatus(total, spent, max(total - spent, Fraction(0)))

    def _remaining(self, session: Session, consumer: str, year: int) -> Fraction:
        """What ``consumer`` may still charge to ``year``: its share and the cap both hold."""
        share = self._status(session, consumer, year).remaining
        room = self._cap(session, year).rho - self._year_spent(session, year)
        return max(min(share, room), Fraction(0))

    @staticmethod
    def _spent(session: Session, consumer: str, year: int) -> Fraction:
        texts = session.scalars(select(Charge.rho).where(Charge.consumer == consumer,
                                                         Charge.year == year)).all()
        return sum((parse_epsilon(text) for text in texts), Fraction(0))

    @staticmethod
    def _year_spent(session: Session, year: int) -> Fraction:
        texts = session.scalars(select(Charge.rho).where(Charge.year == year)).all()
        return sum((parse_epsilon(text) for text in texts), Fraction(0))

    def _lock(self, session: Session, year: int) -> Cap:
        row = self._lock_row(session, year)
        return Cap(parse_epsilon(row.epsilon), parse_epsilon(row.delta), parse_epsilon(row.rho))

    def _lock_row(self, session: Session, year: int) -> YearCap:
        check_year(year)
        dialect = session.get_bind().dialect.name
        cap = self.default_cap
        values = {"year": year, "epsilon": format_epsilon(cap.epsilon),
                  "delta": format_epsilon(cap.delta), "rho": format_epsilon(cap.rho)}
        if dialect == "sqlite":
            # BEGIN IMMEDIATE is the lock on SQLite; a DEFERRED transaction here would let two
            # charges both read the old total.
            options = session.connection().get_execution_options()
            if options.get("sqlite_begin") != "IMMEDIATE":
                raise RuntimeError("charges on SQLite need db.session(immediate=True)")
            session.execute(sqlite_insert(YearCap).values(values).on_conflict_do_nothing())
        else:
            session.execute(pg_insert(YearCap).values(values).on_conflict_do_nothing(
                index_elements=["year"]))
        return session.scalars(
            select(YearCap).where(YearCap.year == year).with_for_update()
            .execution_options(populate_existing=True)
        ).one()


def _years(years: int | tuple[int, ...]) -> tuple[int, ...]:
    spans = (years,) if isinstance(years, int) else tuple(sorted(set(years)))
    if not spans:
        raise ValueError("a charge touches at least one data year")
    for year in spans:
        check_year(year)
    return spans
