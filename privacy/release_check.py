"""Checking a release file that comes from outside: an answer for every input, never a crash.

``privacy.exports.verify_release_file`` trusts its input to be a file of this register that may
have been changed. Files uploaded on the council's check page or given to ``signal-registry
verify`` can be anything: too large to parse, nested so deeply that the parser (or anything
walking its result) runs out of stack, not UTF-8, or a document with values the canonical form
refuses (NaN, a lone surrogate). Each of those is a failed check with a plain Dutch reason.
"""

from __future__ import annotations

from pathlib import Path

from privacy.exports import VerifyResult, verify_release_file
from registry.jsondepth import MAX_JSON_DEPTH, too_deep

# The largest JSON file a check parses. Signed manifests and report documents are far smaller
# (tens to hundreds of kilobytes); a printable report itself is hashed, never parsed.
MAX_JSON_BYTES = 8_000_000
NOT_A_RELEASE = "Onbekend bestandsformaat: verwacht een JSON- of CSV-release."
NOT_UTF8 = "Het bestand is geen UTF-8-tekst; een release van dit register is dat altijd."
TOO_LARGE = (f"Het JSON-bestand is groter dan {MAX_JSON_BYTES // 1_000_000} MB; een release of "
             "handtekeningbestand van dit register is veel kleiner.")
TOO_DEEP = (f"Het JSON-bestand is te diep genest (meer dan {MAX_JSON_DEPTH} niveaus); het is "
            "geen release of handtekeningbestand van dit register.")
DAMAGED = "Het bestand is beschadigd: het is geen leesbare release van dit register."


def check_release_text(text: str, public_key_b64: str | None) -> VerifyResult:
    """``verify_release_file`` on text from outside, with every way it can be unreadable
    answered as a failed check."""
    start = text.lstrip("\ufeff \t\r\n")[:1]
    if start not in ("{", "#"):
        # Never handed on: the verifier reads any other string as a path on this machine.
        return VerifyResult(False, NOT_A_RELEASE)
    if start == "{":
        if len(text.encode("utf-8", "surrogatepass")) > MAX_JSON_BYTES:
            return VerifyResult(False, TOO_LARGE)
        if too_deep(text):
            return VerifyResult(False, TOO_DEEP)
    try:
        return verify_release_file(text, public_key_b64)
    except RecursionError:  # a CSV's embedded document is only seen once decoded
        return VerifyResult(False, TOO_DEEP)
    except ValueError:  # NaN or a lone surrogate that the canonical form cannot write
        return VerifyResult(False, DAMAGED)


def check_release_bytes(data: bytes, public_key_b64: str | None) -> VerifyResult:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return VerifyResult(False, NOT_UTF8)
    return check_release_text(text, public_key_b64)


def check_release_path(path: Path, public_key_b64: str | None) -> VerifyResult:
    # newline is kept as written (bytes decoded whole): a CSV cell may hold a line break.
    return check_release_bytes(path.read_bytes(), public_key_b64)
