"""Keyed pseudonyms (salting) for case linkage and receipts.

A pseudonym is BLAKE2b keyed with a key per purpose and per calendar year; the yearly keys are
derived with argon2id from one master secret that lives outside the database. A yearly key
change makes cases unlinkable across years. Every pseudonym carries a label
``<scheme>:<purpose>:<year>:`` so the scheme can be replaced later without mixing old and new
(in the manner of NEN 7524 pseudonym labels).
"""

from __future__ import annotations

import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from nacl.encoding import HexEncoder, RawEncoder
from nacl.hash import blake2b

from registry import checked_codes
from registry.periods import Month

SCHEME = "v1"
# Idempotency rows live for a month or two (registry.idempotency), and a retry sent across New
# Year must still find its row, so their key is not per year: this fixed "year" labels it.
IDEMPOTENCY_YEAR = 0
# 32 symbols without look-alikes (no I, O, 0, 1): 5 bits per character.
TOKEN_ALPHABET = checked_codes.ALPHABET


class SecretError(RuntimeError):
    """The master secret is missing or not safely stored."""


def new_case_token() -> str:
    """A random, human-readable case token (85 bits and a check character), shown once."""
    return checked_codes.new_case_token()


class KeyedPseudonymizer:
    """Implements ``registry.signals.Pseudonymizer`` with per-purpose, per-year keys."""

    def __init__(self, master_secret: bytes):
        if len(master_secret) < 32:
            raise SecretError("The master secret must be at least 32 bytes.")
        self._master = master_secret

    @lru_cache(maxsize=64)  # noqa: B019 - one instance per app; caching the slow KDF is the point
    def _key(self, purpose: str, year: int) -> bytes:
        salt = f"signal-registry/{SCHEME}/{purpose}/{year}".encode()
        return hash_secret_raw(
            secret=self._master, salt=salt, time_cost=2, memory_cost=19456,
            parallelism=1, hash_len=32, type=Type.ID,
        )

    def _hash(self, purpose: str, year: int, value: str) -> str:
        digest = blake2b(value.encode("utf-8"), digest_size=32, key=self._key(purpose, year),
                         encoder=HexEncoder).decode("ascii")
        return f"{SCHEME}:{purpose}:{year}:{digest}"

    def case_pseudonym(self, token: str, year: int) -> str:
        """Keyed pseudonym of a case token as issued, however it was typed."""
        try:
            canonical = checked_codes.parse_case_token(token)
        except checked_codes.CodeRefused:
            # Records from the intake carry parsed tokens; demo data and tests build some directly.
            canonical = token.strip().upper()
        return self._hash("case", year, canonical)

    def new_receipt(self, month: Month) -> str:
        """A one-time receipt (85 bits and a check character) naming the month of issue."""
        return checked_codes.new_receipt(month)

    def idempotency_key_hash(self, account_id: str, key: str) -> str:
        """Labelled keyed hash of one account's ``Idempotency-Key``: neither appears in clear."""
        return self._hash("idempotency", IDEMPOTENCY_YEAR, f"key\n{account_id}\n{key}")

    def idempotency_fingerprint(self, account_id: str, key: str, request: str) -> str:
        """Keyed hash of a canonical request under one key.

        Keyed and salted with the account and key, so equal bodies sent under different keys
        give unrelated fingerprints and the low-entropy coded body cannot be guessed back.
        """
        return self._hash("idempotency", IDEMPOTENCY_YEAR,
                          f"request\n{account_id}\n{key}\n{request}")

    def idempotent_signal(self, account_id: str, key: str, month: Month, index: int) -> tuple[str, str]:
        """Id and receipt of signal ``index`` of an idempotent request, recomputed on a retry.

        Both come from one keyed digest, so without the master secret they look as random as
        ``random_id`` and ``new_receipt`` (128 bits of id, 85 bits of receipt), and neither
        can be traced to the idempotency row, the account or the key.
        """
        digest = blake2b(f"{account_id}\n{key}\n{month}\n{index}".encode(), digest_size=32,
                         key=self._key("idempotent-signal", month.year), encoder=RawEncoder)
        bits = int.from_bytes(digest[16:], "big")
        return digest[:16].hex(), checked_codes.receipt_from_bits(month, bits)

    def receipt_month(self, receipt: str) -> Month | None:
        """The month a receipt names; None when it is not a receipt or fails its check."""
        try:
            return checked_codes.parse_receipt(receipt).month
        except checked_codes.CodeRefused:
            return None

    def receipt_hash(self, receipt: str) -> str:
        """Keyed hash of the receipt as issued, however it was typed (case, hyphens, spaces)."""
        try:
            parsed = checked_codes.parse_receipt(receipt)
            canonical, year = parsed.text, parsed.month.year
        except checked_codes.CodeRefused:
            canonical, year = receipt.strip().upper(), 0
        return self._hash("receipt", year, canonical)


def load_master_secret(value: str | None, path: str | None) -> bytes | None:
    """The master secret from a value or from a file only its owner can read; never the DB."""
    if value:
        return _decode(value)
    if path:
        file = Path(path)
        if not file.exists():
            raise SecretError(f"Secret file {path} does not exist.")
        mode = file.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SecretError(f"Secret file {path} must be readable by its owner only (chmod 600).")
        return _decode(file.read_text(encoding="utf-8").strip())
    return None


def _decode(text: str) -> bytes:
    text = text.strip()
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = text.encode("utf-8")
    if len(raw) < 32:
        raise SecretError("The master secret must be at least 32 bytes (64 hex characters).")
    return raw


def create_secret_file(path: Path) -> bytes:
    """Write a new random master secret to ``path`` with mode 600 (demo and first setup)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret.hex())
    return secret
