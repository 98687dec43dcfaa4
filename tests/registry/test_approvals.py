"""Four eyes: a proposal takes effect only when another admin approves it, and both steps are
logged; the proposer cannot approve, a decided or expired proposal cannot be decided again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy.orm import Session

from registry.accounts import Role
from registry.approvals import (
    EXPIRY,
    ApprovalKind,
    ApprovalService,
    ApprovalStatus,
    Decision,
    needs_approval,
)
from registry.audit import AuditLog
from registry.errors import Conflict, Forbidden, NotFound, ValidationFailed
from registry.periods import Month

YEAR = Month.current().year
BUDGET = {"consumer": "gor", "year": YEAR, "rho": "1/4"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 30)

    def __call__(self) -> datetime:
        return self.now


def _service(services, calls: list[Decision], clock: Clock | None = None,
             fail: bool = False) -> ApprovalService:  # type: ignore[no-untyped-def]
    def execute(session: Session, payload: Mapping[str, Any],
                decision: Decision) -> Mapping[str, Any]:
        calls.append(decision)
        if fail:
            raise ValidationFailed("Het jaarplafond laat dit niet toe.")
        return {"done": payload["consumer"]}

    return ApprovalService(services.db, {ApprovalKind.BUDGET_ALLOCATION: execute},
                           AuditLog(services.db), **({"clock": clock} if clock else {}))


def _propose(services, approvals: ApprovalService, by: str = "beheerder-a"):  # type: ignore[no-untyped-def]
    with services.db.session(immediate=True) as session:
        return approvals.propose(session, ApprovalKind.BUDGET_ALLOCATION, BUDGET, by)


def _actions(services) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(e.actor, e.action) for e in reversed(services.audit.page(1, 100).entries)]


def test_the_proposer_cannot_approve_and_nothing_happens(services):
    calls: list[Decision] = []
    approvals = _service(services, calls)
    proposal = _propose(services, approvals)
    with pytest.raises(Forbidden, match="eigen voorstel"):
        approvals.approve(proposal.id, "beheerder-a")
    assert calls == []
    assert [p.id for p in approvals.pending()] == [proposal.id]
    assert _actions(services) == [("beheerder-a", "budget_proposed")]


def test_a_second_admin_approves_and_both_steps_are_logged(services):
    calls: list[Decision] = []
    approvals = _service(services, calls)
    proposal = _propose(services, approvals)
    outcome = approvals.approve(proposal.id, "beheerder-b")
    assert outcome.result == {"done": "gor"}
    assert calls == [Decision(proposal.id, "beheerder-a", "beheerder-b")]
    assert outcome.proposal.status is ApprovalStatus.APPROVED
    assert outcome.proposal.decided_by == "beheerder-b"
    assert approvals.pending() == []
    assert _actions(services) == [("beheerder-a", "budget_proposed"),
                                  ("beheerder-b", "approval_approved")]
    logged = services.audit.page(1, 10).entries[-1].detail
    assert logged == {"kind": "budget_allocation", "consumer": "gor", "year": YEAR, "rho": "1/4"}
    assert services.audit.verify().intact
    with pytest.raises(Conflict, match="al goedgekeurd"):
        approvals.approve(proposal.id, "beheerder-c")
    assert len(calls) == 1


def test_a_failing_action_leaves_the_proposal_pending_and_unlogged(services):
    calls: list[Decision] = []
    approvals = _service(services, calls, fail=True)
    proposal = _propose(services, approvals)
    with pytest.raises(ValidationFailed):
        approvals.approve(proposal.id, "beheerder-b")
    assert [p.id for p in approvals.pending()] == [proposal.id]
    assert _actions(services) == [("beheerder-a", "budget_proposed")]


def test_a_rejected_proposal_is_never_carried_out(services):
    calls: list[Decision] = []
    approvals = _service(services, calls)
    proposal = _propose(services, approvals)
    assert approvals.reject(proposal.id, "beheerder-b").status is ApprovalStatus.REJECTED
    with pytest.raises(Conflict, match="al afgewezen"):
        approvals.approve(proposal.id, "beheerder-c")
    assert calls == []
    assert _actions(services)[-1] == ("beheerder-b", "approval_rejected")
    assert [p.status for p in approvals.decided()] == [ApprovalStatus.REJECTED]


def test_a_proposal_expires_after_fourteen_days(services):
    calls: list[Decision] = []
    clock = Clock()
    approvals = _service(services, calls, clock)
    proposal = _propose(services, approvals)
    clock.now += EXPIRY - timedelta(minutes=1)
    assert [p.id for p in approvals.pending()] == [proposal.id]
    clock.now += timedelta(minutes=1)
    assert approvals.pending() == []
    with pytest.raises(Conflict, match="verlopen"):
        approvals.approve(proposal.id, "beheerder-b")
    assert calls == []
    assert _actions(services)[-1] == ("system", "approval_expired")


def test_an_unknown_proposal_is_not_found(services):
    with pytest.raises(NotFound):
        _service(services, []).approve("0" * 32, "beheerder-b")


def test_a_payload_must_be_complete_and_coded(services):
    approvals = _service(services, [])
    with pytest.raises(ValueError), services.db.session(immediate=True) as session:
        approvals.propose(session, ApprovalKind.BUDGET_ALLOCATION, {"consumer": "gor"}, "a-dmin")
    with pytest.raises(ValueError), services.db.session(immediate=True) as session:
        approvals.propose(session, ApprovalKind.BUDGET_ALLOCATION,
                          {**BUDGET, "note": "vrije tekst mag niet"}, "a-dmin")
    assert approvals.pending() == []


def test_every_role_with_figures_needs_approval():
    assert {role for role in Role if needs_approval(role)} == {
        Role.PREVENTION_OFFICER, Role.WORKS_COUNCIL, Role.CENTRAL_WORKS_COUNCIL,
        Role.RESEARCHER, Role.ADMIN}


def test_the_composed_budget_approval_allocates_only_when_approved(services):
    approvals = services.approvals
    with services.db.session(immediate=True) as session:
        proposal = approvals.propose(session, ApprovalKind.BUDGET_ALLOCATION, BUDGET, "beheer-a")
    assert services.ledger.status("gor", YEAR).total == 0
    with pytest.raises(Forbidden):
        approvals.approve(proposal.id, "beheer-a")
    assert services.ledger.status("gor", YEAR).total == 0
    outcome = approvals.approve(proposal.id, "beheer-b")
    assert outcome.result["total"] == Fraction(1, 4)
    assert services.ledger.status("gor", YEAR).total == Fraction(1, 4)
    newest = services.audit.page(1, 1).entries[0]
    assert (newest.actor, newest.action, newest.subject) == ("beheer-b", "budget_allocated",
                                                             "consumer:gor")
    assert newest.detail["approval"] == proposal.id and newest.detail["rho"] == "0.25"


def test_the_composed_role_grant_creates_the_account_when_approved(services):
    approvals = services.approvals
    payload = {"operation": "create", "username": "nieuwe-or", "role": "or",
               "organisation": "MIN-A"}
    with services.db.session(immediate=True) as session:
        proposal = approvals.propose(session, ApprovalKind.GRANT_FIGURE_ROLE, payload, "beheer-a")
    assert "nieuwe-or" not in {a["username"] for a in services.accounts.list_users()}
    outcome = approvals.approve(proposal.id, "beheer-b")
    # The approving admin gets the holder's one-time activation link, never a password.
    assert outcome.result["principal"].username == "nieuwe-or"
    assert outcome.result["activation"].token
    assert services.accounts.by_username("nieuwe-or").role is Role.WORKS_COUNCIL
    newest = services.audit.page(1, 1).entries[0]
    assert (newest.action, newest.subject) == ("account_created", "account:nieuwe-or")
    assert newest.detail == {"role": "or", "organisation": "MIN-A", "approval": proposal.id,
                             "proposed_by": "beheer-a"}
