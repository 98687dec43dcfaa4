"""Signed-in sessions: Flask-Login, ended on the server and after idle time.

The session cookie is signed, not encrypted, so it holds nothing secret and nothing about the
client's address. It carries the account id, the account's session version when the session
began, the minute of its last request and Flask-Login's fingerprint. A session counts only
while its version is the account's (logout, a new password, deactivation and resets raise the
account's version, so every copy of an older cookie stops working) and while it was used in the
last ``session_idle_minutes``.

Flask-Login's own fingerprint is a SHA-512 of the client address and User-Agent without a key,
so the address could be recovered from a cookie by trying addresses. Ours is an HMAC of the
User-Agent alone under the app's secret key: a cookie copied to another browser still fails,
and a changing address (a phone between networks) does not end a session.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import Flask, current_app, request, session
from flask_login import LoginManager, login_user, logout_user

from registry.accounts import Principal
from server.container import Services
from web.access import SessionUser

VERSION_KEY = "_sv"
LAST_SEEN_KEY = "_seen"
# What Flask-Login and this module keep in a signed-in session; all go when it ends.
SIGNED_IN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds", VERSION_KEY,
                  LAST_SEEN_KEY)


def current_minute() -> int:
    return int(time.time()) // 60


def session_identifier() -> str:
    """Flask-Login's session fingerprint: an HMAC of the User-Agent, never the address."""
    agent = request.headers.get("User-Agent", "")
    key = current_app.secret_key
    key_bytes = key.encode("utf-8") if isinstance(key, str) else bytes(key or b"")
    return hmac.new(key_bytes, b"session-fingerprint\x00" + agent.encode("utf-8", "replace"),
                    hashlib.sha256).hexdigest()


def start_session(principal: Principal, version: int) -> None:
    """Sign ``principal`` in on a fresh session (a new cookie: no fixation), keeping the language."""
    locale = session.get("locale")
    session.clear()
    login_user(SessionUser(principal))
    session[VERSION_KEY] = version
    session[LAST_SEEN_KEY] = current_minute()
    if locale:
        session["locale"] = locale


def carry_on(version: int) -> None:
    """Keep this session after the holder's own change raised the account's version."""
    session[VERSION_KEY] = version
    session[LAST_SEEN_KEY] = current_minute()


def end_session() -> None:
    """Forget the sign-in in this cookie, keeping only the chosen language."""
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale


def _forget_sign_in() -> None:
    for key in SIGNED_IN_KEYS:
        session.pop(key, None)


class _LoginManager(LoginManager):
    """Flask-Login, minus a needless cookie for visitors who never signed in.

    With strong session protection Flask-Login clears a ``remember_token`` cookie for any
    anonymous session whose fingerprint changes; anonymous visitors (the meldknop) must get no
    cookie but the CSRF session one.
    """

    def _session_protection_failed(self) -> bool:
        if "_user_id" not in session:
            return False
        return bool(super()._session_protection_failed())


def init_app(app: Flask, services: Services) -> None:
    manager = _LoginManager()
    manager.login_view = "auth.login"
    manager.login_message = "Log in om deze pagina te zien."
    manager.session_protection = "strong"
    manager._session_identifier_generator = session_identifier
    manager.init_app(app)

    def load_user(account_id: str) -> SessionUser | None:
        now = current_minute()
        seen = session.get(LAST_SEEN_KEY)
        idle = services.settings.session_idle_minutes
        if not isinstance(seen, int) or not now - idle <= seen <= now:
            _forget_sign_in()
            return None
        principal = services.accounts.for_session(account_id, session.get(VERSION_KEY))
        if principal is None:
            _forget_sign_in()
            return None
        if seen != now:
            session[LAST_SEEN_KEY] = now
        return SessionUser(principal)

    # Registered by a call, not as a decorator: Flask-Login has no types, and a decorator
    # without them would make load_user untyped.
    manager.user_loader(load_user)
