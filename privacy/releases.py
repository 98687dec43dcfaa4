"""Immutable, signed releases: the only form in which figures leave the registry.

A release is stored once per (scope, spec): asking the same question again returns the stored
answer and spends nothing ("release once, share many"). Fresh noise for a repeated question
would let anyone average the noise away, so a repeat must never recompute.

The result is computed outside the budget lock (it may take a while); then, in one locked
transaction, a concurrent twin is looked for again, the cost is charged to every data year the
release touches (``privacy.ledger``), and the signed release is inserted, so the charges and the
release commit together or not at all.

Costs are in zCDP rho (``privacy.accounting``). The signed document keeps its shape; its
``epsilon_spent`` reads "rho 0.02" for releases charged to the capped ledger and a plain epsilon
for releases made under the earlier per-consumer design, which stay verifiable as they were.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from privacy.ledger import (
    BudgetLedger,
    BudgetStatus,
    Exact,
    check_consumer,
    format_epsilon,
    parse_epsilon,
    positive_epsilon,
)
from privacy.models import SCOPE_LENGTH, ReleaseRecord
from privacy.signing import Signer, canonical_json, verify_document
from registry.db import Database, random_id
from registry.errors import FieldError, NotFound, ValidationFailed

Spec = str | Mapping[str, Any]
_SCOPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._/-]*$")


def canonical_spec(spec: Spec) -> tuple[str, str]:
    """The canonical JSON text of a spec and its SHA-256 hex digest.

    A spec given as JSON text is parsed first, so key order and whitespace do not make the same
    question look new; any other text is taken as a plain key.
    """
    if isinstance(spec, str):
        if not spec.strip():
            raise ValidationFailed("Lege specificatie.", [FieldError("spec", "Lege specificatie.")])
        try:
            value: Any = json.loads(spec)
        except ValueError:
            value = spec
    else:
        value = dict(spec)
    text = canonical_json(value)
    return text.decode("utf-8"), hashlib.sha256(text).hexdigest()


def release_document(*, release_id: str, scope: str, spec: Any, result: Any, epsilon_spent: str,
                     release_date: date, replaces: str | None, public_key: str) -> dict[str, Any]:
    """The document that is signed and exported; exactly these keys."""
    return {
        "release_id": release_id,
        "scope": scope,
        "spec": spec,
        "result": result,
        "epsilon_spent": epsilon_spent,
        "release_date": release_date.isoformat(),
        "replaces": replaces,
        "public_key": public_key,
    }


@dataclass(frozen=True)
class Release:
    """A stored release. ``spec`` and ``result`` are parsed afresh on each access, so a caller
    that changes what it got back cannot change the release."""

    id: str
    consumer: str
    scope: str
    year: int
    spec_json: str
    spec_hash: str
    result_json: str
    epsilon_spent: Fraction
    release_date: date
    replaces: str | None
    signature: str
    public_key: str
    key_id: str
    budget_unit: str | None = None
    """"rho" when charged to the capped ledger; None for the earlier epsilon design."""

    @property
    def legacy(self) -> bool:
        """Made under the earlier design (per-consumer epsilon budgets, monthly tables)."""
        return self.budget_unit is None

    @property
    def cost_text(self) -> str:
        """What the release cost, with its unit, as it stands in the signed document."""
        return cost_text(self.epsilon_spent, self.budget_unit)

    @property
    def spec(self) -> Any:
        return json.loads(self.spec_json)

    @property
    def result(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.result_json)
        return value

    def document(self) -> dict[str, Any]:
        return release_document(
            release_id=self.id, scope=self.scope, spec=self.spec, result=self.result,
            epsilon_spent=self.cost_text, release_date=self.release_date,
            replaces=self.replaces, public_key=self.public_key,
        )

    def verify(self) -> bool:
        """True when the stored signature matches the stored content."""
        return verify_document(self.document(), self.signature, self.public_key)


def signed_unstored(scope: str, spec: Mapping[str, Any], result: Mapping[str, Any], year: int,
                    signer: Signer, today: date) -> Release:
    """A signed document in the release file format that spends nothing (epsilon 0) and is not
    stored: the signed report and the council's download manifest, which
    ``signal-registry verify`` checks like any release."""
    spec_json, spec_hash = canonical_spec(spec)
    result_json = canonical_json(result).decode("utf-8")
    release_id = random_id()
    document = release_document(release_id=release_id, scope=scope, spec=json.loads(spec_json),
                                result=json.loads(result_json), epsilon_spent="0",
                                release_date=today, replaces=None,
                                public_key=signer.public_key_b64)
    return Release(id=release_id, consumer=scope, scope=scope, year=year,
                   spec_json=spec_json, spec_hash=spec_hash, result_json=result_json,
                   epsilon_spent=Fraction(0), release_date=today, replaces=None,
                   signature=signer.sign(document), public_key=signer.public_key_b64,
                   key_id=signer.key_id)


@dataclass(frozen=True)
class ReleaseResult:
    release: Release
    spent_now: bool
    budget: BudgetStatus


@dataclass(frozen=True)
class ReleasePreview:
    """What a release would cost: nothing when it is already stored (``cached``)."""

    cached: bool
    release_id: str | None
    cost: Fraction
    allowed: bool
    remaining: Fraction
    remaining_after: Fraction


def cost_text(cost: Fraction, unit: str | None) -> str:
    return f"rho {format_epsilon(cost)}" if unit == "rho" else format_epsilon(cost)


def _to_value(record: ReleaseRecord) -> Release:
    return Release(
        id=record.id, consumer=record.consumer, scope=record.scope, year=record.year,
        spec_json=record.spec_json, spec_hash=record.spec_hash, result_json=record.result_json,
        epsilon_spent=parse_epsilon(record.epsilon_spent), release_date=record.release_date,
        replaces=record.replaces, signature=record.signature, public_key=record.public_key,
        key_id=record.key_id, budget_unit=record.budget_unit,
    )


def check_scope(scope: str) -> str:
    if len(scope) > SCOPE_LENGTH or not _SCOPE_RE.match(scope):
        message = f"Ongeldige reikwijdte: {scope!r}."
        raise ValidationFailed(message, [FieldError("scope", message)])
    return scope


class ReleaseService:
    def __init__(self, db: Database, ledger: BudgetLedger, signer: Signer,
                 today: Callable[[], date] = date.today):
        self.db = db
        self.ledger = ledger
        self.signer = signer
        self._today = today

    # -- reading ---------------------------------------------------------------------------

    def get(self, release_id: str) -> Release:
        with self.db.session() as session:
            record = session.get(ReleaseRecord, release_id)
            if record is None:
                raise NotFound("Release niet gevonden.")
            return _to_value(record)

    def find(self, scope: str, spec: Spec) -> Release | None:
        """The stored release for this question in this scope, if there is one."""
        _, spec_hash = canonical_spec(spec)
        with self.db.session() as session:
            return self._find(session, scope, spec_hash)

    def list_for(self, scope: str) -> list[Release]:
        """Releases of a scope, newest first."""
        with self.db.session() as session:
            records = session.scalars(
                select(ReleaseRecord).where(ReleaseRecord.scope == scope)
                .order_by(ReleaseRecord.release_date.desc(), ReleaseRecord.id)
            ).all()
            return [_to_value(record) for record in records]

    def specs_for(self, scope: str) -> list[tuple[str, Any]]:
        """(id, spec) of every release of a scope: what an index needs, without the results
        (a release's result can be hundreds of kilobytes of JSON)."""
        table = ReleaseRecord.__table__
        with self.db.session() as session:
            rows = session.execute(select(table.c.id, table.c.spec_json)
                                   .where(table.c.scope == scope)).all()
        return [(str(release_id), json.loads(spec_json)) for release_id, spec_json in rows]

    def preview(self, consumer: str, scope: str, years: int | tuple[int, ...], spec: Spec,
                rho: Exact) -> ReleasePreview:
        """What :meth:`release` would cost now, without spending anything."""
        check_scope(scope)
        cost = positive_epsilon(rho, "rho")
        existing = self.find(scope, spec)
        allowed, after = self.ledger.preview(consumer, years, cost)
        remaining = after + cost if allowed else after
        if existing is not None:
            return ReleasePreview(True, existing.id, Fraction(0), True, remaining, remaining)
        return ReleasePreview(False, None, cost, allowed, remaining, after)

    # -- releasing -------------------------------------------------------------------------

    def release(self, consumer: str, scope: str, years: int | tuple[int, ...], spec: Spec,
                rho: Exact, compute: Callable[[], Mapping[str, Any]], *,
                replaces: str | None = None, prepaid: bool = False) -> ReleaseResult:
        """Return the stored release for (scope, spec), or compute, charge and store a new one.

        ``years`` are the data years the release touches; each is charged ``rho`` in full.
        ``prepaid`` releases (a later release of a series whose whole cost its first release
        paid, ``privacy.plan``) are stored with cost 0 and charge nothing.
        Raises :class:`BudgetExceeded` (403) when the consumer's share or a year's cap is short.
        """
        check_consumer(consumer)
        check_scope(scope)
        spans = (years,) if isinstance(years, int) else tuple(sorted(set(years)))
        cost = Fraction(0) if prepaid else positive_epsilon(rho, "rho")
        spec_json, spec_hash = canonical_spec(spec)
        with self.db.session() as session:
            existing = self._find(session, scope, spec_hash)
            if existing is None and replaces is not None:
                self._check_replaces(session, replaces, scope)
        if existing is not None:
            return ReleaseResult(existing, False, self._tightest(consumer, spans))
        # Refuse before computing: an unaffordable question should not cost a second of work.
        if not prepaid:
            allowed, _remaining = self.ledger.preview(consumer, spans, cost)
            if not allowed:
                raise self.ledger.refusal(consumer, spans, cost)

        result_json = _result_json(compute())
        try:
            with self.ledger.locked(spans) as session:
                twin = self._find(session, scope, spec_hash)
                if twin is not None:
                    # A concurrent request for the same question won; its answer is the answer,
                    # and the result computed here is discarded unseen.
                    return ReleaseResult(twin, False, self._tightest(consumer, spans, session))
                record = self._record(consumer, scope, spans[0], spec_json, spec_hash,
                                      result_json, cost, replaces)
                session.add(record)
                session.flush()
                budget = (self.ledger.spend(session, consumer, spans, cost, record.id)
                          if not prepaid else self._tightest(consumer, spans, session))
                release = _to_value(record)
        except IntegrityError:
            # On PostgreSQL a twin may win the unique (scope, spec_hash) race; this transaction
            # (with its charges) has been rolled back.
            winner = self.find(scope, spec)
            if winner is None:
                raise
            return ReleaseResult(winner, False, self._tightest(consumer, spans))
        return ReleaseResult(release, True, budget)

    def _tightest(self, consumer: str, years: tuple[int, ...],
                  session: Session | None = None) -> BudgetStatus:
        if session is not None:
            statuses = [self.ledger._status(session, consumer, y) for y in years]
        else:
            statuses = [self.ledger.status(consumer, y) for y in years]
        return min(statuses, key=lambda s: s.remaining)

    # -- internals -------------------------------------------------------------------------

    def _record(self, consumer: str, scope: str, year: int, spec_json: str, spec_hash: str,
                result_json: str, cost: Fraction, replaces: str | None) -> ReleaseRecord:
        release_id = random_id()
        today = self._today()
        epsilon_text = format_epsilon(cost)
        # Sign what a reader will rebuild: the stored texts, parsed.
        document = release_document(
            release_id=release_id, scope=scope, spec=json.loads(spec_json),
            result=json.loads(result_json), epsilon_spent=cost_text(cost, "rho"),
            release_date=today,
            replaces=replaces, public_key=self.signer.public_key_b64,
        )
        return ReleaseRecord(
            id=release_id, consumer=consumer, scope=scope, year=year, spec_json=spec_json,
            spec_hash=spec_hash, result_json=result_json, epsilon_spent=epsilon_text,
            release_date=today, replaces=replaces, signature=self.signer.sign(document),
            public_key=self.signer.public_key_b64, key_id=self.signer.key_id,
            budget_unit="rho",
        )

    @staticmethod
    def _find(session: Session, scope: str, spec_hash: str) -> Release | None:
        record = session.scalar(
            select(ReleaseRecord).where(ReleaseRecord.scope == scope,
                                        ReleaseRecord.spec_hash == spec_hash)
        )
        return _to_value(record) if record is not None else None

    @staticmethod
    def _check_replaces(session: Session, replaces: str, scope: str) -> None:
        old = session.get(ReleaseRecord, replaces)
        if old is None or old.scope != scope:
            message = "De release die wordt vervangen bestaat niet in deze reikwijdte."
            raise ValidationFailed(message, [FieldError("replaces", message)])


def _result_json(result: Mapping[str, Any]) -> str:
    if not isinstance(result, Mapping):
        raise TypeError(f"compute() must return a mapping, not {type(result).__name__}")
    return canonical_json(dict(result)).decode("utf-8")
