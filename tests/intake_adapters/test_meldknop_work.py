"""The meldknop's proof-of-work: stateless challenges that only the app can make, solved by work."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from intake_adapters.meldknop import work

SECRET = b"secret"
NOW = 1_800_000_000.0


def test_leading_zero_bits_counts_from_the_first_bit():
    assert work.leading_zero_bits(b"\x80") == 0
    assert work.leading_zero_bits(b"\x00\x01") == 15
    assert work.leading_zero_bits(b"\x00\x00") == 16


@given(st.binary(min_size=1, max_size=8))
def test_leading_zero_bits_agrees_with_the_integer(data: bytes):
    value = int.from_bytes(data, "big")
    assert work.leading_zero_bits(data) == len(data) * 8 - value.bit_length()


@settings(max_examples=30, deadline=None)
@given(bits=st.integers(0, 8))
def test_a_solved_challenge_verifies_until_it_expires(bits: int):
    challenge = work.issue(SECRET, bits, now=NOW)
    nonce = work.solve(challenge, bits)
    assert work.leading_zero_bits(hashlib.sha256((challenge + nonce).encode()).digest()) >= bits
    found = work.verify(SECRET, bits, challenge, nonce, now=NOW)
    assert isinstance(found, work.Challenge)
    assert found.token == challenge.split(".")[1]
    assert found.expires == int(NOW) + work.CHALLENGE_SECONDS
    assert work.verify(SECRET, bits, challenge, nonce, now=found.expires) is work.WorkProblem.EXPIRED


@settings(max_examples=60, deadline=None)
@given(position=st.integers(0, 75), replacement=st.sampled_from("0123456789abcdef."))
def test_any_change_to_a_challenge_makes_it_invalid(position: int, replacement: str):
    challenge = work.issue(SECRET, 4, now=NOW)
    changed = challenge[:position] + replacement + challenge[position + 1:]
    if changed == challenge:
        return
    nonce = work.solve(changed, 4)
    assert work.verify(SECRET, 4, changed, nonce, now=NOW) in (work.WorkProblem.INVALID,
                                                               work.WorkProblem.EXPIRED)


def test_a_challenge_holds_only_for_its_own_secret_and_work():
    challenge = work.issue(SECRET, 4, now=NOW)
    nonce = work.solve(challenge, 8)  # enough work for both
    assert work.verify(b"other", 4, challenge, nonce, now=NOW) is work.WorkProblem.INVALID
    # Asking less work on the server than the page promised does not make a page valid.
    assert work.verify(SECRET, 8, challenge, nonce, now=NOW) is work.WorkProblem.INVALID


def test_too_little_work_and_odd_nonces_are_refused():
    challenge = work.issue(SECRET, 12, now=NOW)
    weak = next(str(n) for n in range(1000) if work.work_done(challenge, str(n)) < 12)
    assert work.verify(SECRET, 12, challenge, weak, now=NOW) is work.WorkProblem.TOO_LITTLE
    for odd in ("-1", "1e5", " 1", "1" * 17, "١"):
        assert work.verify(SECRET, 0, work.issue(SECRET, 0, now=NOW), odd,
                           now=NOW) is work.WorkProblem.TOO_LITTLE
    assert work.verify(SECRET, 12, "", "", now=NOW) is work.WorkProblem.MISSING
    assert work.verify(SECRET, 12, challenge, "", now=NOW) is work.WorkProblem.MISSING
    assert work.verify(SECRET, 12, "x" * 76, "1", now=NOW) is work.WorkProblem.INVALID
