"""The admin's accountability, composed: the approvals' executors and audited ledger changes.

``registry.approvals`` decides who may approve what; what an approved action *does* needs the
privacy ledger (a budget allocation) or the accounts (a new account, or another role, with
access to figures: ``registry.role_changes``), so the executors are built here, in the
composition root, and handed to the :class:`~registry.approvals.ApprovalService`. Every
executor runs inside the approval's transaction through :class:`~registry.joined.JoinedDatabase`
and writes its own audit entry there.

The command line allocates budgets, changes caps and creates accounts directly (whoever runs it
controls the server anyway); those changes are logged with the actor ``cli``, in the same
transaction as the change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from privacy.accounting import Cap
from privacy.exact import format_epsilon, to_fraction
from privacy.ledger import BudgetLedger, BudgetStatus
from registry.accounts import Principal, Role, hash_token
from registry.activation import ActivationService
from registry.approvals import ApprovalKind, ApprovalService, Decision, Executor
from registry.audit import CLI_ACTOR, SYSTEM_ACTOR, AuditAction, AuditLog
from registry.db import Database
from registry.errors import Forbidden, NotFound
from registry.joined import JoinedDatabase
from registry.models import ApiToken
from registry.organisations import OrganisationService
from registry.role_changes import RoleChange, account_id_of, change_role
from web.services import RegistryServices

ActivationIn = Callable[[Session], ActivationService]


def allocate(session: Session, default_cap: Cap, audit: AuditLog, actor: str, consumer: str,
             year: int, rho: str, approval: Decision | None = None) -> BudgetStatus:
    """Set a consumer's share in ``session``'s transaction, with its audit entry."""
    status = BudgetLedger(JoinedDatabase(session), default_cap).set_budget(consumer, year, rho)
    detail: dict[str, Any] = {"consumer": consumer, "year": year,
                              "rho": format_epsilon(status.total),
                              "spent": format_epsilon(status.spent)}
    if approval is not None:
        detail |= {"approval": approval.approval_id, "proposed_by": approval.proposed_by}
    audit.record(session, actor, AuditAction.BUDGET_ALLOCATED, f"consumer:{consumer}", detail)
    return status


def change_cap(db: Database, default_cap: Cap, actor: str, year: int, cap: Cap,
               reason: str) -> Cap:
    """Change a year's cap: the ledger's public log and the audit log, in one transaction.

    The reason is free text and public in the ledger's own log; the audit entry holds the
    numbers only.
    """
    audit = AuditLog(db)
    with db.session(immediate=True) as session:
        ledger = BudgetLedger(JoinedDatabase(session), default_cap)
        previous = ledger.year(year).cap
        ledger.set_cap(year, cap, reason)
        audit.record(session, actor, AuditAction.CAP_CHANGED, f"year:{year}", {
            "year": year, "previous_epsilon": format_epsilon(previous.epsilon),
            "epsilon": format_epsilon(cap.epsilon), "delta": format_epsilon(cap.delta),
            "rho": format_epsilon(cap.rho)})
    return cap


def allocate_directly(db: Database, default_cap: Cap, actor: str, consumer: str, year: int,
                      rho: str) -> BudgetStatus:
    """An operator's allocation from the command line, logged with its actor."""
    with db.session(immediate=True) as session:
        return allocate(session, default_cap, AuditLog(db), actor, consumer, year, rho)


def _budget_executor(default_cap: Cap, audit: AuditLog) -> Executor:
    def execute(session: Session, payload: Mapping[str, Any],
                decision: Decision) -> Mapping[str, Any]:
        status = allocate(session, default_cap, audit, decision.approved_by,
                          str(payload["consumer"]), int(payload["year"]),
                          format_epsilon(to_fraction(str(payload["rho"]), "rho")), decision)
        return {"total": status.total, "spent": status.spent, "remaining": status.remaining}

    return execute


def _role_executor(audit: AuditLog, activation_in: ActivationIn) -> Executor:
    def execute(session: Session, payload: Mapping[str, Any],
                decision: Decision) -> Mapping[str, Any]:
        known = frozenset(u.code for u in OrganisationService(JoinedDatabase(session))
                          .structure().organisations)
        if payload["operation"] == "change_role":
            return {"change": _change_role(session, audit, payload, decision, known)}
        if payload["operation"] != "create":
            raise ValueError(f"unknown operation {payload['operation']!r}")
        # The approving admin receives the one-time activation link; nobody sees a password.
        principal, activation = activation_in(session).invite(
            str(payload["username"]), Role(str(payload["role"])).value,
            organisation=payload.get("organisation"),
            default_channel=payload.get("default_channel"), known_organisations=known,
            project=payload.get("project"))
        audit.record(session, decision.approved_by, AuditAction.ACCOUNT_CREATED,
                     f"account:{principal.username}", _account_detail(payload, decision))
        return {"principal": principal, "activation": activation}

    return execute


def _change_role(session: Session, audit: AuditLog, payload: Mapping[str, Any],
                 decision: Decision, known: frozenset[str]) -> RoleChange:
    """An existing account's new role, checked again against the account as it is now."""
    username = str(payload["username"])
    if decision.approved_by == username:
        # Approving is changing: nobody gives themselves a role, not even one proposed for them.
        raise Forbidden("U kunt uw eigen rol niet wijzigen; een andere beheerder moet dit "
                        "voorstel goedkeuren.")
    change = change_role(session, account_id_of(session, username), str(payload["role"]),
                         payload.get("organisation"), payload.get("project"),
                         payload.get("default_channel"), known)
    audit.record(session, decision.approved_by, AuditAction.ROLE_CHANGED, f"account:{username}",
                 change.detail() | {"approval": decision.approval_id,
                                    "proposed_by": decision.proposed_by})
    return change


def _account_detail(payload: Mapping[str, Any], decision: Decision) -> dict[str, Any]:
    detail = {key: payload[key] for key in ("role", "organisation", "project")
              if payload.get(key)}
    return detail | {"approval": decision.approval_id, "proposed_by": decision.proposed_by}


def approval_service(db: Database, default_cap: Cap,
                     activation_in: ActivationIn) -> ApprovalService:
    """``activation_in`` gives the activation service working in a session (the container's
    own, joined to the approval's transaction)."""
    audit = AuditLog(db)
    return ApprovalService(db, {
        ApprovalKind.BUDGET_ALLOCATION: _budget_executor(default_cap, audit),
        ApprovalKind.GRANT_FIGURE_ROLE: _role_executor(audit, activation_in),
    }, audit)


def record_cli_account(audit: AuditLog, session: Session, principal: Principal) -> None:
    """An account ``signal-registry create-user`` made: an operator acts alone on the server."""
    detail = {"role": principal.role.value, "organisation": principal.organisation,
              "project": principal.project, "default_channel": principal.default_channel}
    audit.record(session, CLI_ACTOR, AuditAction.ACCOUNT_CREATED,
                 f"account:{principal.username}", {k: v for k, v in detail.items() if v})


def record_cli_token(audit: AuditLog, session: Session, principal: Principal, token: str) -> None:
    token_id = session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(token)))
    audit.record(session, CLI_ACTOR, AuditAction.TOKEN_CREATED, f"account:{principal.username}",
                 {"token_id": token_id})


THROTTLE_EPISODE = timedelta(hours=1)


def note_throttled_sign_in(services: RegistryServices, username: str, step: str) -> None:
    """A throttled sign-in on an account (``step``: password or code), once per hour per account.

    Only a name that belongs to an account is logged: whatever else was typed (a password in the
    wrong field) never reaches the log. A throttled second-factor code means someone holds the
    password, which the account's holder and the works council should be able to see.
    """
    try:
        services.accounts.by_username(username)
    except NotFound:
        return
    services.audit.append_once(SYSTEM_ACTOR, AuditAction.LOGIN_FAILED_THROTTLED,
                               f"account:{username}", THROTTLE_EPISODE, {"step": step})
