"""Serving the app: ``serve`` for a real registry, ``demo`` for a fictional one on this machine.

Registered on the ``signal-registry`` group in ``server.cli`` (``COMMANDS``). Both serve with
gunicorn through ``server.wsgi``, imported only when a command serves (the other commands
need no gunicorn).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from server.app import create_app
from server.cli.context import group_database_url, services_of, settings_for
from server.demo import DEMO_ORGANISATION, check_demo_database, format_credentials, setup_demo
from server.fresh_process import publish_demo_apart
from server.migrations import upgrade
from server.settings import Mode

Command = TypeVar("Command", bound=Callable[..., None])


def _serve_options(func: Command) -> Command:
    func = click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
                        help="Threads per worker.")(func)
    func = click.option("--workers", default=None, type=click.IntRange(1, 64),
                        help="Worker processes [default: 2 with a shared rate-limit store; "
                             "otherwise 1 process with twice the threads]. More than 1 needs "
                             "SIGNAL_REGISTRY_RATE_LIMIT_STORAGE=redis://... in production.")(func)
    func = click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
                        )(func)
    return click.option("--host", default="127.0.0.1", show_default=True,
                        help="Address to listen on; put a TLS proxy in front for other hosts.",
                        )(func)


@click.command()
@_serve_options
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the web app and the API with gunicorn (no access log, no client addresses)."""
    from server.wsgi import serve as run_server

    app = create_app(settings_for(ctx))
    run_server(app, host, port, workers, threads)


@click.command()
@_serve_options
@click.option("--months", default=24, show_default=True, type=click.IntRange(1, 120),
              help="Months of synthetic signals to generate on the first run.")
@click.option("--publish-months", default=13, show_default=True, type=click.IntRange(0, 120),
              help="Completed months to publish for the demo ministry (3 for the others), so "
                   "the dashboards have figures; 0 publishes nothing.")
@click.option("--no-serve", is_flag=True, help="Set up the demo and exit without serving.")
@click.pass_context
def demo(ctx: click.Context, host: str, port: int, workers: int | None, threads: int, months: int,
         publish_months: int, no_serve: bool) -> None:
    """Set up (or reuse) a demo with a fictional Rijk and synthetic signals, and serve it.

    Uses a SQLite file data/demo.db (or the SIGNAL_REGISTRY_DATA_DIR folder) and plain http on
    this machine; never point it at a production database.
    """
    from server.wsgi import serve as run_server

    data_dir = Path(os.environ.get("SIGNAL_REGISTRY_DATA_DIR") or "data").resolve()
    app = create_app(settings_for(
        ctx, mode=Mode.DEMO, data_dir=str(data_dir), secure_cookies=False,
        database_url=group_database_url(ctx) or f"sqlite:///{data_dir / 'demo.db'}",
    ))
    services = services_of(app)
    check_demo_database(services.db)  # before the schema upgrade: a foreign database stays as it is
    upgrade(services.db.engine)
    result = setup_demo(services, months=months)
    if publish_months:
        click.echo("Publishing the monthly figures (the first run takes a minute or two)...")
        # In a fresh process: polars' threads must never start in the process gunicorn forks
        # (server.fresh_process).
        services.db.dispose()
        done = publish_demo_apart(services.settings, DEMO_ORGANISATION,
                                  min(publish_months, months), min(3, publish_months, months))
        click.echo(f"Published {done.published} releases of the release plan "
                   f"({done.already} were already published).")
    shown_host = "localhost" if host in ("0.0.0.0", "::") else host  # noqa: S104 - display only
    url = f"http://{f'[{shown_host}]' if ':' in shown_host else shown_host}:{port}/"
    click.echo(format_credentials(result, url))
    if no_serve:
        services.db.dispose()
        return
    run_server(app, host, port, workers, threads)


COMMANDS = (serve, demo)
