"""Rate limits in a store every worker shares, with keys that never contain a client address.

A client is known to the limiter only as :func:`client_key`: an HMAC of its address under a key
that lives in memory only and is replaced every hour by a one-way step (:class:`HourlyKey`). Once
an hour has passed its key is gone, so no counter, log line or memory dump links a hashed key
to an address afterwards, and nothing about a client is ever written to disk.

The store is ``settings.rate_limit_storage``: ``memory://`` keeps counters in the process, so
``serve`` then runs a single worker process (threads carry the concurrency) and the counters are
shared by construction; ``redis://host:port`` lets any number of workers share them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from typing import cast

from flask import Blueprint, Flask, current_app, request
from flask.typing import RouteCallable
from flask_limiter import Limiter

from intake_adapters.meldknop.limits import EXTENSION_KEY as MELDKNOP_LIMITS
from intake_adapters.meldknop.limits import MeldknopLimits
from server.settings import Settings

HOUR = 3600


class HourlyKey:
    """A secret that moves one way each hour: ``key(h+1) = SHA-256(key(h))``.

    Made once in the process that creates the app, before gunicorn forks its workers, so every
    worker derives the same key for the same hour without sharing anything at run time; a
    worker keeps only the current key, so earlier hours' keys cannot be recomputed from it.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._hour = int(clock()) // HOUR
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()

    def current(self) -> bytes:
        hour = int(self._clock()) // HOUR
        with self._lock:
            while self._hour < hour:
                self._key = hashlib.sha256(b"next-hour" + self._key).digest()
                self._hour += 1
            return self._key

    def tag(self, purpose: str, value: str) -> str:
        """A short keyed hash of ``value``; equal within an hour, unlinkable across hours."""
        message = purpose.encode() + b"\x00" + value.encode()
        return hmac.new(self.current(), message, hashlib.sha256).hexdigest()[:32]


def hourly_key() -> HourlyKey:
    key: HourlyKey = current_app.extensions["hourly_key"]
    return key


def client_key() -> str:
    """The limiter's name for the client of this request: a keyed hash, never the address."""
    return "client:" + hourly_key().tag("client", request.remote_addr or "")


def everyone_key() -> str:
    # One bucket for all clients together: an overall ceiling on top of per-client limits.
    return "everyone"


# The blueprints whose endpoints a bearer token opens (``web.access.require_roles``): the
# signals intake API, the research API and the analytics API.
TOKEN_API_BLUEPRINTS = ("api", "research_api", "analytics_api")


def bearer_token() -> str | None:
    """The token of ``Authorization: Bearer <token>``, or None; only ever hashed here."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def token_key() -> str:
    """The limiter's name for the API token of this request: a keyed hash, never the token.

    Every request carrying the token counts, also one with an unknown or revoked token, so
    guessing tokens is as bounded as using one.
    """
    return "token:" + hourly_key().tag("api-token", bearer_token() or "")


def _without_token() -> bool:
    # Sessions (the dashboards call the analytics API from the browser) and the public
    # endpoints are not counted per token.
    return bearer_token() is None


def limiter() -> Limiter:
    found: Limiter = current_app.extensions["rate_limiter"]
    return found


def shares_counters(settings: Settings) -> bool:
    """Whether several worker processes would see the same counters."""
    return not settings.rate_limit_storage.startswith("memory://")


def init_app(app: Flask, settings: Settings) -> None:
    """Attach a per-app limiter and the hourly key; views add their own rules."""
    app.extensions["hourly_key"] = HourlyKey()
    limiter = Limiter(key_func=client_key, app=app, storage_uri=settings.rate_limit_storage,
                      headers_enabled=True, key_prefix="signal-registry")
    app.extensions["rate_limiter"] = limiter
    # The meldknop counts in this limiter's storage itself: only stored signals, per client and
    # per unit per day (intake_adapters.meldknop.limits), so it has no rule here.
    app.extensions[MELDKNOP_LIMITS] = MeldknopLimits(
        limiter.storage, str(app.config["SECRET_KEY"]).encode(), settings.meldknop_rate_limit,
        settings.meldknop_unit_daily_cap, visitor=client_key, visitor_period=HOUR)
    rules: list[tuple[str, str, Callable[[], str]]] = [
        ("auth.login", settings.login_rate_limit, everyone_key),
        ("auth.second_factor", settings.login_rate_limit, everyone_key),
        ("auth.enrol", settings.login_rate_limit, everyone_key),
    ]
    for endpoint, rule, key in rules:
        view = app.view_functions.get(endpoint)
        if view is not None:
            # The decorator returns the view's own type; mypy cannot carry that through Flask's
            # union of sync and async views, so it is said here.
            app.view_functions[endpoint] = cast(
                "RouteCallable", limiter.limit(rule, key_func=key, methods=["POST"])(view))
    # One counter per token over all token APIs together (a shared scope), 429 beyond it.
    per_token = limiter.shared_limit(settings.api_rate_limit, scope="api-token",
                                     key_func=token_key, exempt_when=_without_token)
    for name in TOKEN_API_BLUEPRINTS:
        blueprint = app.blueprints.get(name)
        if isinstance(blueprint, Blueprint):  # Flask's own class, which Flask-Limiter expects
            per_token(blueprint)
