"""Storing, correcting, withdrawing and purging signals.

The service owns the database session. It never learns who entered a signal: callers pass a
validated :class:`SignalRecord` and get back a random id and a one-time receipt. An idempotent
request (``registry.idempotency``) gets a derived id and receipt instead, so a retry can be
answered the same without storing either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.checked_codes import CodeProblem, CodeRefused, new_case_token, parse_receipt
from registry.db import Database, random_id
from registry.errors import Conflict, FieldError, NotFound, ValidationFailed
from registry.fields import RECORD_FIELDS, SIGNAL_COLUMNS
from registry.idempotency import (
    HEADER,
    KEY_REUSED,
    IdempotencyKey,
    IdempotentRequest,
    claimed_month,
    purge_idempotency,
)
from registry.models import Signal, SignalCategory, SignalImpact
from registry.periods import Month
from registry.records import SignalRecord

RECEIPT_INVALID = ("Dit is geen geldig ontvangstbewijs. Een ontvangstbewijs ziet eruit als "
                   "2026-03-ABC-DEF-GHJ-KLM-NPQ-RS7.")
RECEIPT_MISTYPED = "Dit ontvangstbewijs klopt niet: controleer het op typefouten."


class Pseudonymizer(Protocol):
    """Keyed hashing, implemented by ``privacy.pseudonyms``; the registry never sees keys."""

    def case_pseudonym(self, token: str, year: int) -> str: ...

    def receipt_hash(self, receipt: str) -> str: ...

    def new_receipt(self, month: Month) -> str: ...

    def receipt_month(self, receipt: str) -> Month | None: ...

    def idempotency_key_hash(self, account_id: str, key: str) -> str: ...

    def idempotency_fingerprint(self, account_id: str, key: str, request: str) -> str: ...

    def idempotent_signal(self, account_id: str, key: str, month: Month, index: int) -> tuple[str, str]: ...


@dataclass(frozen=True)
class StoredSignal:
    id: str
    receipt: str


def with_meldcode(record: SignalRecord) -> tuple[SignalRecord, str]:
    """The record with a fresh meldcode as its case token, and the meldcode to show once.

    One person who goes to the meldknop, then a vertrouwenspersoon, then the integrity
    coordinator would count as three cases. The meldcode is a case token like any other (same
    format and check character), so the next adviser enters it in the case token field and the
    contacts link to one case. Like every case token it is stored only as its keyed pseudonym
    of the record's year: never in clear, and contacts in different calendar years do not link
    (each year's plan counts the case once, anchored at its first contact of that year). Using
    it is never required: an unused meldcode leaves a case of one contact, as before.
    """
    if record.case_token:
        raise ValueError("the record already has a case token")
    meldcode = new_case_token()
    return replace(record, case_token=meldcode), meldcode


class SignalService:
    def __init__(self, db: Database, pseudonymizer: Pseudonymizer, taxonomy_version: str):
        self.db = db
        self.pseudonymizer = pseudonymizer
        self.taxonomy_version = taxonomy_version

    def store(self, record: SignalRecord) -> StoredSignal:
        return self.store_many([record])[0]

    def store_many(
        self,
        records: Sequence[SignalRecord],
        *,
        receipts: bool = True,
        idempotency: IdempotentRequest | None = None,
    ) -> list[StoredSignal]:
        """Store all records in one transaction: all or nothing.

        With ``idempotency`` a repeat of an earlier request (same account, key and request)
        stores nothing and returns the earlier answer; the same key with another request is a
        Conflict. Idempotent requests always get receipts.
        """
        if idempotency is not None:
            return self._store_idempotent(records, idempotency)
        stored, rows, categories, impacts = self._rows(records, receipts=receipts)
        with self.db.session() as session:
            _bulk_insert(session, rows, categories, impacts)
        return stored

    def _store_idempotent(
        self, records: Sequence[SignalRecord], request: IdempotentRequest
    ) -> list[StoredSignal]:
        key_hash = self.pseudonymizer.idempotency_key_hash(request.account_id, request.key)
        fingerprint = self.pseudonymizer.idempotency_fingerprint(
            request.account_id, request.key, request.request)
        try:
            # IMMEDIATE: on SQLite, twins queue for the write lock and the later one finds the
            # row; on PostgreSQL the later one blocks on the primary key, then fails below.
            with self.db.session(immediate=True) as session:
                month = claimed_month(session, key_hash, fingerprint)
                if month is not None:
                    return self._derived(records, request, month)
                month = Month.current()
                # The key row goes in first, so a concurrent twin waits here, not half-way.
                session.execute(insert(IdempotencyKey).values(
                    key_hash=key_hash, fingerprint=fingerprint, month=str(month)))
                stored = self._derived(records, request, month)
                _, rows, categories, impacts = self._rows(
                    records, receipts=True, identities=stored)
                _bulk_insert(session, rows, categories, impacts)
                return stored
        except IntegrityError:
            pass  # a twin committed first; everything of ours was rolled back
        with self.db.session() as session:
            month = claimed_month(session, key_hash, fingerprint)
        if month is None:
            # The derived id or receipt already exists but its key row was purged early: the
            # key was used before, so refuse rather than store a near-duplicate.
            raise Conflict(KEY_REUSED, [FieldError(HEADER, KEY_REUSED)])
        return self._derived(records, request, month)

    def _derived(
        self, records: Sequence[SignalRecord], request: IdempotentRequest, month: Month
    ) -> list[StoredSignal]:
        return [StoredSignal(*self.pseudonymizer.idempotent_signal(
            request.account_id, request.key, month, index)) for index in range(len(records))]

    def _rows(
        self,
        records: Sequence[SignalRecord],
        *,
        receipts: bool,
        identities: Sequence[StoredSignal] | None = None,
    ) -> tuple[list[StoredSignal], list[dict], list[dict], list[dict]]:
        current = Month.current()
        stored: list[StoredSignal] = []
        rows: list[dict] = []
        categories: list[dict] = []
        impacts: list[dict] = []
        for index, record in enumerate(records):
            if identities is not None:
                signal_id, receipt = identities[index].id, identities[index].receipt
            else:
                signal_id = random_id()
                receipt = self.pseudonymizer.new_receipt(current) if receipts else ""
            rows.append(self._row(signal_id, record, receipt))
            categories.extend({"signal_id": signal_id, "category": c} for c in record.categories)
            impacts.extend({"signal_id": signal_id, "impact": i} for i in record.impact)
            stored.append(StoredSignal(signal_id, receipt))
        return stored, rows, categories, impacts

    def _row(self, signal_id: str, record: SignalRecord, receipt: str) -> dict:
        case = (
            self.pseudonymizer.case_pseudonym(record.case_token, record.period.year)
            if record.case_token
            else None
        )
        return {
            "id": signal_id,
            **{name: str(getattr(record, name)) for name in SIGNAL_COLUMNS},
            "organisation": record.organisation,
            "case_pseudonym": case,
            "receipt_hash": self.pseudonymizer.receipt_hash(receipt) if receipt else None,
            "taxonomy_version": self.taxonomy_version,
        }

    def find_by_receipt(self, receipt: str, organisations: frozenset[str] | None = None) -> dict:
        """The stored fields of the signal a valid, current receipt points to."""
        with self.db.session() as session:
            signal = self._signal_for_receipt(session, receipt, organisations)
            stored = {name: getattr(signal, name) for name in SIGNAL_COLUMNS}
            stored["categories"] = sorted(c.category for c in signal.categories)
            stored["impact"] = sorted(i.impact for i in signal.impacts)
            return {name: stored[name] for name in RECORD_FIELDS if name in stored}

    def correct(
        self, receipt: str, record: SignalRecord, organisations: frozenset[str] | None = None
    ) -> None:
        """Replace the coded fields of the signal behind ``receipt`` (same month only)."""
        with self.db.session() as session:
            signal = self._signal_for_receipt(session, receipt, organisations)
            row = self._row(signal.id, record, "")
            for key in (*SIGNAL_COLUMNS, "organisation", "taxonomy_version"):
                setattr(signal, key, row[key])
            if record.case_token:
                signal.case_pseudonym = row["case_pseudonym"]
            signal.categories = [SignalCategory(category=c) for c in record.categories]
            signal.impacts = [SignalImpact(impact=i) for i in record.impact]
        # The replaced coding and case pseudonym must not linger in the file (registry.db).
        self.db.erase_free_space()

    def withdraw(self, receipt: str, organisations: frozenset[str] | None = None) -> None:
        with self.db.session() as session:
            signal = self._signal_for_receipt(session, receipt, organisations)
            session.delete(signal)
        self.db.erase_free_space()

    def _signal_for_receipt(
        self, session: Session, receipt: str, organisations: frozenset[str] | None
    ) -> Signal:
        try:
            month = parse_receipt(receipt or "").month
        except CodeRefused as refused:
            message = RECEIPT_MISTYPED if refused.problem is CodeProblem.MISTYPED else RECEIPT_INVALID
            raise ValidationFailed(errors=[FieldError("receipt", message)]) from None
        if month != Month.current():
            raise ValidationFailed(
                errors=[FieldError("receipt", "Een signaal kan alleen worden aangepast of "
                                   "ingetrokken in de maand waarin het is vastgelegd.")]
            )
        signal = session.scalars(
            select(Signal).where(Signal.receipt_hash == self.pseudonymizer.receipt_hash(receipt))
        ).one_or_none()
        if signal is None or (organisations is not None and signal.organisation not in organisations):
            raise NotFound("Geen signaal gevonden bij dit ontvangstbewijs.")
        return signal

    def purge(self, before: Month) -> int:
        """Delete raw signals of months before ``before``; returns how many went.

        Also forgets idempotency keys older than the previous month, whatever ``before`` is.
        """
        self.purge_idempotency(Month.current().add(-1))
        with self.db.session() as session:
            ids = select(Signal.id).where(Signal.period < str(before))
            session.execute(delete(SignalCategory).where(SignalCategory.signal_id.in_(ids)))
            session.execute(delete(SignalImpact).where(SignalImpact.signal_id.in_(ids)))
            result = session.execute(delete(Signal).where(Signal.period < str(before)))
            purged = int(getattr(result, "rowcount", 0) or 0)
        self.db.erase_free_space()
        return purged

    def purge_idempotency(self, before: Month) -> int:
        """Forget idempotency keys first used before ``before``; a reuse is then a new request."""
        return purge_idempotency(self.db, before)

    def count(self) -> int:
        with self.db.session() as session:
            return int(session.scalar(select(func.count()).select_from(Signal)) or 0)


def _bulk_insert(session: Session, rows: list[dict], categories: list[dict], impacts: list[dict]) -> None:
    # Plain Core inserts (executemany), not ORM bulk inserts: no identity map work per row.
    if rows:
        session.execute(insert(cast(Table, Signal.__table__)), rows)
    if categories:
        session.execute(insert(cast(Table, SignalCategory.__table__)), categories)
    if impacts:
        session.execute(insert(cast(Table, SignalImpact.__table__)), impacts)
