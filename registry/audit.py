"""The append-only audit log of security events and admin actions, hash-chained.

Who did what to which account, token, budget or cap, and when (to the minute). An entry holds
account names, coded actions and coded details only (a role, an organisation code, a rho):
never signal content, never a client address, never free text. :func:`check_detail` refuses
anything else, so a careless caller fails loudly instead of leaking.

Each entry's ``entry_hash`` is SHA-256 over the previous entry's hash and this entry's canonical
fields, and ``seq`` counts up from 1 without gaps. Removing an entry leaves a gap, and altering
one breaks its hash: :meth:`AuditLog.verify` names the first entry that does not fit. Someone
who can write the database could remove the newest entries or rewrite the whole tail with fresh
hashes; that shows only against a head (number and hash of the newest entry) written down
elsewhere, which is why the pages show the head (docs/threat-model.md).

An entry is appended inside the caller's transaction, so an action and its entry commit together
or not at all. ``seq`` is last + 1 under a lock held to the end of that transaction: SQLite's
write lock (the caller's session must begin IMMEDIATE), a transaction-level advisory lock on
PostgreSQL. The primary key on ``seq`` is the last guard: a clash rolls back the whole action.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from registry.db import Database
from registry.governance_models import AuditEntry

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of entry 1."""

CLI_ACTOR = "cli"
"""The actor of commands an operator runs on the server."""
SYSTEM_ACTOR = "system"
"""The actor of what the registry does by itself (a proposal that expires)."""

# A code: an account name, a role, an organisation or consumer code, a year, an exact rho.
# No spaces, so no sentences; "@" is left out so no e-mail address fits either.
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/+-]{0,99}$", re.ASCII)
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$", re.ASCII)
_PG_LOCK_KEY = zlib.crc32(b"signal-registry:audit_log")
MINUTE_FORMAT = "%Y-%m-%dT%H:%M"


class AuditAction(StrEnum):
    """Every kind of entry. The pages label them in Dutch (dashboards.audit_view)."""

    ACCOUNT_CREATED = "account_created"
    ROLE_CHANGED = "role_changed"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    ACCOUNT_ACTIVATED = "account_activated"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an action name
    MFA_RESET = "mfa_reset"
    TOKEN_CREATED = "token_created"  # noqa: S105 - an action name
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 - an action name
    BUDGET_PROPOSED = "budget_proposed"
    BUDGET_ALLOCATED = "budget_allocated"
    CAP_CHANGED = "cap_changed"
    APPROVAL_PROPOSED = "approval_proposed"
    APPROVAL_APPROVED = "approval_approved"
    APPROVAL_REJECTED = "approval_rejected"
    APPROVAL_EXPIRED = "approval_expired"
    LOGIN_FAILED_THROTTLED = "login_failed_throttled"
    ACTION_ADDED = "action_added"
    ACTION_CHANGED = "action_changed"
    ACTION_REMOVED = "action_removed"


Detail = Mapping[str, str | int | bool | None]


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return True


def check_code(value: str, what: str) -> str:
    """``value`` when it is a code (no free text, no client address); else ValueError."""
    if not isinstance(value, str) or not _CODE_RE.match(value):
        raise ValueError(f"audit {what} must be a code, not free text: {value!r}")
    if _is_address(value):
        raise ValueError(f"audit {what} may not hold a client address")
    return value


def check_detail(detail: Mapping[str, Any]) -> dict[str, str | int | bool | None]:
    """The detail as stored: keys are snake_case names, values codes, whole numbers or flags.

    Floats are refused (a budget is an exact decimal string), and so are nested values, free
    text and anything that reads as an IP address.
    """
    checked: dict[str, str | int | bool | None] = {}
    for key, value in detail.items():
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise ValueError(f"audit detail key must be a snake_case name: {key!r}")
        if value is None or isinstance(value, bool | int):
            checked[key] = value
        elif isinstance(value, str):
            checked[key] = check_code(value, f"detail {key}") if value else ""
        else:
            raise ValueError(f"audit detail {key} must be a code, number or flag")
    return checked


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, seq: int, occurred_at: datetime, actor: str, action: str,
               subject: str, detail_json: str) -> str:
    """SHA-256 over the previous hash and this entry's canonical fields."""
    fields = canonical([seq, occurred_at.strftime(MINUTE_FORMAT), actor, action, subject,
                        json.loads(detail_json)])
    return hashlib.sha256(f"{prev_hash}\n{fields}".encode()).hexdigest()


def utc_minute() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)


@dataclass(frozen=True)
class LoggedEntry:
    """An entry as the pages and the API show it."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]
    entry_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "occurred_at": self.occurred_at.strftime(MINUTE_FORMAT),
                "actor": self.actor, "action": self.action, "subject": self.subject,
                "detail": self.detail, "entry_hash": self.entry_hash}


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of :meth:`AuditLog.verify`: intact, or the first entry that does not fit."""

    entries: int
    broken_seq: int | None
    head_hash: str

    @property
    def intact(self) -> bool:
        return self.broken_seq is None

    def as_dict(self) -> dict[str, Any]:
        return {"intact": self.intact, "entries": self.entries, "broken_seq": self.broken_seq,
                "head_hash": self.head_hash}


@dataclass(frozen=True)
class AuditPage:
    entries: list[LoggedEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class AuditLog:
    """Appends to, reads and verifies the chain."""

    def __init__(self, db: Database, clock: Any = utc_minute):
        self.db = db
        self._clock = clock

    def record(self, session: Session, actor: str, action: AuditAction, subject: str,
               detail: Mapping[str, Any] | None = None) -> LoggedEntry:
        """Append an entry inside ``session``'s transaction (see the module docstring)."""
        check_code(actor, "actor")
        check_code(subject, "subject")
        action = AuditAction(action)
        detail_json = canonical(check_detail(detail or {}))
        self._lock(session)
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
                               .execution_options(populate_existing=True)).first()
        seq = last.seq + 1 if last else 1
        prev_hash = last.entry_hash if last else GENESIS_HASH
        occurred_at = self._clock().replace(second=0, microsecond=0)
        digest = entry_hash(prev_hash, seq, occurred_at, actor, action.value, subject, detail_json)
        session.add(AuditEntry(seq=seq, occurred_at=occurred_at, actor=actor, action=action.value,
                               subject=subject, detail=detail_json, prev_hash=prev_hash,
                               entry_hash=digest))
        session.flush()
        return LoggedEntry(seq, occurred_at, actor, action.value, subject,
                           json.loads(detail_json), digest)

    def append(self, actor: str, action: AuditAction, subject: str,
               detail: Mapping[str, Any] | None = None) -> LoggedEntry:
        """Record an event that belongs to no other transaction (a throttled sign-in)."""
        with self.db.session(immediate=True) as session:
            return self.record(session, actor, action, subject, detail)

    def append_once(self, actor: str, action: AuditAction, subject: str, within: timedelta,
                    detail: Mapping[str, Any] | None = None) -> LoggedEntry | None:
        """Record an event unless the same one is already logged less than ``within`` ago.

        For events an outsider can repeat at will (sign-in attempts on a throttled name): one
        entry per episode says what happened without letting anyone flood the log.
        """
        action = AuditAction(action)
        with self.db.session(immediate=True) as session:
            self._lock(session)  # before the check, so two at once cannot both miss the other
            since = self._clock().replace(second=0, microsecond=0) - within
            recent = session.scalars(select(AuditEntry.seq).where(
                AuditEntry.action == action.value, AuditEntry.subject == subject,
                AuditEntry.occurred_at > since).limit(1)).first()
            if recent is not None:
                return None
            return self.record(session, actor, action, subject, detail)

    @staticmethod
    def _lock(session: Session) -> None:
        if session.get_bind().dialect.name == "sqlite":
            options = session.connection().get_execution_options()
            if options.get("sqlite_begin") != "IMMEDIATE":
                # A DEFERRED transaction could read the same last entry as another writer.
                raise RuntimeError("audit entries on SQLite need db.session(immediate=True)")
        else:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})

    def page(self, page: int = 1, per_page: int = 50) -> AuditPage:
        """Newest first."""
        page = max(page, 1)
        with self.db.session() as session:
            total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
            rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())
                                   .offset((page - 1) * per_page).limit(per_page)).all()
            return AuditPage([_logged(row) for row in rows], total, page, per_page)

    def entries(self, session: Session) -> Iterator[AuditEntry]:
        yield from session.scalars(select(AuditEntry).order_by(AuditEntry.seq)
                                   .execution_options(yield_per=500))

    def verify(self) -> ChainCheck:
        """Walk the chain from entry 1; the first seq that is missing or does not fit."""
        expected, prev = 1, GENESIS_HASH
        with self.db.session() as session:
            for row in self.entries(session):
                if row.seq != expected:
                    return ChainCheck(expected - 1, expected, prev)
                digest = entry_hash(prev, row.seq, row.occurred_at, row.actor, row.action,
                                    row.subject, _json_or_none(row.detail))
                if row.prev_hash != prev or row.entry_hash != digest:
                    return ChainCheck(expected - 1, row.seq, prev)
                expected, prev = expected + 1, row.entry_hash
        return ChainCheck(expected - 1, None, prev)


def _json_or_none(detail: str) -> str:
    # An altered detail that is no longer JSON must break the chain, not the check.
    try:
        json.loads(detail)
    except ValueError:
        return canonical(None)
    return detail


def _logged(row: AuditEntry) -> LoggedEntry:
    try:
        detail = json.loads(row.detail)
    except ValueError:
        detail = {}
    return LoggedEntry(row.seq, row.occurred_at, row.actor, row.action, row.subject,
                       detail if isinstance(detail, dict) else {}, row.entry_hash)
