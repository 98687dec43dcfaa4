"""Accounts, roles, sessions and API tokens.

Roles decide what a person may do; they are never linked to signals. Only hashes of passwords
(argon2id) and of API tokens (SHA-256 of 256 random bits) are stored. Every account carries a
session version: a signed-in session holds the version it began with and ends as soon as the
account's version moves on (logout, a new password, deactivation, a reset).

New accounts get their password from their holder through a one-time link
(``registry.activation``); :meth:`AccountService.create_user` with a known password remains for
tests, the demo and an operator at the command line.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import Database
from registry.errors import Conflict, FieldError, NotFound, ValidationFailed
from registry.models import Account, ApiToken
from registry.notices import NoticeKind, add_notice
from registry.passwords import (
    generate_password,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)

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

    def label(self, locale: str = "nl") -> str:
        """The role's name in the page's language."""
        dutch, english = ROLE_LABELS[self]
        return english if locale == "en" else dutch

    @property
    def needs_organisation(self) -> bool:
        return self in (Role.ADVISER, Role.PREVENTION_OFFICER, Role.WORKS_COUNCIL)

    @property
    def needs_second_factor(self) -> bool:
        """Roles that manage the registry or see figures beyond one team's own work."""
        return self in (Role.ADMIN, Role.CENTRAL_WORKS_COUNCIL, Role.RESEARCHER,
                        Role.WORKS_COUNCIL)


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


@dataclass(frozen=True)
class AccountPolicy:
    """The settings the account services follow (``server.settings``)."""

    api_token_days: int = 365
    activation_hours: int = 72
    second_factor_required: bool = False
    """In production the roles with ``needs_second_factor`` cannot sign in without one."""


class TokenProblem(StrEnum):
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class TokenCheck:
    """What a bearer token amounts to: a principal, or the reason it does not work."""

    principal: Principal | None
    problem: TokenProblem | None = None
    expires_on: date | None = None


def principal_of(account: Account) -> Principal:
    return Principal(account.id, account.username, Role(account.role), account.organisation,
                     account.default_channel, account.project)



def normalise_username(username: str) -> str:
    """The form names are stored in: usernames are lower-case ASCII, so this only tidies."""
    return unicodedata.normalize("NFKC", username or "").strip().casefold()


def insert_account(session: Session, username: str, role: Role, organisation: str | None,
                   default_channel: str | None, project: str | None,
                   password_hash: str) -> Account:
    """Add a checked account to the caller's unit of work; a taken username is a Conflict."""
    if session.scalars(select(Account).where(Account.username == username)).first():
        raise Conflict(errors=[FieldError("username", "Deze gebruikersnaam bestaat al.")])
    account = Account(username=username, password_hash=password_hash, role=role.value,
                      organisation=organisation or None, default_channel=default_channel or None,
                      project=project or None, active=True, session_version=0)
    session.add(account)
    session.flush()
    return account


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
    def __init__(self, db: Database, policy: AccountPolicy | None = None):
        self.db = db
        self.policy = policy or AccountPolicy()

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
        """Create an account with a known password; returns it with that password.

        For tests, the demo and an operator at the command line only: people get their account
        through an activation link (``ActivationService.invite``) and choose the password
        themselves. Without ``password`` a random one is generated.
        """
        errors = self.check_new_user(username, role, organisation, password, known_organisations,
                                     project)
        if errors:
            raise ValidationFailed(errors=errors)
        password = password or generate_password()
        with self.db.session() as session:
            account = insert_account(session, username, Role(role), organisation,
                                     default_channel, project, hash_password(password))
            return principal_of(account), password

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
        only found when the account is stored.
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
        if password is not None:
            errors += [FieldError("password", problem)
                       for problem in password_problems(password, username)]
        errors += check_project(parsed_role, project)
        return errors

    def authenticate(self, username: str, password: str) -> Principal | None:
        """Check a password; rehash it when the argon2 parameters have changed.

        An account still waiting for its holder to choose a password matches no password.
        """
        with self.db.session() as session:
            account = session.scalars(
                select(Account).where(Account.username == normalise_username(username))
            ).first()
            if account is None or not account.active or not account.password_hash:
                # Spend the same work as a real check so timing does not reveal usernames.
                verify_password(_DUMMY_HASH, password)
                return None
            if not verify_password(account.password_hash, password):
                return None
            if needs_rehash(account.password_hash):
                account.password_hash = hash_password(password)
            return principal_of(account)

    # Sessions ---------------------------------------------------------------------------

    def session_version(self, account_id: str) -> int | None:
        """The version a new session of this account starts with; None for no (active) account."""
        with self.db.session() as session:
            account = session.get(Account, account_id)
            return account.session_version if account and account.active else None

    def for_session(self, account_id: str, version: object) -> Principal | None:
        """The principal of a signed-in session, if its version is still the account's."""
        with self.db.session() as session:
            account = session.get(Account, account_id)
            if account is None or not account.active or account.session_version != version:
                return None
            return principal_of(account)

    def end_sessions(self, account_id: str) -> None:
        """End every session of the account, on every device (logout)."""
        with self.db.session() as session:
            account = session.get(Account, account_id)
            if account is not None:
                account.session_version += 1

    # Reading and changing accounts ---------------------------------------------------------

    def get(self, account_id: str) -> Principal | None:
        with self.db.session() as session:
            account = session.get(Account, account_id)
            return principal_of(account) if account and account.active else None

    def by_username(self, username: str) -> Principal:
        with self.db.session() as session:
            account = session.scalars(select(Account).where(Account.username == username)).first()
            if account is None:
                raise NotFound(f"Gebruiker {username} bestaat niet.")
            return principal_of(account)

    def list_users(self) -> list[dict[str, object]]:
        """Every account for the admin pages: never a hash, a secret or a link."""
        today = date.today()
        now = datetime.now(UTC).replace(tzinfo=None)
        with self.db.session() as session:
            return [
                {"id": a.id, "username": a.username, "role": a.role,
                 "organisation": a.organisation, "project": a.project, "active": a.active,
                 "has_password": bool(a.password_hash),
                 "activation_expires": a.activation_expires,
                 "activation_open": a.activation_expires is not None
                 and a.activation_expires > now,
                 "second_factor": a.totp_secret is not None,
                 "tokens": [{"id": t.id, "prefix": t.prefix, "label": t.label,
                             "revoked": t.revoked, "created_on": t.created_on,
                             "expires_on": t.expires_on,
                             "expired": t.expires_on is not None and t.expires_on <= today}
                            for t in a.tokens]}
                for a in session.scalars(select(Account).order_by(Account.username))
            ]

    def set_active(self, account_id: str, active: bool) -> None:
        """Switch an account on or off; switching off ends its sessions at once."""
        with self.db.session() as session:
            account = session.get(Account, account_id)
            if account is None:
                raise NotFound("Gebruiker bestaat niet.")
            if account.active and not active:
                account.session_version += 1
            account.active = active

    def set_password(self, account_id: str, password: str) -> None:
        """Replace an account's password with a known one and end its sessions.

        For the demo and tests; the holder changes theirs with :meth:`change_password`, and an
        administrator resets one with ``ActivationService.reset``, never by choosing it.
        """
        with self.db.session() as session:
            account = session.get(Account, account_id)
            if account is None:
                raise NotFound("Gebruiker bestaat niet.")
            problems = password_problems(password, account.username)
            if problems:
                raise ValidationFailed(errors=[FieldError("password", p) for p in problems])
            account.password_hash = hash_password(password)
            account.session_version += 1

    def change_password(self, account_id: str, current: str, new: str, repeat: str) -> int:
        """The holder's own change: checks the current password; returns the new session version.

        Every other session of the account ends; the caller carries its own on with the
        returned version. Raises ``ValidationFailed`` per field and changes nothing on a problem.
        """
        with self.db.session() as session:
            account = session.get(Account, account_id)
            if account is None or not account.active:
                raise NotFound("Gebruiker bestaat niet.")
            if not verify_password(account.password_hash, current or ""):
                raise ValidationFailed(errors=[FieldError("current", "Uw huidige wachtwoord "
                                                                     "klopt niet.")])
            errors = [FieldError("new", p) for p in password_problems(new, account.username)]
            if not errors and new != repeat:
                errors.append(FieldError("repeat", "De twee wachtwoorden zijn niet gelijk."))
            if errors:
                raise ValidationFailed(errors=errors)
            account.password_hash = hash_password(new)
            account.session_version += 1
            return account.session_version

    # API tokens ----------------------------------------------------------------------------

    def create_token(self, account_id: str, label: str = "", notify: bool = True,
                     today: date | None = None) -> str:
        """A new API token for an account, valid ``api_token_days``; returned once, only its
        hash is kept. The holder is told at their next sign-in (unless ``notify`` is False,
        for tokens the holder made themselves, such as the demo's)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        created = today or date.today()
        with self.db.session() as session:
            if session.get(Account, account_id) is None:
                raise NotFound("Gebruiker bestaat niet.")
            session.add(ApiToken(account_id=account_id, token_hash=hash_token(token),
                                 prefix=token[:8], label=label[:100], revoked=False,
                                 created_on=created,
                                 expires_on=created + timedelta(days=self.policy.api_token_days)))
            if notify:
                add_notice(session, account_id, NoticeKind.TOKEN_CREATED)
        return token

    def revoke_token(self, token_id: str) -> None:
        with self.db.session() as session:
            token = session.get(ApiToken, token_id)
            if token is None:
                raise NotFound("Token bestaat niet.")
            token.revoked = True

    def check_token(self, token: str, today: date | None = None) -> TokenCheck:
        """Who a bearer token speaks for, or why it does not work.

        A token stops working on its ``expires_on`` day. Tokens made before tokens had an
        expiry (none stored) keep working until revoked; the admin page shows them as such.
        """
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return TokenCheck(None, TokenProblem.UNKNOWN)
        with self.db.session() as session:
            row = session.scalars(
                select(ApiToken).where(ApiToken.token_hash == hash_token(token))
            ).first()
            if row is None:
                return TokenCheck(None, TokenProblem.UNKNOWN)
            if row.revoked:
                return TokenCheck(None, TokenProblem.REVOKED)
            if row.expires_on is not None and row.expires_on <= (today or date.today()):
                return TokenCheck(None, TokenProblem.EXPIRED, row.expires_on)
            if not row.account.active:
                return TokenCheck(None, TokenProblem.INACTIVE)
            return TokenCheck(principal_of(row.account), None, row.expires_on)

    def resolve_token(self, token: str) -> Principal | None:
        return self.check_token(token).principal


_DUMMY_HASH = hash_password("timing-equaliser-not-a-real-password")
