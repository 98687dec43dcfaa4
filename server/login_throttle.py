"""Slowing down password and code guessing per name, without ever locking the holder out.

Failed attempts are counted per name in the rate limiter's store (``server.limiter``), which
every worker shares, under an HMAC of the normalised name with the app's secret key: the store
never holds a name. The first ``free_attempts`` go at once; after them each attempt must wait
a delay that doubles per failure up to ``max_delay`` seconds. The holder with the right password
waits at most that long, and then always gets in; a success forgets the failures. On top of
this the login form has one limit over all names together (``SIGNAL_REGISTRY_LOGIN_RATE_LIMIT``).

A waiting attempt is refused without looking at the password, so waiting cannot be skipped by
guessing faster. Attempts made at the same moment cannot slip through together: each one past
the free ones must win a one-use gate named after the wait it passed.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import ngettext
from limits.storage import Storage

from registry.accounts import normalise_username
from server.limiter import limiter

DAY = 24 * 3600


@dataclass(frozen=True)
class Wait:
    """An attempt refused for now: how many whole seconds to wait."""

    seconds: int

    def message(self) -> str:
        return ngettext("Te veel pogingen. Wacht nog %(num)d seconde en probeer het opnieuw.",
                        "Te veel pogingen. Wacht nog %(num)d seconden en probeer het opnieuw.",
                        self.seconds)


def normalise_name(name: str) -> str:
    """One name however it is typed: NFKC, no surrounding spaces, case folded."""
    return normalise_username(name)


class LoginThrottle:
    def __init__(self, storage: Storage, secret: bytes, free_attempts: int = 3,
                 first_delay: int = 2, max_delay: int = 300, forget_after: int = DAY,
                 clock: Callable[[], float] = time.time):
        self.storage = storage
        self._secret = secret
        self.free_attempts = free_attempts
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.forget_after = forget_after
        self.clock = clock

    def delay_after(self, failures: int) -> int:
        """Seconds to wait after this many failures in a row."""
        if failures < self.free_attempts:
            return 0
        return int(min(self.max_delay, self.first_delay * 2 ** (failures - self.free_attempts)))

    def begin(self, purpose: str, name: str) -> Wait | None:
        """Start an attempt; a ``Wait`` means refuse it now, without checking anything.

        Call :meth:`succeeded` after a correct answer; an attempt that is not followed by it
        counts as a failure.
        """
        key = self._key(purpose, name)
        now = self.clock()
        not_before = self.storage.get(key + ":wait")
        if now < not_before:
            return Wait(max(1, math.ceil(not_before - now)))
        failures = self.storage.incr(key + ":failures", self.forget_after)
        if failures > self.free_attempts:
            gate = self.storage.incr(f"{key}:gate:{not_before}", self.max_delay + 60)
            if gate != 1:
                return Wait(max(1, self.delay_after(failures - 1)))
        delay = self.delay_after(failures)
        if delay:
            # Set before the password is checked: an attempt that fails has already set it.
            self.storage.clear(key + ":wait")
            self.storage.incr(key + ":wait", self.max_delay + 60, math.ceil(now) + delay)
        return None

    def succeeded(self, purpose: str, name: str) -> None:
        key = self._key(purpose, name)
        for suffix in (":failures", ":wait", ":gate:0"):
            self.storage.clear(key + suffix)

    def _key(self, purpose: str, name: str) -> str:
        tag = hmac.new(self._secret, f"{purpose}\x00{normalise_name(name)}".encode(),
                       hashlib.sha256).hexdigest()[:40]
        return f"login-throttle:{purpose}:{tag}"


def login_throttle() -> LoginThrottle:
    """The app's throttle, on the limiter's shared store."""
    found = current_app.extensions.get("login_throttle")
    if found is None:
        key = current_app.secret_key
        secret = key.encode("utf-8") if isinstance(key, str) else bytes(key or b"")
        found = LoginThrottle(limiter().storage, secret)
        current_app.extensions["login_throttle"] = found
    assert isinstance(found, LoginThrottle)
    return found
