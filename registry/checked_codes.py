"""Case tokens and receipts: random codes people copy by hand, issued with a check character.

An adviser copies a case token from one contact to the next, often from a note or a case file.
A typo used to open a new case silently (inflating case counts), so every code issued now ends
in a check character, and a code is read back however it is typed: in any letter case, with or
without hyphens or spaces.

Check character: the Damm algorithm (H. M. Damm, *Total anti-symmetrische Quasigruppen*,
2004) over the quasigroup ``x * y = 2x + y`` of the field GF(2^5) (modulus x^5 + x^2 + 1), so
over exactly the 32 symbols of :data:`ALPHABET`. That quasigroup is totally anti-symmetric
(``(c*x)*y = (c*y)*x`` and ``x*y = y*x`` both force ``x = y``, because 3 is not zero in the
field), which is what makes Damm's scheme detect *every* single wrong character and *every*
swap of two neighbours. The check character is the one that brings the running value to 0.
A receipt's check also covers its month (digits as the values 0 to 9), so a mistyped month is
caught too.

Codes issued before had no check character. They stay valid because their length tells them
apart: they have 16, 20 or 24 characters (case tokens) or 20 after the month (receipts), new
ones 18, and one character too many or too few never turns a new code into an old length. A
typo in an old code cannot be detected; case tokens are linked within one calendar year only
and receipts within one month, so old codes stop mattering soon after this change.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from registry.periods import Month

# 32 symbols without look-alikes (no I, O, 0, 1): 5 bits per character.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
_FIELD_MODULUS = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)

# 17 random characters (85 bits) and a check character, shown in six groups of three.
CODE_LENGTH = 18
RANDOM_LENGTH = CODE_LENGTH - 1
GROUP = 3
LEGACY_TOKEN_LENGTHS = frozenset({16, 20, 24})
LEGACY_RECEIPT_LENGTH = 20
LEGACY_GROUP = 4

# What people type between groups: spaces (also the no-break ones a copy may bring along) and
# the dashes word processors make. A regex class, also used in the OpenAPI document.
SEPARATOR_CLASS = r"[ \t\u00a0\u202f\-\u2010-\u2015\u2212]"
_SEPARATORS = re.compile(SEPARATOR_CLASS + "+")
_MONTH_DIGITS = 6


class CodeProblem(StrEnum):
    """Why a typed code was refused."""

    WRONG_CHARACTERS = "wrong_characters"  # symbols no issued code contains, such as I, O, 0, 1
    MISTYPED = "mistyped"  # the right symbols, but the length or the check character is off


class CodeRefused(ValueError):
    def __init__(self, problem: CodeProblem):
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Receipt:
    """A receipt read back: its canonical text (what is hashed) and the month it names."""

    text: str
    month: Month


def _times_two(value: int) -> int:
    value <<= 1
    return value ^ _FIELD_MODULUS if value & 0b100000 else value


def _fold(values: list[int]) -> int:
    """Damm's running value after ``values``: interim = 2 * interim + value in GF(2^5)."""
    interim = 0
    for value in values:
        interim = _times_two(interim) ^ value
    return interim


def check_character(values: list[int]) -> str:
    """The symbol that brings the running value of ``values`` to zero."""
    return ALPHABET[_times_two(_fold(values))]


def _random_body() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))


def _grouped(text: str, size: int) -> str:
    return "-".join(text[i:i + size] for i in range(0, len(text), size))


def _values(symbols: str) -> list[int]:
    return [_VALUE[symbol] for symbol in symbols]


def _month_values(month: Month) -> list[int]:
    return [int(digit) for digit in f"{month.year:04d}{month.month:02d}"]


def _compact(text: str) -> str:
    """Without separators, in capitals; ASCII only, so that no other script's letter turns
    into one of ours when capitalised."""
    compact = _SEPARATORS.sub("", text)
    if not compact.isascii():
        raise CodeRefused(CodeProblem.WRONG_CHARACTERS)
    return compact.upper()


def new_case_token() -> str:
    """A fresh case token: 17 random characters and a check character, e.g. ``ABC-DEF-...``."""
    body = _random_body()
    return _grouped(body + check_character(_values(body)), GROUP)


def case_token_from_bits(bits: int) -> str:
    """A case token from 85 or more random bits (the low 85 are used)."""
    body = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(RANDOM_LENGTH))
    return _grouped(body + check_character(_values(body)), GROUP)


def parse_case_token(text: str) -> str:
    """The canonical form of a typed case token; raises CodeRefused.

    New tokens come back in groups of three, old ones in groups of four with hyphens exactly
    as they were issued, so an old token keeps the pseudonym it had.
    """
    compact = _compact(text)
    if any(symbol not in _VALUE for symbol in compact):
        raise CodeRefused(CodeProblem.WRONG_CHARACTERS)
    if len(compact) in LEGACY_TOKEN_LENGTHS:
        return _grouped(compact, LEGACY_GROUP)
    if len(compact) != CODE_LENGTH or _fold(_values(compact)):
        raise CodeRefused(CodeProblem.MISTYPED)
    return _grouped(compact, GROUP)


def new_receipt(month: Month) -> str:
    """A fresh receipt naming ``month``: ``2026-03-ABC-DEF-GHJ-KLM-NPQ-RS7``."""
    return receipt_from_bits(month, secrets.randbits(5 * RANDOM_LENGTH))


def receipt_from_bits(month: Month, bits: int) -> str:
    """A receipt from 85 or more random bits (the low 85 are used); the check covers the month."""
    body = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(RANDOM_LENGTH))
    check = check_character(_month_values(month) + _values(body))
    return f"{month}-{_grouped(body + check, GROUP)}"


def parse_receipt(text: str) -> Receipt:
    """The canonical receipt and its month from what was typed; raises CodeRefused."""
    compact = _compact(text)
    digits, body = compact[:_MONTH_DIGITS], compact[_MONTH_DIGITS:]
    if not (digits.isascii() and digits.isdigit() and len(digits) == _MONTH_DIGITS):
        raise CodeRefused(CodeProblem.WRONG_CHARACTERS)
    if any(symbol not in _VALUE for symbol in body):
        raise CodeRefused(CodeProblem.WRONG_CHARACTERS)
    try:
        month = Month(int(digits[:4]), int(digits[4:]))
    except ValueError:
        raise CodeRefused(CodeProblem.MISTYPED) from None
    if len(body) == LEGACY_RECEIPT_LENGTH:
        return Receipt(f"{month}-{_grouped(body, LEGACY_GROUP)}", month)
    if len(body) != CODE_LENGTH or _fold(_month_values(month) + _values(body)):
        raise CodeRefused(CodeProblem.MISTYPED)
    return Receipt(f"{month}-{_grouped(body, GROUP)}", month)
