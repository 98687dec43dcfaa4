"""How many meldknop signals may be stored: per visitor, per unit per day, each form once.

All counters live in the rate limiter's store (``settings.rate_limit_storage``), which every
worker shares, and expire by themselves; nothing here reaches the database or a log:

* per visitor: ``settings.meldknop_rate_limit`` under the limiter's name for the client
  (``server.limiter.client_key``: a keyed hash of the address whose key changes every hour);
* per unit per day: ``settings.meldknop_unit_daily_cap``, under an HMAC of unit and date (the
  store never holds a unit code next to a day's count);
* per form page: the challenge of its proof-of-work, so a reload or a replay stores nothing.

Only stored signals count: a slot is reserved before storing (so parallel posts cannot overrun
a limit) and given back when the post is refused or the store fails. A flood from one client
therefore fills only that client's own counter.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from typing import ParamSpec, TypeVar

from limits import parse
from limits.storage import Storage

from intake_adapters.meldknop.work import Challenge

# The app's MeldknopLimits, made by server.limiter with the limiter's storage and client names.
EXTENSION_KEY = "meldknop_limits"
P = ParamSpec("P")
R = TypeVar("R")


class Refusal(Enum):
    """Why a valid submission was not stored."""

    CLIENT_LIMIT = "client_limit"  # this visitor (address) sent the most allowed for now
    UNIT_FULL = "unit_full"  # the unit had the most meldknop signals allowed today


@dataclass(frozen=True)
class Refused:
    reason: Refusal
    minutes: int = 0  # CLIENT_LIMIT: whole minutes until this visitor may send again


@dataclass
class Reservation:
    """Slots taken for one submission; give them back if it is not stored after all."""

    keys: list[str] = field(default_factory=list)


class StoreUnavailable(Exception):
    """The shared counter store did not answer; nothing is stored without it."""


class MeldknopLimits:
    """``visitor`` names the client of the current request; that name changes every
    ``visitor_period`` seconds (on multiples of it), which ends a visitor's count as well."""

    def __init__(self, storage: Storage, secret: bytes, rule: str, unit_daily_cap: int, *,
                 visitor: Callable[[], str], visitor_period: int,
                 clock: Callable[[], float] = time.time,
                 today: Callable[[], date] = date.today) -> None:
        self._storage = storage
        self._secret = secret
        self._visitor = visitor
        self._visitor_period = visitor_period
        item = parse(rule)
        self.client_limit = item.amount
        self.client_window = item.get_expiry()
        self.unit_daily_cap = unit_daily_cap
        self._clock = clock
        self._today = today
        # Workers of one deployment share the secret key, so they share these names; another
        # deployment (or test) on the same Redis gets counters of its own.
        self._namespace = self._hash("namespace")[:12]

    # -- each form page once ---------------------------------------------------------------

    def claim_form(self, challenge: Challenge) -> bool:
        """True for the first submission of this form page; False if it was sent before."""
        ttl = max(1, math.ceil(challenge.expires - self._clock()) + 1)
        return self._incr(self._form_key(challenge), ttl) == 1

    def release_form(self, challenge: Challenge) -> None:
        """Forget a claim whose signal was not stored, so the same page can be sent again."""
        self._call(self._storage.clear, self._form_key(challenge))

    # -- per visitor and per unit --------------------------------------------------------

    def reserve(self, unit: str) -> Reservation | Refused:
        """Take one slot of this request's visitor and one of the unit's day, or say why not."""
        held = Reservation()
        client_key = self._key("client", self._visitor())
        if self._incr(client_key, self.client_window) > self.client_limit:
            self._incr(client_key, self.client_window, -1)
            return Refused(Refusal.CLIENT_LIMIT, self._minutes_until_free(client_key))
        held.keys.append(client_key)
        day = self._today()
        unit_key = self._key("unit", self._hash(f"{unit}\x00{day.isoformat()}"))
        if self._incr(unit_key, self._seconds_until_tomorrow(day)) > self.unit_daily_cap:
            self._incr(unit_key, self._seconds_until_tomorrow(day), -1)
            self.give_back(held)
            return Refused(Refusal.UNIT_FULL)
        held.keys.append(unit_key)
        return held

    def give_back(self, held: Reservation) -> None:
        for key in held.keys:
            # The expiry only applies if the counter had already gone; 1 s lets it go at once.
            self._incr(key, 1, -1)
        held.keys.clear()

    def _minutes_until_free(self, client_key: str) -> int:
        now = self._clock()
        window_ends = self._call(self._storage.get_expiry, client_key)
        # The visitor's name in the store changes with the hourly key: a new name, a new count.
        renamed = (int(now) // self._visitor_period + 1) * self._visitor_period
        return max(1, math.ceil((min(window_ends, renamed) - now) / 60))

    def _seconds_until_tomorrow(self, day: date) -> int:
        midnight = datetime.combine(day + timedelta(days=1), datetime.min.time()).timestamp()
        return max(1, math.ceil(midnight - self._clock()))

    # -- store access ----------------------------------------------------------------------

    def _form_key(self, challenge: Challenge) -> str:
        return self._key("form", challenge.token)

    def _key(self, kind: str, name: str) -> str:
        return f"meldknop/{self._namespace}/{kind}/{name}"

    def _hash(self, value: str) -> str:
        return hmac.new(self._secret, b"meldknop-limits\x00" + value.encode(),
                        hashlib.sha256).hexdigest()[:32]

    def _incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return int(self._call(self._storage.incr, key, expiry, amount=amount))

    def _call(self, method: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except self._storage.base_exceptions as error:
            raise StoreUnavailable from error
