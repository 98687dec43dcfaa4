"""Accounts, roles and API tokens.

Roles decide what a person may do; they are never linked to signals. Only hashes of passwords
(argon2id) and of API tokens (SHA-256 of 256 random bits) are stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from registry.db import Database
from registry.errors import Conflict, FieldError, NotFound, ValidationFailed
from registry.models import Account, ApiToken
from registry.passwords import generate_password, hash_password, needs_rehash, verify_password

_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
PROJECT_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
TOKEN_PREFIX = "sr_"  # noqa: S105 - a public prefix that marks our tokens


class Role(StrEnum):
    ADVISER = "adviser"
    PREVENTION_OFFICER = "preventiemedewerker"
    WORKS_COUNCIL = "or"
    CENTRAL_WORKS_COUNCIL = "gor"
    RESEARCHER = "researcher"
    ADMIN = "admin"

    @property
    def label_nl(self) -> str:
        return ROLE_LABELS[self][0]

    @property
    def needs_organisation(self) -> bool:
        return self in (Role.ADVISER, Role.PREVENTION_OFFICER, Role.WORKS_COUNCIL)


ROLE_LABELS = {
    Role.ADVISER: ("Adviseur (vertrouwenspersoon, BMW, personeelsraadgever)", "Adviser"),
    Role.PREVENTION_OFFICER: ("Strategisch preventiemedewerker", "Prevention officer"),
    Role.WORKS_COUNCIL: ("Ondernemingsraad (OR)", "Works council"),
    Role.CENTRAL_WORKS_COUNCIL: ("Groepsondernemingsraad Rijk (GOR)", "Central works council"),
    Role.RESEARCHER: ("Onderzoeker", "Researcher"),
    Role.ADMIN: ("Beheerder", "Administrator"),
}


@dataclass(frozen=True)
class Principal:
    """Who is acting: what the web and API layers pass down. Never stored with a signal."""

    account_id: str
    username: str
    role: Role
    organisation: str | None
    default_channel: str | None
    project: str | None = None
    """A researcher's research project (its accounts share the project's budget)."""

    @property
    def organisations(self) -> frozenset[str] | None:
        """Organisations this principal is scoped to; None means all (GOR, researcher)."""
        if self.role in (Role.CENTRAL_WORKS_COUNCIL, Role.RESEARCHER):
            return None
        return frozenset({self.organisation}) if self.organisation else frozenset()


def _principal(account: Account) -> Principal:
    return Principal(account.id, account.username, Role(account.role), account.organisation,
                     account.default_channel, account.project)


def check_project(role: Role | None, project: str | None) -> list[FieldError]:
    """A researcher belongs to a research project (its budget); other roles to none."""
    if role is Role.RESEARCHER:
        if not project:
            return [FieldError("project", "Een onderzoeker hoort bij een onderzoeksproject.")]
        if not PROJECT_RE.match(project):
            return [FieldError("project", "Gebruik 2-64 kleine letters, cijfers of -.")]
    elif project:
        return [FieldError("project", "Alleen onderzoekers horen bij een onderzoeksproject.")]
    return []


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AccountService:
    def __init__(self, db: Database):
        self.db = db

    def create_user(
        self,
        username: str,
        role: str,
        organisation: str | None = None,
        default_channel: str | None = None,
        password: str | None = None,
        known_organisations: frozenset[str] | None = None,
        project: str | None = None,
    ) -> tuple[Principal, str]:
        """Create an account; returns it with its (generated) password, shown once."""
        errors = self.check_new_user(username, role, organisation, password, known_organisations,
                                     project)
        if errors:
            raise ValidationFailed(errors=errors)
        parsed_role = Role(role)
        password = password or generate_password()
        with self.db.session() as session:
            if session.scalars(select(Account).where(Account.username == username)).first():
                raise Conflict(errors=[FieldError("username", "Deze gebruikersnaam bestaat al.")])
            account = Account(
                username=username,
                password_hash=hash_password(password),
                role=parsed_role.value,
                organisation=organisation or None,
                default_channel=default_channel or None,
                project=project or None,
                active=True,
            )
            session.add(account)
            session.flush()
            return _principal(account), password

    @staticmethod
    def check_new_user(
        username: str,
        role: str,
        organisation: str | None = None,
        password: str | None = None,
        known_organisations: frozenset[str] | None = None,
        project: str | None = None,
    ) -> list[FieldError]:
        """Every problem with a new account's fields, without touching the database.

        Forms call this to show all problems at once, next to their own; a taken username is
        only found by :meth:`create_user`.
        """
        errors = []
        if not _USERNAME_RE.match(username or ""):
            errors.append(FieldError("username", "Gebruik 3-80 kleine letters, cijfers, . _ of -."))
        try:
            parsed_role: Role | None = Role(role)
        except ValueError:
            errors.append(FieldError("role", f"Onbekende rol; kies uit {', '.join(Role)}."))
            parsed_role = None
        if parsed_role is not None and parsed_role.needs_organisation and not organisation:
            errors.append(FieldError("organisation", "Deze rol hoort bij een organisatie."))
        if organisation and known_organisations is not None and organisation not in known_organisations:
            errors.append(FieldError("organisation", "Deze organisatie bestaat niet."))
        if password is not None and len(password) < 12:
            errors.append(FieldError("password", "Een wachtwoord heeft minstens 12 tekens."))
        errors += check_project(parsed_role, project)
        return errors

    def authenticate(self, username: str, password: str) -> Principal | None:
        """Check a password; rehash it when the argon2 parameters have changed."""
        with self.db.session() as session:
            account = session.scalars(select(Account).where(Account.username == username)).first()
            if account is None or not account.active:
                # Spend the same work as a real check so timing does not reveal usernames.
                verify_password(_DUMMY_HASH, password)
                return None
            if not verify_password(account.password_hash, password):
                return None
            if needs_rehash(account.password_hash):
                account.password_hash = hash_password(password)
            return _principal(account)

    def get(self, account_id: str) -> Principal | None:
        with self.db.session() as session:
            account = session.get(Account, account_id)
            return _principal(account) if account and account.active else None

    def by_username(self, username: str) -> Principal:
        with self.db.session() as session:
            account = session.scalars(select(Account).where(Account.username == username)).first()
            if account is None:
                raise NotFound(f"Gebruiker {username} bestaat niet.")
            return _principal(account)

    def list_users(self) -> list[dict[str, object]]:
        with self.db.session() as session:
            return [
                {"id": a.id, "username": a.username, "role": a.role,
                 "organisation": a.organisation, "project": a.project, "active": a.active,
                 "tokens": [{"id": t.id, "prefix": t.prefix, "label": t.label,
                             "revoked": t.revoked} for t in a.tokens]}
                for a in session.scalars(select(Account).order_by(Account.username))
            ]

    def set_active(self, account_id: str, active: bool) -> None:
        with self.db.session() as session:
            account = session.get(Account, account_id)
            if account is None:
                raise NotFound("Gebruiker bestaat niet.")
            account.active = active

    def set_password(self, account_id: str, password: str) -> None:
        """Replace an account's password (argon2id hash only), e.g. for a reset by an admin."""
        if len(password or "") < 12:
            raise ValidationFailed(
                errors=[FieldError("password", "Een wachtwoord heeft minstens 12 tekens.")]
            )
        with self.db.session() as session:
            account = session.get(Account, account_id)
            if account is None:
                raise NotFound("Gebruiker bestaat niet.")
            account.password_hash = hash_password(password)

    def create_token(self, account_id: str, label: str = "") -> str:
        """A new API token for an account; returned once, only its hash is kept."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.session() as session:
            if session.get(Account, account_id) is None:
                raise NotFound("Gebruiker bestaat niet.")
            session.add(ApiToken(account_id=account_id, token_hash=hash_token(token),
                                 prefix=token[:8], label=label[:100], revoked=False))
        return token

    def revoke_token(self, token_id: str) -> None:
        with self.db.session() as session:
            token = session.get(ApiToken, token_id)
            if token is None:
                raise NotFound("Token bestaat niet.")
            token.revoked = True

    def resolve_token(self, token: str) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        with self.db.session() as session:
            row = session.scalars(
                select(ApiToken).where(ApiToken.token_hash == hash_token(token))
            ).first()
            if row is None or row.revoked or not row.account.active:
                return None
            return _principal(row.account)


_DUMMY_HASH = hash_password("timing-equaliser-not-a-real-password")
