"""Security notices for an account holder: what was done to their account by someone else.

A reset by the administrator or a new API token is told to the holder at their next sign-in
and on their account page, so a change they did not expect does not go unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.db import Database
from registry.models import AccountNotice


class NoticeKind(StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a kind of notice, not a secret
    MFA_RESET = "mfa_reset"
    TOKEN_CREATED = "token_created"  # noqa: S105 - a kind of notice, not a secret


@dataclass(frozen=True)
class Notice:
    id: str
    kind: NoticeKind
    occurred_at: datetime


def now() -> datetime:
    """The moment stored with a notice: UTC, to the minute (nothing finer is shown)."""
    return datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)


def add_notice(session: Session, account_id: str, kind: NoticeKind) -> None:
    """Record a notice in the caller's unit of work, so it is stored with the change or not at all."""
    session.add(AccountNotice(account_id=account_id, kind=kind.value, occurred_at=now(),
                              seen=False))


class NoticeService:
    def __init__(self, db: Database):
        self.db = db

    def unseen(self, account_id: str) -> list[Notice]:
        with self.db.session() as session:
            rows = session.scalars(
                select(AccountNotice)
                .where(AccountNotice.account_id == account_id, AccountNotice.seen.is_(False))
                .order_by(AccountNotice.occurred_at, AccountNotice.id)
            )
            return [Notice(row.id, NoticeKind(row.kind), row.occurred_at) for row in rows]

    def mark_seen(self, account_id: str) -> None:
        """Mark every notice of the account as seen (only the holder's own)."""
        with self.db.session() as session:
            session.execute(update(AccountNotice)
                            .where(AccountNotice.account_id == account_id)
                            .values(seen=True))
