"""Changing an existing account's role (and its organisation, project or default channel).

The same rules as for a new account hold (``AccountService.check_new_user``, without the
username), and choosing what the account already has is refused rather than logged as a change.
A change ends every session of the account (its session version moves on) and revokes its API
tokens: whoever holds a token or a signed-in browser must not keep the old role's powers under
the new role, nor receive the new role's powers without anyone handing them out again.

Whether a change needs a second administrator (``registry.approvals.needs_approval``) and its
audit entry are the caller's concern; :func:`change_role` works in the caller's transaction, so
the change, the revoked tokens and the audit entry commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts import AccountService, Principal, Role, principal_of
from registry.errors import FieldError, NotFound, ValidationFailed
from registry.models import Account

SAME_ROLE = ("Dit account heeft deze rol al, met dezelfde organisatie, hetzelfde "
             "onderzoeksproject en hetzelfde standaardkanaal. Kies iets anders.")


@dataclass(frozen=True)
class RoleChange:
    """What a change did: the role and scope before and after, and how many tokens it revoked."""

    username: str
    previous: Principal
    role: Role
    organisation: str | None
    project: str | None
    default_channel: str | None
    tokens_revoked: int

    def detail(self) -> dict[str, Any]:
        """The audit entry's detail: codes and a count only."""
        detail: dict[str, Any] = {"previous_role": self.previous.role.value,
                                  "role": self.role.value}
        for key, value in (("previous_organisation", self.previous.organisation),
                           ("organisation", self.organisation),
                           ("previous_project", self.previous.project),
                           ("project", self.project)):
            if value:
                detail[key] = value
        return detail | {"tokens_revoked": self.tokens_revoked}


def check_role_change(current: Principal, role: str, organisation: str | None = None,
                      project: str | None = None, default_channel: str | None = None,
                      known_organisations: frozenset[str] | None = None) -> list[FieldError]:
    """Every problem with a new role for ``current``, without touching the database."""
    # The username is the account's own and not being changed; only the role's rules apply.
    errors = [error for error in AccountService.check_new_user(
        current.username, role, organisation, None, known_organisations, project)
        if error.field != "username"]
    if not errors and _same(current, role, organisation, project, default_channel):
        errors.append(FieldError("role", SAME_ROLE))
    return errors


def account_id_of(session: Session, username: str) -> str:
    account_id = session.scalar(select(Account.id).where(Account.username == username))
    if account_id is None:
        raise NotFound(f"Gebruiker {username} bestaat niet.")
    return account_id


def change_role(session: Session, account_id: str, role: str, organisation: str | None = None,
                project: str | None = None, default_channel: str | None = None,
                known_organisations: frozenset[str] | None = None) -> RoleChange:
    """Give the account a new role and scope in ``session``'s transaction.

    Raises ``ValidationFailed`` per field and changes nothing on a problem; otherwise the
    account's sessions end and its live API tokens are revoked.
    """
    account = session.scalars(select(Account).where(Account.id == account_id)
                              .with_for_update().execution_options(populate_existing=True)).first()
    if account is None:
        raise NotFound("Gebruiker bestaat niet.")
    previous = principal_of(account)
    errors = check_role_change(previous, role, organisation, project, default_channel,
                               known_organisations)
    if errors:
        raise ValidationFailed(errors=errors)
    account.role = Role(role).value
    account.organisation = organisation or None
    account.project = project or None
    account.default_channel = default_channel or None
    account.session_version += 1
    live = [token for token in account.tokens if not token.revoked]
    for token in live:
        token.revoked = True
    session.flush()
    return RoleChange(account.username, previous, Role(role), account.organisation,
                      account.project, account.default_channel, len(live))


def _same(current: Principal, role: str, organisation: str | None, project: str | None,
          default_channel: str | None) -> bool:
    return (current.role.value, current.organisation, current.project,
            current.default_channel) == (role, organisation or None, project or None,
                                         default_channel or None)
