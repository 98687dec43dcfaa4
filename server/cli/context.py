"""What every command needs: its settings, app and services, and a way to fail cleanly.

The command modules import from here and the group (``server.cli``) imports them, so imports
run one way: ``server.cli`` -> command modules -> ``server.cli.context``.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from flask import Flask

from server.app import create_app
from server.container import Services
from server.settings import Settings


def fail(message: str) -> NoReturn:
    """End the command with ``error: message`` on stderr and exit status 1."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def group_database_url(ctx: click.Context) -> str | None:
    """The group's ``--database-url`` option, if it was given."""
    group_options: dict[str, str | None] = ctx.find_root().obj or {}
    return group_options.get("database_url")


def settings_for(ctx: click.Context, **overrides: object) -> Settings:
    """Settings from the environment, the group's options and ``overrides`` (in that order)."""
    values = {"database_url": group_database_url(ctx), **overrides}
    return Settings.from_env(None, **values)


def app_for(ctx: click.Context, **overrides: object) -> Flask:
    """The app for these settings; its database engine is closed when the command ends."""
    app = create_app(settings_for(ctx, **overrides))
    ctx.call_on_close(app.extensions["signal_registry"].db.dispose)
    return app


def services_of(app: Flask) -> Services:
    """The services ``create_app`` built for this app."""
    services: Services = app.extensions["signal_registry"]
    return services


def services_for(ctx: click.Context, **overrides: object) -> Services:
    """The services for these settings (see ``app_for``)."""
    return services_of(app_for(ctx, **overrides))
