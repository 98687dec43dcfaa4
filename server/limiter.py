"""Rate limits kept in memory only; keys never contain a client address."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request
from flask_limiter import Limiter

from server.settings import Settings


def _global_key() -> str:
    # One shared bucket per endpoint: abuse is limited without identifying anyone.
    return "all"


def _login_key() -> str:
    # Per username tried, so guessing one account's password is slowed down.
    return "login:" + (request.form.get("username", "") or "")[:80].lower()


def init_app(app: Flask, settings: Settings) -> None:
    """Attach a per-app limiter and limit the endpoints that strangers can reach."""
    limiter = Limiter(key_func=_global_key, app=app, storage_uri="memory://",
                      headers_enabled=True)
    app.extensions["rate_limiter"] = limiter
    rules: list[tuple[str, str, Callable[[], str]]] = [
        ("auth.login", settings.login_rate_limit, _login_key),
        ("meldknop.submit", settings.meldknop_rate_limit, _global_key),
    ]
    for endpoint, rule, key in rules:
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = limiter.limit(rule, key_func=key, methods=["POST"])(view)
