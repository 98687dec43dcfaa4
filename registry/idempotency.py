"""Idempotency keys: a retried request gets the first answer and stores nothing new.

A case system that lost the answer to ``POST /api/v1/signals`` (a timeout, a dropped
connection) sends the same request again with the same ``Idempotency-Key`` header and must get
the same id and receipt back, not a second signal. The difficulty is that the receipt may never
be stored in clear, and nothing may tie a signal to the account that entered it.

How it works, and why it keeps those promises:

* The id and receipt of an idempotent request are not random but *derived*: a BLAKE2b digest
  keyed with a secret from the master secret (``KeyedPseudonymizer.idempotent_signal``) over
  (account id, key, month, index). A retry recomputes them; they are stored nowhere but where
  every signal keeps them (the id, and the keyed ``receipt_hash``). Without the master secret
  the derived values are as unpredictable as random ones and reveal no order.
* The row kept per key (:class:`IdempotencyKey`) holds only a keyed hash of (account id, key),
  a keyed fingerprint of the canonical request and the month it arrived. No receipt, no key, no
  account id, and not even the signal id: the answer is recomputed, so the row needs no link to
  the signal, and a reader of the database cannot join the two tables. Linking a row to a
  signal or an account takes the master secret *and* the case system's own key, and whoever
  has both could already recompute the receipt.
* The fingerprint is salted with account and key, so identical bodies (coded fields have little
  entropy) give unrelated fingerprints and cannot be guessed back or grouped.
* The row and the signals are written in ONE transaction, the row first: a concurrent twin
  blocks on the primary key and fails with an IntegrityError once the winner commits (on
  SQLite the IMMEDIATE transaction serialises them outright); the loser then answers from the
  winner's row. On PostgreSQL the row and its signals share a transaction id (``xmin``) until
  the nightly ``reorder_signals`` rewrites the signal tables; the row being opaque, this links
  the signals to nothing.
* The month column exists for cleanup only: rows older than the previous month are deleted
  (:func:`purge_idempotency`, called by ``SignalService.purge`` and meant for the nightly job),
  so a key is remembered at least until the end of the next calendar month. A key reused after
  that is a new request.

On SQLite the table is WITHOUT ROWID, so rows sit in key-hash order, not arrival order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from registry.db import Base, Database
from registry.errors import Conflict, FieldError
from registry.periods import Month

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
KEY_REUSED = ("Deze Idempotency-Key is al gebruikt voor een ander verzoek; er is niets "
              "opgeslagen. Gebruik een nieuwe sleutel voor een nieuw verzoek.")


class IdempotencyKey(Base):
    """One used key of one account: opaque hashes and a month, nothing else."""

    __tablename__ = "idempotency_keys"
    __table_args__ = {"sqlite_with_rowid": False}

    # Keyed hash of (account id, key); the primary key is what serialises concurrent twins.
    key_hash: Mapped[str] = mapped_column(String(96), primary_key=True)
    # Keyed hash of the canonical request, salted with account and key.
    fingerprint: Mapped[str] = mapped_column(String(96))
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM, for cleanup


@dataclass(frozen=True)
class IdempotentRequest:
    """What the API layer hands down: who (opaquely), the key, and the canonical request.

    ``request`` names the endpoint and carries the parsed body in a canonical JSON form, so the
    same key on another endpoint or with another body is refused rather than replayed.
    """

    account_id: str
    key: str
    request: str = ""

    def __repr__(self) -> str:  # the key and body never end up in a log line
        return "IdempotentRequest(...)"


def valid_key(key: str) -> bool:
    """1 to 200 printable ASCII characters (space to tilde)."""
    return 1 <= len(key) <= MAX_KEY_LENGTH and all(" " <= char <= "~" for char in key)


def claimed_month(session: Session, key_hash: str, fingerprint: str) -> Month | None:
    """The month the key was first used in, None if it is new; Conflict for another request."""
    row = session.get(IdempotencyKey, key_hash)
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise Conflict(KEY_REUSED, [FieldError(HEADER, KEY_REUSED)])
    return Month.parse(row.month)


def purge_idempotency(db: Database, before: Month) -> int:
    """Forget keys first used in months before ``before``; returns how many went."""
    with db.session() as session:
        result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.month < str(before)))
        return int(getattr(result, "rowcount", 0) or 0)
