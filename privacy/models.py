"""Tables of the privacy layer: yearly budgets, the append-only spend ledger, signed releases.

Epsilons are stored as exact text ("0.1", "1/3"), never as floating point: a float ledger
drifts, and a budget that sums to 1.0000000002 is a budget that refuses or allows wrongly.
Spends and releases are append-only; the mapper events below turn any UPDATE or DELETE of them
through the ORM into an error, so a bug cannot quietly rewrite history.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, random_id

CONSUMER_LENGTH = 120
SCOPE_LENGTH = 200
EPSILON_LENGTH = 64


class PrivacyBudget(Base):
    """The budget of one consumer for one calendar year; also the row that spends lock.

    ``total`` is NULL while no admin has set a budget: the configured default then applies, so a
    changed default reaches every consumer that was never given a budget of its own.
    """

    __tablename__ = "privacy_budgets"

    consumer: Mapped[str] = mapped_column(String(CONSUMER_LENGTH), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    total: Mapped[str | None] = mapped_column(String(EPSILON_LENGTH))


class BudgetSpend(Base):
    """One spend: which release cost how much of whose budget in which year. Never changed."""

    __tablename__ = "privacy_budget_spends"
    __table_args__ = (
        # A release charges a consumer once; a retried transaction cannot charge it twice.
        UniqueConstraint("release_id", "consumer", name="uq_privacy_budget_spends_release"),
        Index("ix_privacy_budget_spends_consumer_year", "consumer", "year"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    consumer: Mapped[str] = mapped_column(String(CONSUMER_LENGTH))
    year: Mapped[int] = mapped_column(Integer)
    epsilon: Mapped[str] = mapped_column(String(EPSILON_LENGTH))
    release_id: Mapped[str] = mapped_column(String(32))


class ReleaseRecord(Base):
    """A stored, signed, immutable release: the only form in which figures leave the registry."""

    __tablename__ = "privacy_releases"
    __table_args__ = (
        # "Release once, share many": the same question in the same scope is answered once, so
        # repeating it can never average the noise away.
        UniqueConstraint("scope", "spec_hash", name="uq_privacy_releases_scope_spec"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    consumer: Mapped[str] = mapped_column(String(CONSUMER_LENGTH))
    # Looked up through the unique (scope, spec_hash) index, whose first column is the scope.
    scope: Mapped[str] = mapped_column(String(SCOPE_LENGTH))
    year: Mapped[int] = mapped_column(Integer)
    spec_json: Mapped[str] = mapped_column(Text)
    spec_hash: Mapped[str] = mapped_column(String(64))
    result_json: Mapped[str] = mapped_column(Text)
    epsilon_spent: Mapped[str] = mapped_column(String(EPSILON_LENGTH))
    # A calendar date only: a release is not about a signal, but a time of day adds nothing.
    release_date: Mapped[date] = mapped_column(Date)
    replaces: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("privacy_releases.id", ondelete="RESTRICT")
    )
    signature: Mapped[str] = mapped_column(String(128))
    public_key: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    # "rho" for releases charged to the capped ledger (zCDP, ``epsilon_spent`` then holds the
    # rho charged); NULL for releases made under the earlier per-consumer epsilon design.
    budget_unit: Mapped[str | None] = mapped_column(String(8))


def _refuse_change(mapper: Any, connection: Any, target: Any) -> None:
    raise RuntimeError(f"{type(target).__name__} rows are append-only and cannot be changed.")


for _model in (BudgetSpend, ReleaseRecord):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)


# -- the capped ledger (one budget per data year, in zCDP rho) ----------------------------------


class YearCap(Base):
    """The cap of one data year: what one case may lose over every release of that year.

    Written the first time a release touches the year (from the configured cap) and changed only
    through :class:`CapChange`; also the row every charge to the year locks.
    """

    __tablename__ = "privacy_year_caps"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    epsilon: Mapped[str] = mapped_column(String(EPSILON_LENGTH))
    delta: Mapped[str] = mapped_column(String(EPSILON_LENGTH))
    rho: Mapped[str] = mapped_column(String(EPSILON_LENGTH))


class CapChange(Base):
    """A change of a year's cap, kept for ever and shown publicly. Never changed."""

    __tablename__ = "privacy_cap_changes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    year: Mapped[int] = mapped_column(Integer, index=True)
    previous_epsilon: Mapped[str | None] = mapped_column(String(EPSILON_LENGTH))
    epsilon: Mapped[str] = mapped_column(String(EPSILON_LENGTH))
    delta: Mapped[str] = mapped_column(String(EPSILON_LENGTH))
    rho: Mapped[str] = mapped_column(String(EPSILON_LENGTH))
    # A calendar date: a cap change is a public decision, not about any signal.
    changed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))


class Allocation(Base):
    """One consumer's share of a data year's cap, in rho. No row means no share (zero)."""

    __tablename__ = "privacy_allocations"

    consumer: Mapped[str] = mapped_column(String(CONSUMER_LENGTH), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    rho: Mapped[str] = mapped_column(String(EPSILON_LENGTH))


class Charge(Base):
    """One release charged to one data year, in rho. Never changed."""

    __tablename__ = "privacy_charges"
    __table_args__ = (
        # A release charges each data year once; a retried transaction cannot charge it twice.
        UniqueConstraint("release_id", "year", name="uq_privacy_charges_release_year"),
        Index("ix_privacy_charges_year_consumer", "year", "consumer"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    consumer: Mapped[str] = mapped_column(String(CONSUMER_LENGTH))
    year: Mapped[int] = mapped_column(Integer)
    rho: Mapped[str] = mapped_column(String(EPSILON_LENGTH))
    release_id: Mapped[str] = mapped_column(String(32))


for _append_only in (CapChange, Charge):
    event.listen(_append_only, "before_update", _refuse_change)
    event.listen(_append_only, "before_delete", _refuse_change)
