"""The application factory: ``create_app(config=None)``.

Configuration is layered: defaults from ``server.settings.SETTINGS``, then the environment,
then ``config`` (a Settings object or a mapping of overrides, as tests pass). Nothing happens at
import time.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, session
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFProtect

from privacy.pseudonyms import (
    KeyedPseudonymizer,
    SecretError,
    create_secret_file,
    load_master_secret,
)
from privacy.signing import Signer
from registry.db import Database
from registry.mfa import AccountKeys
from registry.private_files import private_folder
from registry.taxonomy import load_taxonomy
from server import sessions
from server.container import Services
from server.settings import Mode, Settings
from web.numbers import local_decimal

LOCALES = ("nl", "en")
csrf = CSRFProtect()


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    settings = _settings(config)
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.secret_key or secrets.token_hex(32),
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        BABEL_DEFAULT_LOCALE="nl",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        TESTING=settings.mode is Mode.TEST,
    )
    # Tests may switch CSRF off with {"csrf": False} to post forms directly; never elsewhere.
    app.config["WTF_CSRF_ENABLED"] = not (
        settings.mode is Mode.TEST and isinstance(config, Mapping) and config.get("csrf") is False
    )
    _quiet_logging()

    db = Database(settings.database_url)
    master_secret = _master_secret(settings)
    services = Services(
        settings=settings,
        db=db,
        taxonomy=load_taxonomy(),
        pseudonymizer=KeyedPseudonymizer(master_secret),
        signer=_signer(settings),
        account_keys=AccountKeys.from_master_secret(master_secret),
    )
    app.extensions["signal_registry"] = services

    csrf.init_app(app)
    Babel(app, locale_selector=_select_locale)
    sessions.init_app(app, services)

    from server import errors, headers, limiter, views

    errors.init_app(app)
    headers.init_app(app, settings)
    views.register_blueprints(app)
    limiter.init_app(app, settings)
    app.jinja_env.globals.update(locales=LOCALES, get_locale=get_locale)
    app.jinja_env.filters["decimal"] = local_decimal
    return app


def _settings(config: Settings | Mapping[str, Any] | None) -> Settings:
    if isinstance(config, Settings):
        return config
    overrides = {k: v for k, v in (config or {}).items() if k != "csrf"}
    return Settings.from_env(**overrides)


def _master_secret(settings: Settings) -> bytes:
    secret = load_master_secret(settings.master_secret, settings.master_secret_file)
    if secret is not None:
        return secret
    if settings.mode is Mode.PRODUCTION:
        raise SecretError(
            "No master secret: set SIGNAL_REGISTRY_MASTER_SECRET or "
            "SIGNAL_REGISTRY_MASTER_SECRET_FILE (outside demo and test mode it is required)."
        )
    path = _secrets_folder(settings) / "master-secret"
    if path.exists():
        loaded = load_master_secret(None, str(path))
        assert loaded is not None
        return loaded
    return create_secret_file(path)


def _signer(settings: Settings) -> Signer:
    # Its public key is published in the UI and at /api/v1/releases/public-key, so receivers
    # can verify releases.
    if settings.signing_key_file:
        path = Path(settings.signing_key_file)
    elif settings.mode is Mode.PRODUCTION:
        path = settings.data_path / "secrets" / "signing-key"
    else:
        path = _secrets_folder(settings) / "signing-key"
    if settings.mode is Mode.PRODUCTION:
        # A key made up silently at start would sign releases nobody can verify against the
        # key that was published before (a lost or misplaced file, a wrong data folder): the
        # operator makes the key once, as the master secret, and keeps it.
        if not path.exists():
            raise SecretError(
                f"No signing key: {path} does not exist. Create it once (mode 600, 64 hex "
                "characters, e.g. `(umask 077; openssl rand -hex 32 > FILE)`) and set "
                "SIGNAL_REGISTRY_SIGNING_KEY_FILE to it (outside demo and test mode it is required)."
            )
        return Signer.from_file(path)
    # Demo and test: created on first start (mode 600) when missing.
    return Signer.from_file(path, create_missing=True)


def _secrets_folder(settings: Settings) -> Path:
    """The data folder and its secrets folder, created 0700 when missing (demo and test)."""
    return private_folder(private_folder(settings.data_path) / "secrets")


def _select_locale() -> str:
    # Dutch unless English was chosen with the language switch: a Dutch government service
    # speaks Dutch, whatever language the browser happens to be set to.
    chosen = session.get("locale")
    if chosen in LOCALES:
        return str(chosen)
    return "nl"


def _quiet_logging() -> None:
    # Werkzeug's request log prints client addresses; this product never logs them.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
