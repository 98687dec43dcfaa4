"""Follow-up outcomes of a case: validated once at the boundary, stored per case, coded only.

An adviser or a case system adds outcomes to a case later, by its case token: the month the
outcome was recorded and, per field, codes from ``registry.taxonomy.outcomes``. There is no
field for text. A later outcome for the same case replaces the earlier one field by field: the
latest state of a case counts.

The case is the one the release plan counts: its token's keyed pseudonym for the data year of
its first contact (signals are keyed per year, so the service looks for the earliest year in
which the token has signals of the caller's organisation). A token without signals there is
refused, so outcomes never make up cases and never reach into another organisation.

Idempotency works as for signals (``registry.idempotency``): the key row and the outcome rows
are written in one transaction; a retry with the same key and body stores nothing and gets the
same answer, the same key with another body a Conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError

from registry.db import Database, random_id
from registry.errors import Conflict, FieldError, ValidationFailed
from registry.idempotency import HEADER, KEY_REUSED, IdempotencyKey, IdempotentRequest, claimed_month
from registry.models import Signal
from registry.outcome_models import CaseOutcome
from registry.periods import Month
from registry.records import checked_case_token, reported_month
from registry.taxonomy.outcomes import OUTCOME_FIELDS, OutcomeCodes

PAYLOAD_FIELDS = ("case_token", "month", "fields")
# How far back the first contact of a case is looked for: signals older than the retention
# period are purged anyway.
YEARS_BACK = 5
NO_CASE = ("Geen zaak gevonden bij dit zaaknummer in uw organisatie. Een uitkomst hoort bij een "
           "zaak waarvoor al een contact is vastgelegd.")
BEFORE_CASE = "De maand ligt vóór het eerste contact van deze zaak."
# The codes that say "nothing": they stand alone in a multi-valued field.
NONE_CODES = frozenset({"geen_maatregel", "geen_nazorg"})


class CasePseudonymizer(Protocol):
    def case_pseudonym(self, token: str, year: int) -> str: ...

    def idempotency_key_hash(self, account_id: str, key: str) -> str: ...

    def idempotency_fingerprint(self, account_id: str, key: str, request: str) -> str: ...


@dataclass(frozen=True)
class OutcomeRecord:
    """Outcomes of one case as recorded in one month. Construct with :meth:`from_payload`."""

    month: Month
    values: tuple[tuple[str, tuple[str, ...]], ...]
    """(field, codes) in the code list's field order; one code for a single-valued field."""
    case_token: str = field(repr=False, default="")

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.values)

    @classmethod
    def from_payload(cls, payload: Any, codes: OutcomeCodes, *,
                     today: Month | None = None) -> OutcomeRecord:
        """Validate a JSON-like mapping; raise ValidationFailed listing every problem."""
        if not isinstance(payload, Mapping):
            raise ValidationFailed(errors=[FieldError("", "Verwacht een JSON-object.")])
        errors: list[FieldError] = []
        for name in sorted(set(payload) - set(PAYLOAD_FIELDS), key=str):
            errors.append(FieldError(str(name)[:64],
                                     "Onbekend veld; vrije tekst wordt niet opgeslagen."))
        token = _case_token(payload.get("case_token"), errors)
        month = reported_month(payload.get("month"), today or Month.current(), errors, "month")
        values = _values(payload.get("fields"), codes, errors)
        if errors:
            raise ValidationFailed(errors=errors)
        assert month is not None and token is not None
        return cls(month, values, token)


def _case_token(value: Any, errors: list[FieldError]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.append(FieldError("case_token", "Vul het zaaknummer in."))
        return None
    return checked_case_token(value, errors)


def _values(value: Any, codes: OutcomeCodes, errors: list[FieldError],
            ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, Mapping) or not value:
        errors.append(FieldError("fields", "Geef minstens één uitkomst als JSON-object "
                                           "(veld: code)."))
        return ()
    for name in sorted(set(value) - set(OUTCOME_FIELDS), key=str):
        errors.append(FieldError(f"fields.{str(name)[:64]}",
                                 "Onbekend veld; vrije tekst wordt niet opgeslagen."))
    out = []
    for name in OUTCOME_FIELDS:
        if name not in value:
            continue
        spec = codes.fields[name]
        label = spec.label_nl.lower()
        raw = value[name]
        chosen = [raw] if not spec.multiple and isinstance(raw, str) else raw
        if spec.multiple and (not isinstance(raw, list) or not raw):
            errors.append(FieldError(f"fields.{name}", f"{spec.label_nl}: geef een lijst codes."))
        elif not spec.multiple and not isinstance(raw, str):
            errors.append(FieldError(f"fields.{name}", f"Kies één code voor {label}."))
        elif not all(isinstance(c, str) and c in spec.code_set for c in chosen):
            errors.append(FieldError(f"fields.{name}", f"Onbekende code voor {label}."))
        elif len(set(chosen)) != len(chosen):
            errors.append(FieldError(f"fields.{name}", f"Een code staat dubbel bij {label}."))
        elif len(chosen) > 1 and NONE_CODES & set(chosen):
            errors.append(FieldError(f"fields.{name}",
                                     f"'{spec.get(next(iter(NONE_CODES & set(chosen)))).label_nl}'"
                                     " gaat niet samen met andere codes."))
        else:
            order = codes.codes(name)
            out.append((name, tuple(sorted(chosen, key=order.index))))
    return tuple(out)


@dataclass(frozen=True)
class RecordedOutcome:
    """What the caller is told: the fields now recorded for the case (no ids, no case)."""

    fields: tuple[str, ...]


class OutcomeService:
    def __init__(self, db: Database, pseudonymizer: CasePseudonymizer):
        self.db = db
        self.pseudonymizer = pseudonymizer

    def record(self, record: OutcomeRecord, organisations: frozenset[str] | None,
               idempotency: IdempotentRequest | None = None) -> RecordedOutcome:
        """Store the outcomes, replacing earlier values of the same fields: all or nothing."""
        answer = RecordedOutcome(record.fields)
        if idempotency is None:
            try:
                self._write(record, organisations, None)
            except IntegrityError:
                # Two writers replaced the same field at once: the second one goes again.
                self._write(record, organisations, None)
            return answer
        key_hash = self.pseudonymizer.idempotency_key_hash(idempotency.account_id,
                                                           idempotency.key)
        fingerprint = self.pseudonymizer.idempotency_fingerprint(
            idempotency.account_id, idempotency.key, idempotency.request)
        try:
            self._write(record, organisations, (key_hash, fingerprint))
            return answer
        except IntegrityError:
            pass  # a twin committed first; everything of ours was rolled back
        with self.db.session() as session:
            if claimed_month(session, key_hash, fingerprint) is None:
                raise Conflict(KEY_REUSED, [FieldError(HEADER, KEY_REUSED)])
        return answer

    def _write(self, record: OutcomeRecord, organisations: frozenset[str] | None,
               key: tuple[str, str] | None) -> None:
        with self.db.session(immediate=True) as session:
            if key is not None:
                if claimed_month(session, *key) is not None:
                    return  # a retry: answered the same, nothing stored
                session.execute(insert(IdempotencyKey).values(
                    key_hash=key[0], fingerprint=key[1], month=str(Month.current())))
            case = self._case(session, record, organisations)
            session.execute(delete(CaseOutcome).where(
                CaseOutcome.case_pseudonym == case, CaseOutcome.field.in_(record.fields)))
            rows = [{"id": random_id(), "case_pseudonym": case, "period": str(record.month),
                     "field": name, "code": code}
                    for name, chosen in record.values for code in chosen]
            session.execute(insert(CaseOutcome), rows)

    def _case(self, session: Any, record: OutcomeRecord,
              organisations: frozenset[str] | None) -> str:
        """The case's pseudonym in the data year of its first contact (of the organisations)."""
        by_pseudonym = {self.pseudonymizer.case_pseudonym(record.case_token, year): year
                        for year in range(record.month.year - YEARS_BACK, record.month.year + 1)}
        query = (select(Signal.case_pseudonym, func.min(Signal.period))
                 .where(Signal.case_pseudonym.in_(by_pseudonym))
                 .group_by(Signal.case_pseudonym))
        if organisations is not None:
            query = query.where(Signal.organisation.in_(organisations))
        found = sorted((by_pseudonym[p], first, p) for p, first in session.execute(query))
        if not found:
            raise ValidationFailed(errors=[FieldError("case_token", NO_CASE)])
        _year, first, pseudonym = found[0]
        if str(record.month) < first:
            raise ValidationFailed(errors=[FieldError("month", BEFORE_CASE)])
        return str(pseudonym)

    def purge_orphans(self) -> int:
        """Forget the outcomes of cases whose signals are all purged; returns how many rows."""
        with self.db.session() as session:
            alive = exists().where(Signal.case_pseudonym == CaseOutcome.case_pseudonym)
            result = session.execute(delete(CaseOutcome).where(~alive))
            purged = int(getattr(result, "rowcount", 0) or 0)
        self.db.erase_free_space()  # no stale copy of a forgotten case pseudonym (registry.db)
        return purged
