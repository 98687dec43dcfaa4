"""Password hashing with argon2id (argon2-cffi), rehashed when the parameters change, and the
rules a password must meet when its holder chooses it."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher(type=Type.ID)
MIN_LENGTH = 12
MAX_LENGTH = 200
NO_PASSWORD = ""
"""Stored while an account waits for its holder to choose a password: no password matches it."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)


def generate_password() -> str:
    """A random password of about 120 bits, readable enough to type once."""
    return secrets.token_urlsafe(15)


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a chosen password, in Dutch; empty when it may be used.

    Length is what makes a password strong (NIST SP 800-63B): at least 12 characters, any
    characters, spaces too, and no rules about kinds of characters.
    """
    problems = []
    if len(password or "") < MIN_LENGTH:
        problems.append(f"Een wachtwoord heeft minstens {MIN_LENGTH} tekens.")
    elif len(password) > MAX_LENGTH:
        problems.append(f"Een wachtwoord heeft hoogstens {MAX_LENGTH} tekens.")
    elif username and username.casefold() in password.casefold():
        problems.append("Gebruik uw gebruikersnaam niet in uw wachtwoord.")
    elif len(set(password)) < 4:
        problems.append("Dit wachtwoord is te makkelijk te raden; kies een langere zin of "
                        "meer verschillende tekens.")
    return problems
