"""Second factor (TOTP, RFC 6238 via pyotp) and the keys that protect account secrets.

A TOTP secret is stored sealed (XSalsa20-Poly1305, PyNaCl ``SecretBox``) under a key derived
from the master secret, which never enters the database: a copy of the database alone does not
give anyone the codes. A code is accepted once: the account keeps the last time step it
accepted, and only a later step passes (``MfaService.accept_code``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import pyotp
from nacl.encoding import URLSafeBase64Encoder
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox
from sqlalchemy import or_, update

from registry.accounts import AccountPolicy, Role
from registry.db import Database
from registry.models import Account
from registry.notices import NoticeKind, add_notice

ISSUER = "Signaalregister"
SEAL_SCHEME = "v1:"
# One step either side of now: a phone clock 30 seconds off still works.
VALID_WINDOW = 1


class SecondStep(StrEnum):
    """What a correct password leads to."""

    NONE = "none"
    """Signed in: no second factor set up, and none required."""
    CODE = "code"
    """Ask the code of the account's authenticator app."""
    ENROL = "enrol"
    """A second factor is required but not set up yet: set it up now."""


@dataclass(frozen=True)
class AccountKeys:
    """Keys for account secrets, derived one way from the master secret."""

    seal_key: bytes
    link_key: bytes

    @classmethod
    def from_master_secret(cls, master_secret: bytes) -> AccountKeys:
        def derive(purpose: str) -> bytes:
            label = f"signal-registry/v1/accounts/{purpose}".encode()
            return hmac.new(master_secret, label, hashlib.sha256).digest()

        return cls(seal_key=derive("totp-seal"), link_key=derive("activation-link"))

    def seal(self, secret: str) -> str:
        box = SecretBox(self.seal_key)
        return SEAL_SCHEME + box.encrypt(secret.encode("ascii"),
                                         encoder=URLSafeBase64Encoder).decode("ascii")

    def unseal(self, sealed: str) -> str | None:
        """The secret, or None when it was not sealed with this key (or was altered)."""
        if not sealed.startswith(SEAL_SCHEME):
            return None
        try:
            raw = SecretBox(self.seal_key).decrypt(sealed[len(SEAL_SCHEME):].encode("ascii"),
                                                   encoder=URLSafeBase64Encoder)
        except (CryptoError, ValueError, TypeError):
            return None
        return raw.decode("ascii")

    def link_hash(self, token: str) -> str:
        """Keyed hash of an activation link's token: what the account keeps of it."""
        return hmac.new(self.link_key, token.encode("utf-8"), hashlib.sha256).hexdigest()


def new_secret() -> str:
    """A fresh TOTP secret: 160 random bits in base32, as authenticator apps expect."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// address an authenticator app reads (typed or scanned)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: datetime | None = None) -> int | None:
    """The time step whose code this is (within the window), or None."""
    code = "".join((code or "").split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    moment = now or datetime.now(UTC)
    current = totp.timecode(moment)
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        # Compare every candidate, so the time taken does not say which one matched.
        if secrets.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


class MfaService:
    """Set up, check and remove an account's second factor."""

    def __init__(self, db: Database, keys: AccountKeys | None, policy: AccountPolicy | None = None):
        self.db = db
        self._keys = keys
        self.policy = policy or AccountPolicy()

    @property
    def keys(self) -> AccountKeys:
        if self._keys is None:
            raise RuntimeError("Account keys are needed for a second factor (see create_app).")
        return self._keys

    def second_step(self, account_id: str) -> SecondStep:
        """What must follow a correct password for this account."""
        with self.db.session() as session:
            account = session.get(Account, account_id)
            if account is None:
                return SecondStep.NONE
            if account.totp_secret is not None:
                return SecondStep.CODE
            if self.policy.second_factor_required and Role(account.role).needs_second_factor:
                return SecondStep.ENROL
            return SecondStep.NONE

    def has_second_factor(self, account_id: str) -> bool:
        with self.db.session() as session:
            account = session.get(Account, account_id)
            return account is not None and account.totp_secret is not None

    def seal_offer(self, secret: str) -> str:
        """A new secret sealed for a form, so it comes back unread and unchanged."""
        return self.keys.seal(secret)

    def open_offer(self, sealed: str) -> str | None:
        return self.keys.unseal(sealed or "")

    def enrol(self, account_id: str, secret: str, code: str,
              now: datetime | None = None) -> bool:
        """Store ``secret`` as the account's second factor if ``code`` proves the app has it."""
        step = matching_step(secret, code, now)
        if step is None:
            return False
        with self.db.session() as session:
            account = session.get(Account, account_id)
            if account is None or not account.active:
                return False
            account.totp_secret = self.keys.seal(secret)
            account.totp_last_step = step
            # Other sessions were made without this factor: end them.
            account.session_version += 1
        return True

    def accept_code(self, account_id: str, code: str, now: datetime | None = None) -> bool:
        """Whether ``code`` is the account's current code and was not used before."""
        with self.db.session() as session:
            account = session.get(Account, account_id)
            if account is None or not account.active or not account.totp_secret:
                return False
            secret = self.keys.unseal(account.totp_secret)
            step = matching_step(secret, code, now) if secret else None
            if step is None:
                return False
            # One conditional update: of two requests with the same code only one wins.
            taken = session.execute(
                update(Account)
                .where(Account.id == account_id,
                       or_(Account.totp_last_step.is_(None), Account.totp_last_step < step))
                .values(totp_last_step=step)
                .execution_options(synchronize_session=False)
            )
            return bool(taken.rowcount == 1)  # type: ignore[attr-defined]

    def reset(self, account_id: str) -> bool:
        """Remove the second factor (a lost phone); ends every session of the account.

        Returns False for an unknown account. The holder sets it up again at the next sign-in.
        """
        with self.db.session() as session:
            account = session.get(Account, account_id)
            if account is None:
                return False
            account.totp_secret = None
            account.totp_last_step = None
            account.session_version += 1
            add_notice(session, account_id, NoticeKind.MFA_RESET)
        return True
