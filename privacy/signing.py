"""Ed25519 signatures over releases, so a release file can be checked by anyone holding the key.

The signing key is a 32-byte seed, hex in a file only its owner may read (mode 600), outside the
database: someone with a database dump must not be able to sign forged releases. In demo and
test mode the file is created on first use.

What is signed is the canonical JSON of the release document: sorted keys, no whitespace,
``ensure_ascii=False``, UTF-8. Any reader can rebuild those bytes from the parsed document, so
the signature survives pretty-printing but not a changed value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from privacy.pseudonyms import SecretError

SEED_BYTES = 32


def canonical_json(value: Any) -> bytes:
    """The exact bytes that are hashed and signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def key_id_for(public_key_b64: str) -> str:
    """A short name for a public key: the first 16 hex characters of SHA-256 of its bytes."""
    return hashlib.sha256(_b64decode(public_key_b64)).hexdigest()[:16]


def verify_document(document: Mapping[str, Any], signature_b64: str, public_key_b64: str) -> bool:
    """True when ``signature_b64`` is a valid signature of ``document`` under the key."""
    try:
        key = VerifyKey(_b64decode(public_key_b64))
        key.verify(canonical_json(document), _b64decode(signature_b64))
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


class Signer:
    """Signs release documents with one Ed25519 key."""

    def __init__(self, signing_key: SigningKey):
        self._key = signing_key
        self.public_key_b64 = base64.b64encode(bytes(signing_key.verify_key)).decode("ascii")
        self.key_id = key_id_for(self.public_key_b64)

    @classmethod
    def from_file(cls, path: str | Path, *, create_missing: bool = False) -> Signer:
        """Load the key from ``path``; create it first when missing and ``create_missing``."""
        file = Path(path)
        if not file.exists():
            if not create_missing:
                raise SecretError(f"Signing key file {file} does not exist.")
            try:
                return cls(create_signing_key_file(file))
            except FileExistsError:
                pass  # another process created it between the check and the create
        return cls(load_signing_key_file(file))

    def sign(self, document: Mapping[str, Any]) -> str:
        """The base64 signature of the canonical JSON of ``document``."""
        named = document.get("public_key")
        if named is not None and named != self.public_key_b64:
            raise ValueError("the document names another public key than this signer's")
        signature = self._key.sign(canonical_json(document)).signature
        return base64.b64encode(signature).decode("ascii")

    def verify(self, document: Mapping[str, Any], signature_b64: str) -> bool:
        return verify_document(document, signature_b64, self.public_key_b64)


def create_signing_key_file(path: Path) -> SigningKey:
    """Write a new random seed to ``path`` with mode 600 and return its key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = SigningKey.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(bytes(key).hex())
    return key


def load_signing_key_file(path: Path) -> SigningKey:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretError(f"Signing key file {path} must be readable by its owner only (chmod 600).")
    text = path.read_text(encoding="utf-8").strip()
    try:
        seed = bytes.fromhex(text)
    except ValueError:
        raise SecretError(f"Signing key file {path} does not hold a hex seed.") from None
    if len(seed) != SEED_BYTES:
        raise SecretError(f"Signing key file {path} must hold {SEED_BYTES} bytes (64 hex characters).")
    return SigningKey(seed)


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not valid base64") from exc
