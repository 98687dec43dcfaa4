"""Posting the meldknop as its browser script would: solve the page's proof-of-work in Python."""

from __future__ import annotations

import re

from intake_adapters.meldknop.work import solve

_CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')
_BITS = re.compile(r'data-work-bits="([0-9]+)"')


def challenge_of(page: str) -> str:
    found = _CHALLENGE.search(page)
    assert found, "no proof-of-work challenge on the page"
    return found.group(1)


def solved(page: str) -> dict[str, str]:
    """The hidden fields the browser script fills in for the form ``page``: challenge and nonce."""
    challenge = challenge_of(page)
    bits = _BITS.search(page)
    assert bits, "no work bits on the form"
    return {"challenge": challenge, "nonce": solve(challenge, int(bits.group(1)))}
