"""Four eyes on the admin actions that open up figures: a second admin approves or rejects.

Two kinds of action take effect only when an administrator other than the proposer approves
them: a budget allocation (a share of a data year's privacy cap) and granting a role with
access to figures (creating such an account, or changing an account's role to one). The
proposer can never approve their own proposal, and a proposal left undecided expires after
:data:`EXPIRY_DAYS` days.

Approving runs the action through an executor per kind that the composition root supplies
(``server.governance``), so this module needs neither the privacy ledger nor the web layer. The
approval, its audit entries and the action share one transaction: the action happens and is
logged as approved, or nothing changes and the proposal stays pending.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts import Role
from registry.audit import (
    SYSTEM_ACTOR,
    AuditAction,
    AuditLog,
    canonical,
    check_detail,
    utc_minute,
)
from registry.db import Database
from registry.errors import Conflict, Forbidden, NotFound
from registry.governance_models import PendingApproval

EXPIRY_DAYS = 14
EXPIRY = timedelta(days=EXPIRY_DAYS)

FIGURE_ROLES = frozenset({Role.PREVENTION_OFFICER, Role.WORKS_COUNCIL,
                          Role.CENTRAL_WORKS_COUNCIL, Role.RESEARCHER, Role.ADMIN})
"""Roles that see figures, or (admin) can hand out what sees them: granting one needs approval."""


def needs_approval(role: Role | str) -> bool:
    return Role(role) in FIGURE_ROLES


class ApprovalKind(StrEnum):
    BUDGET_ALLOCATION = "budget_allocation"
    GRANT_FIGURE_ROLE = "grant_figure_role"

    @property
    def proposed_action(self) -> AuditAction:
        if self is ApprovalKind.BUDGET_ALLOCATION:
            return AuditAction.BUDGET_PROPOSED
        return AuditAction.APPROVAL_PROPOSED


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


REQUIRED_KEYS = {
    ApprovalKind.BUDGET_ALLOCATION: frozenset({"consumer", "year", "rho"}),
    ApprovalKind.GRANT_FIGURE_ROLE: frozenset({"operation", "username", "role"}),
}
GRANT_OPERATIONS = ("create", "change_role")
"""A new account with a role that sees figures, or an existing account's change to one."""


@dataclass(frozen=True)
class Proposal:
    id: str
    kind: ApprovalKind
    payload: dict[str, Any]
    proposed_by: str
    proposed_at: datetime
    status: ApprovalStatus
    decided_by: str | None
    decided_at: datetime | None

    @property
    def expires_at(self) -> datetime:
        return self.proposed_at + EXPIRY


@dataclass(frozen=True)
class Decision:
    """What an executor is told about the approval it carries out."""

    approval_id: str
    proposed_by: str
    approved_by: str


Executor = Callable[[Session, Mapping[str, Any], Decision], Mapping[str, Any] | None]
"""Carries out an approved action inside the approval's transaction; may return what the
approving admin is shown once (a generated password), which is never stored."""


@dataclass(frozen=True)
class Approved:
    proposal: Proposal
    result: Mapping[str, Any]


class ApprovalService:
    def __init__(self, db: Database, executors: Mapping[ApprovalKind, Executor],
                 audit: AuditLog | None = None, clock: Callable[[], datetime] = utc_minute):
        self.db = db
        self.executors = executors
        self.audit = audit or AuditLog(db)
        self._clock = clock

    def propose(self, session: Session, kind: ApprovalKind | str, payload: Mapping[str, Any],
                proposed_by: str) -> Proposal:
        """Store a proposal in the caller's transaction and log it."""
        kind = ApprovalKind(kind)
        missing = REQUIRED_KEYS[kind] - set(payload)
        if missing:
            raise ValueError(f"a {kind} proposal needs {sorted(missing)}")
        if kind is ApprovalKind.GRANT_FIGURE_ROLE and payload["operation"] not in GRANT_OPERATIONS:
            raise ValueError(f"unknown operation {payload['operation']!r}")
        stored = check_detail(payload)  # the payload is logged too: codes only
        row = PendingApproval(kind=kind.value, payload=canonical(stored), proposed_by=proposed_by,
                              proposed_at=self._clock(), status=ApprovalStatus.PENDING.value)
        session.add(row)
        session.flush()
        self.audit.record(session, proposed_by, kind.proposed_action, f"approval:{row.id}",
                          {"kind": kind.value, **stored})
        return _proposal(row)

    def approve(self, approval_id: str, admin: str) -> Approved:
        """Carry out a proposal of another admin; refuses one's own, a decided or expired one."""
        self.expire_stale()
        with self.db.session(immediate=True) as session:
            row = self._pending(session, approval_id)
            if row.proposed_by == admin:
                raise Forbidden("U kunt uw eigen voorstel niet goedkeuren; een tweede beheerder "
                                "moet dat doen.")
            row.status, row.decided_by = ApprovalStatus.APPROVED.value, admin
            row.decided_at = self._clock()
            kind = ApprovalKind(row.kind)
            self.audit.record(session, admin, AuditAction.APPROVAL_APPROVED, f"approval:{row.id}",
                              {"kind": kind.value, "proposed_by": row.proposed_by})
            result = self.executors[kind](session, json.loads(row.payload),
                                          Decision(row.id, row.proposed_by, admin))
            return Approved(_proposal(row), dict(result or {}))

    def reject(self, approval_id: str, admin: str) -> Proposal:
        """Turn a proposal down; the proposer may withdraw their own this way too."""
        self.expire_stale()
        with self.db.session(immediate=True) as session:
            row = self._pending(session, approval_id)
            row.status, row.decided_by = ApprovalStatus.REJECTED.value, admin
            row.decided_at = self._clock()
            self.audit.record(session, admin, AuditAction.APPROVAL_REJECTED, f"approval:{row.id}",
                              {"kind": row.kind, "proposed_by": row.proposed_by})
            return _proposal(row)

    def expire_stale(self) -> int:
        """Mark proposals older than :data:`EXPIRY` expired, each with an entry in the log."""
        cutoff = self._clock() - EXPIRY
        stale_rows = select(PendingApproval).where(
            PendingApproval.status == ApprovalStatus.PENDING.value,
            PendingApproval.proposed_at <= cutoff).order_by(PendingApproval.proposed_at)
        with self.db.session() as session:
            # A plain read first: the pages call this on every visit, and SQLite's write lock
            # is only worth taking when something has expired.
            if session.scalars(stale_rows.limit(1)).first() is None:
                return 0
        with self.db.session(immediate=True) as session:
            stale = session.scalars(stale_rows.with_for_update()).all()
            for row in stale:
                row.status, row.decided_at = ApprovalStatus.EXPIRED.value, self._clock()
                self.audit.record(session, SYSTEM_ACTOR, AuditAction.APPROVAL_EXPIRED,
                                  f"approval:{row.id}", {"kind": row.kind,
                                                         "proposed_by": row.proposed_by})
            return len(stale)

    def pending(self) -> list[Proposal]:
        """Undecided proposals that have not expired, oldest first."""
        cutoff = self._clock() - EXPIRY
        with self.db.session() as session:
            rows = session.scalars(select(PendingApproval).where(
                PendingApproval.status == ApprovalStatus.PENDING.value,
                PendingApproval.proposed_at > cutoff).order_by(PendingApproval.proposed_at)).all()
            return [_proposal(row) for row in rows]

    def decided(self, limit: int = 20) -> list[Proposal]:
        """The latest decided (or expired) proposals, newest first."""
        with self.db.session() as session:
            rows = session.scalars(select(PendingApproval).where(
                PendingApproval.status != ApprovalStatus.PENDING.value)
                .order_by(PendingApproval.decided_at.desc()).limit(limit)).all()
            return [_proposal(row) for row in rows]

    def _pending(self, session: Session, approval_id: str) -> PendingApproval:
        row = session.scalars(select(PendingApproval).where(PendingApproval.id == approval_id)
                              .with_for_update().execution_options(populate_existing=True)).first()
        if row is None:
            raise NotFound("Dit voorstel bestaat niet.")
        if row.status != ApprovalStatus.PENDING.value:
            raise Conflict(_DECIDED[ApprovalStatus(row.status)])
        return row


_DECIDED = {
    ApprovalStatus.APPROVED: "Dit voorstel is al goedgekeurd.",
    ApprovalStatus.REJECTED: "Dit voorstel is al afgewezen.",
    ApprovalStatus.EXPIRED: f"Dit voorstel is verlopen: het lag er langer dan {EXPIRY_DAYS} dagen.",
}


def _proposal(row: PendingApproval) -> Proposal:
    return Proposal(row.id, ApprovalKind(row.kind), json.loads(row.payload), row.proposed_by,
                    row.proposed_at, ApprovalStatus(row.status), row.decided_by, row.decided_at)
