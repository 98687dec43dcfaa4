"""A small proof-of-work for each meldknop submission, with stateless challenges.

The form page carries a challenge ``<expiry>.<random>.<signature>``: an HMAC under the app's
secret key over the work asked and the expiry, so the server keeps nothing per page view. The
visitor's browser (``static/meldknop.js``) finds a decimal nonce such that
``SHA-256(challenge + nonce)`` starts with ``bits`` zero bits: about ``2**bits`` hashes, a second
or so for a person, but a real cost for a script that wants to post thousands of signals.

Whether a challenge was used before is not decided here: that needs the shared store
(``limits.MeldknopLimits.claim_form``), so a replay is refused by every worker.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from enum import Enum
from itertools import count

# Long enough to fill in the form at ease; an older page gets a fresh challenge with its answers.
CHALLENGE_SECONDS = 2 * 3600
_CHALLENGE_RE = re.compile(r"^(?P<expiry>[0-9]{10})\.(?P<random>[0-9a-f]{32})\.(?P<sig>[0-9a-f]{32})$")
_NONCE_RE = re.compile(r"^[0-9]{1,16}$")


class WorkProblem(Enum):
    """Why a submission's proof-of-work is refused; the Dutch text tells the visitor what to do."""

    MISSING = "missing"
    INVALID = "invalid"
    EXPIRED = "expired"
    TOO_LITTLE = "too_little"

    @property
    def message(self) -> str:
        if self is WorkProblem.EXPIRED:
            return ("Het formulier stond te lang open. Uw keuzes staan er nog; "
                    "klik opnieuw op 'Anoniem versturen'.")
        if self is WorkProblem.MISSING:
            return ("Het formulier is verstuurd zonder de controle die uw browser met JavaScript "
                    "uitvoert. Zet JavaScript aan en klik opnieuw op 'Anoniem versturen'.")
        return ("De controle van het formulier klopt niet. Uw keuzes staan er nog; "
                "klik opnieuw op 'Anoniem versturen'.")


@dataclass(frozen=True)
class Challenge:
    """A verified challenge: ``token`` identifies this one form page, ``expires`` is epoch seconds."""

    token: str
    expires: int


def _signature(secret: bytes, bits: int, expiry: str, random: str) -> str:
    message = f"meldknop-work\x00{bits}\x00{expiry}\x00{random}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def issue(secret: bytes, bits: int, now: float | None = None) -> str:
    """A fresh challenge for one form page."""
    expiry = f"{int(time.time() if now is None else now) + CHALLENGE_SECONDS:010d}"
    random = secrets.token_hex(16)
    return f"{expiry}.{random}.{_signature(secret, bits, expiry, random)}"


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def work_done(challenge: str, nonce: str) -> int:
    """How many leading zero bits ``SHA-256(challenge + nonce)`` has."""
    return leading_zero_bits(hashlib.sha256((challenge + nonce).encode()).digest())


def verify(secret: bytes, bits: int, challenge: str, nonce: str,
           now: float | None = None) -> Challenge | WorkProblem:
    """The challenge if it is ours, unexpired and solved with ``bits`` of work; else why not."""
    if not challenge and not nonce:
        return WorkProblem.MISSING
    found = _CHALLENGE_RE.match(challenge)
    if found is None:
        return WorkProblem.INVALID
    expected = _signature(secret, bits, found["expiry"], found["random"])
    if not hmac.compare_digest(expected, found["sig"]):
        return WorkProblem.INVALID
    expires = int(found["expiry"])
    if expires <= (time.time() if now is None else now):
        return WorkProblem.EXPIRED
    if not nonce:
        return WorkProblem.MISSING
    if not _NONCE_RE.match(nonce) or work_done(challenge, nonce) < bits:
        return WorkProblem.TOO_LITTLE
    return Challenge(token=found["random"], expires=expires)


def solve(challenge: str, bits: int) -> str:
    """The smallest nonce that does the work: what the browser script does, for tests and tools."""
    for nonce in count():
        if work_done(challenge, str(nonce)) >= bits:
            return str(nonce)
    raise AssertionError("unreachable")  # pragma: no cover
