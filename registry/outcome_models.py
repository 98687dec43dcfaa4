"""Tables of follow-up outcomes per case and of the organisation's action register (PDCA).

``case_outcomes`` is built like the signal tables: a random primary key, the month only, coded
values only, no link to an account, and on SQLite WITHOUT ROWID so rows sit in random-key
order. A case is its keyed pseudonym (the one its signals carry for the data year of its first
contact); one row per (case, field, code), so a multi-valued field (measures, aftercare) has a
row per code and a later outcome for the same field replaces all of them.

``action_items`` is about the organisation, not about persons: a short title, the owner's
role (a code, never a name), the due month and a status.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base
from registry.models import NO_ROWID, RandomId


class CaseOutcome(Base):
    """One coded value of one outcome field of one case; read for output by the plan only."""

    __tablename__ = "case_outcomes"
    __table_args__ = (
        UniqueConstraint("case_pseudonym", "field", "code", name="uq_case_outcomes_case_field_code"),
        Index("ix_case_outcomes_case", "case_pseudonym"),
        NO_ROWID,
    )

    id: Mapped[RandomId]
    case_pseudonym: Mapped[str] = mapped_column(String(96))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM the outcome was recorded
    field: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))


class ActionStatus(StrEnum):
    PLANNED = "gepland"
    IN_PROGRESS = "bezig"
    DONE = "afgerond"
    LAPSED = "vervallen"

    @property
    def label_nl(self) -> str:
        return {"gepland": "Gepland", "bezig": "Bezig", "afgerond": "Afgerond",
                "vervallen": "Vervallen"}[self.value]


class ActionItem(Base):
    """One agreed action of an organisation's action register."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_organisation", "organisation"),)

    id: Mapped[RandomId]
    organisation: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(120))
    owner_role: Mapped[str] = mapped_column(String(32))
    due_month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    status: Mapped[str] = mapped_column(String(16))
