"""The exact privacy-budget ledger: one budget per consumer per calendar year.

Every spend is a row (release, consumer, year, epsilon); what is spent is the exact sum of those
rows as Fractions, so ten spends of 1/10 are exactly 1 and never 0.9999999999999999.

Spending is a check-then-write and must not interleave: on PostgreSQL the consumer-year budget
row is locked with ``SELECT ... FOR UPDATE`` (after inserting it if missing, race-free with
``ON CONFLICT DO NOTHING``); on SQLite the transaction starts with ``BEGIN IMMEDIATE``, which
takes the database write lock before the first read. A spend runs inside the caller's locked
transaction so that the release and its spend commit together or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from privacy.models import CONSUMER_LENGTH, EPSILON_LENGTH, BudgetSpend, PrivacyBudget
from registry.db import Database
from registry.errors import FieldError, Forbidden, ValidationFailed

Exact = Fraction | int | str | Decimal
# "or:MIN-A", "gor", "preventie:MIN-A", "researcher:project-x", "publication:MIN-A".
_CONSUMER_RE = re.compile(r"^[a-z][a-z0-9_-]*(?::[A-Za-z0-9][A-Za-z0-9._-]*)?$")
_EXACT_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d+)?|\.\d+|\d+/\d+)$", re.ASCII)
MIN_YEAR, MAX_YEAR = 2000, 9999


def to_fraction(value: Exact, field: str = "epsilon") -> Fraction:
    """An exact Fraction from a Fraction, int, Decimal or decimal/"p/q" text; floats are refused.

    A float is refused rather than converted: by the time a value is a float its exactness is
    already lost, so the boundary that parsed it must hand over text or a Fraction instead.
    """
    if isinstance(value, bool | float):
        raise TypeError(f"{field} must be exact (Fraction, int, Decimal or text), not {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        # Same reason as for text: a huge exponent would build a huge integer.
        if not isinstance(exponent, int) or abs(exponent) > EPSILON_LENGTH or (
                value and value.adjusted() > EPSILON_LENGTH):
            raise _invalid(field, f"{value} is geen geldig getal.")
        return Fraction(value)
    text = value.strip()
    # Plain decimals and "p/q" only: an exponent such as "1e999999999" would make Fraction
    # build an enormous integer from a few characters of user input.
    if len(text) > EPSILON_LENGTH or not _EXACT_RE.match(text):
        raise _invalid(field, f"{value!r} is geen geldig getal.")
    try:
        return Fraction(text)
    except ZeroDivisionError:
        raise _invalid(field, f"{value!r} is geen geldig getal.") from None


def format_epsilon(value: Fraction) -> str:
    """Exact, canonical text: a terminating decimal ("0.25", "10") when there is one, else "p/q"."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    den, digits = value.denominator, 0
    # A fraction has a terminating decimal exactly when its denominator is 2**a * 5**b.
    rest = den
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    if rest != 1:
        return f"{sign}{value.numerator}/{den}"
    while (10**digits) % den:
        digits += 1
    scaled = value.numerator * (10**digits // den)
    whole, frac = divmod(scaled, 10**digits)
    text = str(whole) if digits == 0 else f"{whole}.{frac:0{digits}d}".rstrip("0").rstrip(".")
    return sign + text


def parse_epsilon(text: str) -> Fraction:
    """The inverse of :func:`format_epsilon` for stored values."""
    return Fraction(text)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldError(field, message)])


def positive_epsilon(value: Exact, field: str = "epsilon") -> Fraction:
    epsilon = to_fraction(value, field)
    if epsilon <= 0:
        raise _invalid(field, "Epsilon moet groter zijn dan 0.")
    if len(format_epsilon(epsilon)) > EPSILON_LENGTH:
        raise _invalid(field, "Epsilon heeft te veel cijfers; rond af op minder decimalen.")
    return epsilon


def check_consumer(consumer: str) -> str:
    if len(consumer) > CONSUMER_LENGTH or not _CONSUMER_RE.match(consumer):
        raise _invalid("consumer", f"Ongeldige afnemer: {consumer!r}.")
    return consumer


def check_year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise _invalid("year", f"Ongeldig jaar: {year!r}.")
    return year


class BudgetExceeded(Forbidden):
    """A spend larger than what remains; the message says in Dutch what remains."""

    title = "Onvoldoende privacybudget"

    def __init__(self, consumer: str, year: int, requested: Fraction, remaining: Fraction):
        self.consumer = consumer
        self.year = year
        self.requested = requested
        self.remaining = remaining
        message = (
            f"Onvoldoende privacybudget: gevraagd {format_epsilon(requested)}, "
            f"resterend {format_epsilon(remaining)} voor {year}."
        )
        super().__init__(message, [FieldError("epsilon", message)])


@dataclass(frozen=True)
class BudgetStatus:
    total: Fraction
    spent: Fraction
    remaining: Fraction

    def __post_init__(self) -> None:
        if self.total < 0 or self.spent < 0:
            raise ValueError("total and spent must not be negative")
        # A budget lowered below what was already spent leaves nothing, not a negative amount.
        if self.remaining != max(self.total - self.spent, Fraction(0)):
            raise ValueError("remaining must equal total - spent (and not be negative)")

    def as_dict(self) -> dict[str, str]:
        return {"total": format_epsilon(self.total), "spent": format_epsilon(self.spent),
                "remaining": format_epsilon(self.remaining)}


class BudgetPreview(NamedTuple):
    """Whether a spend would be allowed, and what would remain after it (unchanged if refused)."""

    allowed: bool
    remaining_after: Fraction


@dataclass(frozen=True)
class Spend:
    release_id: str
    consumer: str
    year: int
    epsilon: Fraction


class BudgetLedger:
    def __init__(self, db: Database, default_budget: Exact):
        default = to_fraction(default_budget, "default_budget")
        if default < 0:
            raise ValueError("default_budget must not be negative")
        self.db = db
        self.default_budget = default

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
        """Consumers with a stored budget or a spend in ``year``, sorted; reading locks nothing."""
        check_year(year)
        with self.db.session() as session:
            budgets = session.scalars(
                select(PrivacyBudget.consumer).where(PrivacyBudget.year == year)).all()
            spenders = session.scalars(
                select(BudgetSpend.consumer).where(BudgetSpend.year == year).distinct()).all()
        return sorted(set(budgets) | set(spenders))

    def preview(self, consumer: str, year: int, epsilon: Exact) -> BudgetPreview:
        cost = positive_epsilon(epsilon)
        status = self.status(consumer, year)
        if cost > status.remaining:
            return BudgetPreview(False, status.remaining)
        return BudgetPreview(True, status.remaining - cost)

    def spends(self, consumer: str, year: int) -> list[Spend]:
        with self.db.session() as session:
            rows = session.scalars(
                select(BudgetSpend).where(BudgetSpend.consumer == consumer, BudgetSpend.year == year)
            ).all()
        return sorted((Spend(r.release_id, r.consumer, r.year, parse_epsilon(r.epsilon))
                       for r in rows), key=lambda s: s.release_id)

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def locked(self, consumer: str, year: int) -> Iterator[Session]:
        """A transaction holding the consumer-year budget lock; commits on success."""
        check_consumer(consumer)
        check_year(year)
        with self.db.session(immediate=True) as session:
            self._lock(session, consumer, year)
            yield session

    def locked_status(self, session: Session, consumer: str, year: int) -> BudgetStatus:
        """The status inside a transaction from :meth:`locked`, including its own spends."""
        self._lock(session, consumer, year)
        return self._status(session, consumer, year)

    def set_budget(self, consumer: str, year: int, epsilon: Exact) -> BudgetStatus:
        total = to_fraction(epsilon)
        if total < 0:
            raise _invalid("epsilon", "Een budget kan niet negatief zijn.")
        if len(format_epsilon(total)) > EPSILON_LENGTH:
            raise _invalid("epsilon", "Het budget heeft te veel cijfers.")
        with self.locked(consumer, year) as session:
            row = self._lock(session, consumer, year)
            spent = self._spent(session, consumer, year)
            if total < spent:
                message = (f"Het budget kan niet lager zijn dan wat in {year} al is besteed "
                           f"({format_epsilon(spent)}).")
                raise _invalid("epsilon", message)
            row.total = format_epsilon(total)
            session.flush()
            return BudgetStatus(total, spent, total - spent)

    def spend(self, session: Session, consumer: str, year: int, epsilon: Exact,
              release_id: str) -> BudgetStatus:
        """Record a spend inside the caller's transaction; raises :class:`BudgetExceeded`.

        The caller commits: a release and the spend that paid for it land together.
        """
        check_consumer(consumer)
        check_year(year)
        cost = positive_epsilon(epsilon)
        if not release_id:
            raise ValueError("a spend must name its release")
        self._lock(session, consumer, year)
        status = self._status(session, consumer, year)
        if cost > status.remaining:
            raise BudgetExceeded(consumer, year, cost, status.remaining)
        session.add(BudgetSpend(consumer=consumer, year=year, epsilon=format_epsilon(cost),
                                release_id=release_id))
        session.flush()
        return BudgetStatus(status.total, status.spent + cost, status.remaining - cost)

    # -- internals -------------------------------------------------------------------------

    def _status(self, session: Session, consumer: str, year: int) -> BudgetStatus:
        stored = session.scalar(
            select(PrivacyBudget.total).where(PrivacyBudget.consumer == consumer,
                                              PrivacyBudget.year == year)
        )
        total = parse_epsilon(stored) if stored is not None else self.default_budget
        spent = self._spent(session, consumer, year)
        return BudgetStatus(total, spent, max(total - spent, Fraction(0)))

    @staticmethod
    def _spent(session: Session, consumer: str, year: int) -> Fraction:
        texts = session.scalars(
            select(BudgetSpend.epsilon).where(BudgetSpend.consumer == consumer,
                                              BudgetSpend.year == year)
        ).all()
        return sum((parse_epsilon(text) for text in texts), Fraction(0))

    @staticmethod
    def _lock(session: Session, consumer: str, year: int) -> PrivacyBudget:
        dialect = session.get_bind().dialect.name
        values = {"consumer": consumer, "year": year, "total": None}
        if dialect == "sqlite":
            # BEGIN IMMEDIATE is the lock on SQLite; a DEFERRED transaction here would let two
            # spends both read the old total.
            options = session.connection().get_execution_options()
            if options.get("sqlite_begin") != "IMMEDIATE":
                raise RuntimeError("budget spends on SQLite need db.session(immediate=True)")
            session.execute(sqlite_insert(PrivacyBudget).values(values).on_conflict_do_nothing())
        elif dialect == "postgresql":
            session.execute(pg_insert(PrivacyBudget).values(values).on_conflict_do_nothing(
                index_elements=["consumer", "year"]))
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            try:
                with session.begin_nested():
                    session.execute(insert(PrivacyBudget).values(values))
            except IntegrityError:
                pass
        return session.scalars(
            select(PrivacyBudget)
            .where(PrivacyBudget.consumer == consumer, PrivacyBudget.year == year)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
