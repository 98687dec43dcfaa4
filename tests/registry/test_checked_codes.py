"""Case tokens and receipts with a check character: every slip of one character is caught, and a
code is read back however it is typed (letter case, hyphens, spaces)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import checked_codes
from registry.checked_codes import (
    ALPHABET,
    CODE_LENGTH,
    CodeProblem,
    CodeRefused,
    case_token_from_bits,
    new_case_token,
    new_receipt,
    parse_case_token,
    parse_receipt,
    receipt_from_bits,
)
from registry.periods import Month

BITS = st.integers(0, 2**85 - 1)
MONTHS = st.builds(Month, st.integers(1900, 9999), st.integers(1, 12))


def _op(x: int, y: int) -> int:
    return checked_codes._times_two(x) ^ y


def test_the_quasigroup_is_totally_anti_symmetric():
    # Damm's condition, checked over all 32**3 triples: what makes every swap detectable.
    for x, y in itertools.product(range(32), repeat=2):
        if x != y:
            assert _op(x, y) != _op(y, x)
            assert all(_op(_op(c, x), y) != _op(_op(c, y), x) for c in range(32))
    # A quasigroup: every row and every column is a permutation.
    for x in range(32):
        assert sorted(_op(x, y) for y in range(32)) == list(range(32))
        assert sorted(_op(y, x) for y in range(32)) == list(range(32))


def test_issued_codes_have_the_new_shape_and_no_look_alikes():
    tokens = {new_case_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert len(token.replace("-", "")) == CODE_LENGTH
        assert [len(group) for group in token.split("-")] == [3] * 6
        assert not set(token) & set("IO01")
        assert parse_case_token(token) == token
    receipt = new_receipt(Month(2026, 3))
    assert receipt.startswith("2026-03-") and parse_receipt(receipt).month == Month(2026, 3)


@given(bits=BITS, spelling=st.sampled_from(["as issued", "lower", "no hyphens", "spaces"]))
def test_a_token_is_read_back_however_it_is_typed(bits, spelling):
    token = case_token_from_bits(bits)
    typed = {"as issued": token, "lower": token.lower(), "no hyphens": token.replace("-", ""),
             "spaces": " " + token.replace("-", " ") + " "}[spelling]
    assert parse_case_token(typed) == token


@given(bits=BITS, position=st.integers(0, CODE_LENGTH - 1), shift=st.integers(1, 31))
def test_every_single_wrong_character_in_a_token_is_refused(bits, position, shift):
    compact = case_token_from_bits(bits).replace("-", "")
    wrong = ALPHABET[(ALPHABET.index(compact[position]) + shift) % 32]
    typed = compact[:position] + wrong + compact[position + 1:]
    with pytest.raises(CodeRefused) as refused:
        parse_case_token(typed)
    assert refused.value.problem is CodeProblem.MISTYPED


@given(bits=BITS, position=st.integers(0, CODE_LENGTH - 2))
def test_every_swap_of_two_neighbours_in_a_token_is_refused(bits, position):
    compact = case_token_from_bits(bits).replace("-", "")
    a, b = compact[position], compact[position + 1]
    if a == b:
        return
    typed = compact[:position] + b + a + compact[position + 2:]
    with pytest.raises(CodeRefused):
        parse_case_token(typed)


@given(bits=BITS, position=st.integers(0, CODE_LENGTH - 1), extra=st.sampled_from(ALPHABET))
def test_a_character_left_out_or_added_is_refused(bits, position, extra):
    compact = case_token_from_bits(bits).replace("-", "")
    for typed in (compact[:position] + compact[position + 1:],
                  compact[:position] + extra + compact[position:]):
        with pytest.raises(CodeRefused) as refused:
            parse_case_token(typed)
        assert refused.value.problem is CodeProblem.MISTYPED


def test_tokens_issued_before_check_characters_keep_their_form():
    # Old tokens were hashed with hyphens after every four characters: they must still be.
    assert parse_case_token("abcdefghjkmnpqrs") == "ABCD-EFGH-JKMN-PQRS"
    assert parse_case_token("ABCD EFGH JKMN PQRS") == "ABCD-EFGH-JKMN-PQRS"
    assert parse_case_token("ABCD-EFGH-JKMN-PQRS-TUVW") == "ABCD-EFGH-JKMN-PQRS-TUVW"


@pytest.mark.parametrize("typed", ["ABCD-EFGH-IJKL-MNOP", "zaak 12", "ABC-DEF-GHJ-KLM-NPQ-RS0",
                                   "ABC\u0131DEF", "ﬀABCDEFGHJKLMNPQR"])
def test_symbols_no_token_contains_are_named_as_such(typed):
    with pytest.raises(CodeRefused) as refused:
        parse_case_token(typed)
    assert refused.value.problem is CodeProblem.WRONG_CHARACTERS


@given(month=MONTHS, bits=BITS)
def test_a_receipt_is_read_back_however_it_is_typed(month, bits):
    receipt = receipt_from_bits(month, bits)
    for typed in (receipt, receipt.lower(), receipt.replace("-", ""), receipt.replace("-", " ")):
        assert parse_receipt(typed).text == receipt
        assert parse_receipt(typed).month == month


@given(month=MONTHS, bits=BITS, position=st.integers(0, 23), shift=st.integers(1, 9))
def test_every_single_wrong_character_in_a_receipt_is_refused_month_included(month, bits,
                                                                            position, shift):
    compact = receipt_from_bits(month, bits).replace("-", "")
    symbol = compact[position]
    if symbol.isdigit():
        wrong = str((int(symbol) + shift) % 10)
    else:
        wrong = ALPHABET[(ALPHABET.index(symbol) + shift) % 32]
    with pytest.raises(CodeRefused):
        parse_receipt(compact[:position] + wrong + compact[position + 1:])


def test_receipts_issued_before_check_characters_are_still_read():
    old = parse_receipt("2026-03-abcd-efgh-jkmn-pqrs-tuvw")
    assert old.text == "2026-03-ABCD-EFGH-JKMN-PQRS-TUVW" and old.month == Month(2026, 3)


@pytest.mark.parametrize("typed", ["", "garbage", "2026-3-ABC", "2026-03-ABCD-EFGH-IJKL-MNOP-QRST"])
def test_what_is_no_receipt_is_refused(typed):
    with pytest.raises(CodeRefused):
        parse_receipt(typed)
