"""One-time activation links: the holder, not the administrator, chooses the password.

A new account, and an account whose password the administrator resets, gets a link with 256
random bits. The account keeps only a keyed hash of it (the key comes from the master secret)
and when it expires; the link works once, within ``activation_hours``. Opening it, the holder
chooses a password and, for roles that have one, sets up the second factor.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.accounts import (
    AccountPolicy,
    AccountService,
    Principal,
    Role,
    insert_account,
    principal_of,
)
from registry.db import Database
from registry.errors import FieldError, NotFound, ValidationFailed
from registry.mfa import AccountKeys, matching_step
from registry.models import Account
from registry.notices import NoticeKind, add_notice
from registry.passwords import NO_PASSWORD, hash_password, password_problems

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class Activation:
    """A link just issued: the token goes to the holder, never into the database."""

    token: str
    expires: datetime
    """UTC, without tzinfo (as stored)."""


@dataclass(frozen=True)
class PendingAccount:
    """What the activation page needs to know about the account behind a valid link."""

    principal: Principal
    has_second_factor: bool


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def issue_link(account: Account, keys: AccountKeys, hours: int) -> Activation:
    """Give ``account`` (in the caller's unit of work) a new link; any earlier one stops."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = utc_now().replace(microsecond=0) + timedelta(hours=hours)
    account.activation_hash = keys.link_hash(token)
    account.activation_expires = expires
    return Activation(token, expires)


class ActivationService:
    def __init__(self, db: Database, keys: AccountKeys | None, policy: AccountPolicy):
        self.db = db
        self._keys = keys
        self.policy = policy

    @property
    def keys(self) -> AccountKeys:
        if self._keys is None:
            raise RuntimeError("Account keys are needed for activation links (see create_app).")
        return self._keys

    def invite(
        self,
        username: str,
        role: str,
        organisation: str | None = None,
        default_channel: str | None = None,
        known_organisations: frozenset[str] | None = None,
        project: str | None = None,
    ) -> tuple[Principal, Activation]:
        """Create an account without a password, with a link for its holder to choose one."""
        errors = AccountService.check_new_user(username, role, organisation, None,
                                               known_organisations, project)
        if errors:
            raise ValidationFailed(errors=errors)
        with self.db.session() as session:
            account = insert_account(session, username, Role(role), organisation,
                                     default_channel, project, NO_PASSWORD)
            activation = issue_link(account, self.keys, self.policy.activation_hours)
            return principal_of(account), activation

    def reset(self, account_id: str) -> Activation:
        """The administrator's reset: the password stops working at once, every session of
        the account ends, the holder is told, and a new link lets them choose a new one.

        For an account that never had a password (its first link expired) this only issues
        a new link.
        """
        with self.db.session() as session:
            account = session.get(Account, account_id)
            if account is None:
                raise NotFound("Gebruiker bestaat niet.")
            if account.password_hash:
                add_notice(session, account_id, NoticeKind.PASSWORD_RESET)
            account.password_hash = NO_PASSWORD
            account.session_version += 1
            return issue_link(account, self.keys, self.policy.activation_hours)

    def pending(self, token: str, now: datetime | None = None) -> PendingAccount | None:
        """The account a link belongs to while it is valid; None for any other link."""
        with self.db.session() as session:
            account = self._find(session, token, now or utc_now())
            if account is None:
                return None
            return PendingAccount(principal_of(account), account.totp_secret is not None)

    def complete(self, token: str, password: str, repeat: str, secret: str | None = None,
                 code: str = "", now: datetime | None = None) -> Principal:
        """Set the holder's password (and second factor) and use up the link.

        ``secret`` is the TOTP secret the page offered; with a ``code`` that matches it, it
        becomes the account's second factor. Where the role needs one and the policy requires
        it, the code is required. Raises ``ValidationFailed`` (Dutch, per field) and changes
        nothing on any problem; ``NotFound`` when the link is unknown, used or expired.
        """
        moment = now or utc_now()
        with self.db.session() as session:
            account = self._find(session, token, moment)
            if account is None:
                raise NotFound("Deze link werkt niet (meer): hij is al gebruikt, verlopen of "
                               "onbekend. Vraag de beheerder om een nieuwe.")
            principal = principal_of(account)
            errors = [FieldError("password", problem)
                      for problem in password_problems(password, account.username)]
            if not errors and password != repeat:
                errors.append(FieldError("repeat", "De twee wachtwoorden zijn niet gelijk."))
            step = None
            enrolling = principal.role.needs_second_factor and account.totp_secret is None
            if enrolling and secret and code.strip():
                step = matching_step(secret, code, moment.replace(tzinfo=UTC))
                if step is None:
                    errors.append(FieldError("code", "Deze code klopt niet. Typ de code die "
                                                     "de app nu laat zien."))
            elif enrolling and self.policy.second_factor_required:
                errors.append(FieldError("code", "Stel de tweestapsverificatie in en vul de "
                                                 "code uit de app in."))
            if errors:
                raise ValidationFailed(errors=errors)
            # Claim the link with one conditional update: of two uses at once, one wins.
            claimed = session.execute(
                update(Account)
                .where(Account.id == account.id,
                       Account.activation_hash == self.keys.link_hash(token))
                .values(activation_hash=None, activation_expires=None)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFound("Deze link is al gebruikt. Vraag de beheerder om een nieuwe.")
            account.password_hash = hash_password(password)
            account.session_version += 1
            if step is not None and secret:
                account.totp_secret = self.keys.seal(secret)
                account.totp_last_step = step
            return principal

    def _find(self, session: Session, token: str, now: datetime) -> Account | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        found = session.scalars(
            select(Account).where(Account.activation_hash == self.keys.link_hash(token))
        ).first()
        if (found is None or not found.active or found.activation_expires is None
                or found.activation_expires <= now):
            return None
        return found
