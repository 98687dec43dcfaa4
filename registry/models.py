"""Typed SQLAlchemy models of the registry.

Signal tables are built so that nobody can trace a row back to a person: a random primary key,
month-level time only, no created/updated timestamps, no link to the account that entered the
row, and on SQLite tables WITHOUT ROWID so that physical order follows the random key rather
than arrival order.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, random_id

RandomId = Annotated[str, mapped_column(String(32), primary_key=True, default=random_id)]
Code = Annotated[str, mapped_column(String(64))]
NO_ROWID = {"sqlite_with_rowid": False}


class Unit(Base):
    """A node of the public organisation structure. Root units (no parent) are organisations."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("units.code", ondelete="RESTRICT"), index=True
    )
    organisation: Mapped[str] = mapped_column(String(64), index=True)
    # Total FTE of the unit including its sub-units, as published in the org chart.
    headcount: Mapped[int] = mapped_column(Integer)


class Signal(Base):
    """One contact, coded. Month-level time only; nothing else about when or by whom."""

    __tablename__ = "signals"
    __table_args__ = (
        Index("ix_signals_org_period", "organisation", "period"),
        NO_ROWID,
    )

    id: Mapped[RandomId]
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    organisation: Mapped[Code]
    unit: Mapped[Code]
    channel: Mapped[Code]
    implicated_party: Mapped[Code]
    reporter_role: Mapped[Code]
    follow_up: Mapped[Code]
    # Keyed, labelled pseudonym of the case token (privacy/pseudonyms), never the token.
    case_pseudonym: Mapped[str | None] = mapped_column(String(96), index=True)
    # Keyed, labelled hash of the one-time receipt, never the receipt.
    receipt_hash: Mapped[str | None] = mapped_column(String(96), unique=True)
    taxonomy_version: Mapped[str] = mapped_column(String(16))

    categories: Mapped[list[SignalCategory]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    impacts: Mapped[list[SignalImpact]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class SignalCategory(Base):
    __tablename__ = "signal_categories"
    __table_args__ = (Index("ix_signal_categories_category", "category"), NO_ROWID)

    signal_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("signals.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(64), primary_key=True)


class SignalImpact(Base):
    __tablename__ = "signal_impacts"
    __table_args__ = (NO_ROWID,)

    signal_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("signals.id", ondelete="CASCADE"), primary_key=True
    )
    impact: Mapped[str] = mapped_column(String(64), primary_key=True)


class Account(Base):
    """A person who signs in. Accounts are never linked to the signals they enter."""

    __tablename__ = "accounts"

    id: Mapped[RandomId]
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    organisation: Mapped[str | None] = mapped_column(String(64))
    default_channel: Mapped[str | None] = mapped_column(String(64))
    # A researcher's research project: its budget is the project's share of each year's cap,
    # shared by every account of the project.
    project: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised on logout, password change or reset and deactivation; a session carries the
    # version it was made with and ends when the two differ (server-side logout).
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    # TOTP secret, sealed with a key derived from the master secret; None until enrolled.
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    # The last TOTP time step accepted, so a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Keyed hash of the one-time activation (or reset) link; the user sets the password.
    activation_hash: Mapped[str | None] = mapped_column(String(64))
    activation_expires: Mapped[datetime | None] = mapped_column(DateTime)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )


class ApiToken(Base):
    """An API token for a case system or a researcher; only its hash is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[RandomId]
    account_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(100), default="")
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)

    account: Mapped[Account] = relationship(back_populates="tokens")


class AccountNotice(Base):
    """A security notice for an account holder (password reset, new token), shown at sign-in."""

    __tablename__ = "account_notices"

    id: Mapped[RandomId]
    account_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    seen: Mapped[bool] = mapped_column(Boolean, default=False)


class InstanceFact(Base):
    """Facts about this installation, e.g. that ``demo`` created the database."""

    __tablename__ = "instance_facts"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
