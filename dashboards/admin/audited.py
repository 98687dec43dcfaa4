"""Account changes from the admin pages, each with its audit entry in the same transaction.

A new account with a role that sees figures, or an existing account's change to such a role, is
not carried out here: it becomes a proposal that a second administrator approves
(``registry.approvals``, carried out by ``server.governance``). Everything an administrator may
do alone (an adviser's account, another role without figures, switching an account on or off, a
password reset, a second-factor reset) happens together with its entry in the audit log, or not
at all (``registry.joined``).
"""

from __future__ import annotations

from typing import Any

from registry import role_changes
from registry.accounts import Principal, Role
from registry.activation import Activation
from registry.approvals import ApprovalKind, Proposal
from registry.audit import AuditAction
from registry.errors import Conflict, FieldError, NotFound, ValidationFailed
from registry.joined import joined
from registry.role_changes import RoleChange, check_role_change
from web.services import RegistryServices

ACCOUNT_CODES = ("role", "organisation", "project", "default_channel")


def _coded(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: fields[key] for key in ACCOUNT_CODES if fields.get(key)}


def propose_account(svc: RegistryServices, admin: str, username: str, role: Role,
                    **fields: str | None) -> Proposal:
    """Propose a new account with a role that sees figures; refuses a name taken or waiting."""
    try:
        svc.accounts.by_username(username)
    except NotFound:
        pass
    else:
        raise Conflict(errors=[FieldError("username", "Deze gebruikersnaam bestaat al.")])
    if _waiting(svc, username):
        raise Conflict(errors=[FieldError("username", "Voor deze gebruikersnaam wacht al "
                                                      "een voorstel op goedkeuring.")])
    payload = {"operation": "create", "username": username,
               **_coded({"role": role.value, **fields})}
    with svc.db.session(immediate=True) as session:
        proposal: Proposal = svc.approvals.propose(session, ApprovalKind.GRANT_FIGURE_ROLE,
                                                   payload, admin)
        return proposal


def _waiting(svc: RegistryServices, username: str) -> bool:
    """Whether a proposal for an account of this name (a new one, or another role) waits."""
    return any(waiting.kind is ApprovalKind.GRANT_FIGURE_ROLE
               and waiting.payload.get("username") == username
               for waiting in svc.approvals.pending())


ROLE_WAITING = FieldError("role", "Voor dit account wacht al een voorstel voor een andere rol. "
                                  "Laat een tweede beheerder het eerst goedkeuren of afwijzen.")


def propose_role_change(svc: RegistryServices, admin: str, account: dict[str, Any], role: Role,
                        known_organisations: frozenset[str], **fields: str | None) -> Proposal:
    """Propose another role that sees figures for an account; it keeps its role until then."""
    if _waiting(svc, account["username"]):
        raise Conflict(errors=[ROLE_WAITING])
    current = svc.accounts.by_username(account["username"])
    errors = check_role_change(current, role.value, fields.get("organisation"),
                               fields.get("project"), fields.get("default_channel"),
                               known_organisations)
    if errors:
        raise ValidationFailed(errors=errors)
    payload = {"operation": "change_role", "username": account["username"],
               **_coded({"role": role.value, **fields})}
    with svc.db.session(immediate=True) as session:
        proposal: Proposal = svc.approvals.propose(session, ApprovalKind.GRANT_FIGURE_ROLE,
                                                   payload, admin)
        return proposal


def change_role(svc: RegistryServices, admin: str, account: dict[str, Any], role: Role,
                known_organisations: frozenset[str], **fields: str | None) -> RoleChange:
    """Give an account a role without figures at once: sessions end, tokens are revoked."""
    if _waiting(svc, account["username"]):
        # Otherwise the approval would later overrule this change without anyone noticing.
        raise Conflict(errors=[ROLE_WAITING])
    with svc.db.session(immediate=True) as session:
        change = role_changes.change_role(session, account["id"], role.value,
                                          fields.get("organisation"), fields.get("project"),
                                          fields.get("default_channel"), known_organisations)
        svc.audit.record(session, admin, AuditAction.ROLE_CHANGED,
                         f"account:{account['username']}", change.detail())
        return change


def invite_account(svc: RegistryServices, admin: str, username: str, role: Role,
                   known_organisations: frozenset[str],
                   **fields: str | None) -> tuple[Principal, Activation]:
    """Create an account without figures (an adviser's) and its activation link, logged."""
    with svc.db.session(immediate=True) as session:
        principal, activation = joined(svc.activation, session).invite(
            username, role.value, known_organisations=known_organisations, **fields)
        svc.audit.record(session, admin, AuditAction.ACCOUNT_CREATED,
                         f"account:{principal.username}", _coded({"role": role.value, **fields}))
        return principal, activation


def set_active(svc: RegistryServices, admin: str, account: dict[str, Any], active: bool) -> None:
    with svc.db.session(immediate=True) as session:
        joined(svc.accounts, session).set_active(account["id"], active)
        svc.audit.record(session, admin, AuditAction.ACCOUNT_ACTIVATED if active
                         else AuditAction.ACCOUNT_DEACTIVATED, f"account:{account['username']}")


def reset_password(svc: RegistryServices, admin: str, account: dict[str, Any]) -> Activation:
    with svc.db.session(immediate=True) as session:
        activation: Activation = joined(svc.activation, session).reset(account["id"])
        svc.audit.record(session, admin, AuditAction.PASSWORD_RESET,
                         f"account:{account['username']}")
        return activation


def reset_second_factor(svc: RegistryServices, admin: str, account: dict[str, Any]) -> None:
    with svc.db.session(immediate=True) as session:
        if joined(svc.mfa, session).reset(account["id"]):
            svc.audit.record(session, admin, AuditAction.MFA_RESET,
                             f"account:{account['username']}")
