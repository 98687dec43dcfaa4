"""The ``signal-registry`` command line: one click group, one command per task.

Every command builds its settings from the environment (``server.settings``) plus its options,
and its services through ``create_app``, exactly as the web server does. Errors a user can
cause end in a clear message on stderr and exit status 1, never a traceback.

To add a command, decorate a function with ``@cli.command()`` (here or in a module that this
one imports at the bottom) and get the services with ``services_for(ctx)``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask, url_for
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from privacy.pseudonyms import SecretError
from registry.accounts import Role
from registry.errors import SignalRegistryError
from registry.joined import joined
from registry.organisations import decode_org_file, parse_org_csv
from registry.periods import Month
from server.app import create_app
from server.container import Services
from server.governance import record_cli_account, record_cli_token
from server.migrations import upgrade
from server.settings import Settings


class CliGroup(click.Group):
    """Turns the errors a user can cause into a message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SecretError as exc:
            _fail(str(exc))
        except SignalRegistryError as exc:
            for error in exc.error_list():
                field = error["field"]
                prefix = f"{field}: " if field and field != "file" else ""
                click.echo(f"error: {prefix}{error['message']}", err=True)
            sys.exit(1)
        except DBAPIError as exc:
            # Only the driver's own first line: the full text would echo the statement's values.
            detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            _fail(f"database error: {detail}. Has the schema been created "
                  f"(signal-registry init-db)?")


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group(cls=CliGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--database-url", default=None, metavar="URL",
              help="Database URL; overrides the DATABASE_URL environment variable.")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """Anonymous signal registry for social safety at work (sociale veiligheid)."""
    ctx.ensure_object(dict)
    ctx.obj["database_url"] = database_url


def settings_for(ctx: click.Context, **overrides: object) -> Settings:
    """Settings from the environment, the group's options and ``overrides`` (in that order)."""
    group = (ctx.find_root().obj or {})
    values = {"database_url": group.get("database_url"), **overrides}
    return Settings.from_env(None, **values)


def app_for(ctx: click.Context, **overrides: object) -> Flask:
    """The app for these settings; its database engine is closed when the command ends."""
    app = create_app(settings_for(ctx, **overrides))
    ctx.call_on_close(app.extensions["signal_registry"].db.dispose)
    return app


def services_for(ctx: click.Context, **overrides: object) -> Services:
    services: Services = app_for(ctx, **overrides).extensions["signal_registry"]
    return services


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@cli.command("init-db")
@click.pass_context
def init_db(ctx: click.Context) -> None:
    """Create the database schema, or upgrade it to the newest version (Alembic)."""
    services = services_for(ctx)
    upgrade(services.db.engine)
    click.echo(f"Database schema is up to date: {_safe_url(services.settings.database_url)}")


@cli.command("load-org")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def load_org(ctx: click.Context, file: Path) -> None:
    """Load the organisation structure from a CSV (code,name,parent,organisation,headcount).

    A file with any bad line is refused whole; every bad line is reported with its number.
    """
    try:
        text = decode_org_file(file.read_bytes())
    except UnicodeDecodeError:
        _fail(f"{file} is neither UTF-8 nor Windows-1252 text; save it as 'CSV UTF-8' and try again")
    structure = parse_org_csv(text)
    result = services_for(ctx).replace_org(structure)
    click.echo(f"Loaded {len(structure.organisations)} organisations and {result['units']} units "
               f"({structure.total_headcount} FTE); {result['removed']} units removed.")


@cli.command("create-user")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]),
              help="adviser, preventiemedewerker, or (works council), gor, researcher, admin.")
@click.option("--organisation", default=None, metavar="CODE",
              help="Organisation code; required for adviser, preventiemedewerker and or.")
@click.option("--username", required=True, help="3-80 lower-case letters, digits, . _ or -.")
@click.option("--channel", default=None, metavar="CODE",
              help="Default channel of an adviser, e.g. vp_intern (see the taxonomy).")
@click.option("--project", default=None, metavar="CODE",
              help="A researcher's research project (its accounts share its budget).")
@click.option("--token", "with_token", is_flag=True,
              help="Also create an API token; it is printed as the last line.")
@click.option("--set-password", "set_password", is_flag=True,
              help="Type the account's password now (asked twice, not echoed) instead of "
                   "printing an activation link; for an operator at a terminal.")
@click.pass_context
def create_user(ctx: click.Context, role: str, organisation: str | None, username: str,
                channel: str | None, project: str | None, with_token: bool,
                set_password: bool) -> None:
    """Create an account and print its one-time activation link (the holder chooses the password)."""
    app = app_for(ctx)
    services: Services = app.extensions["signal_registry"]
    channels = services.taxonomy.fields["channel"].code_set
    if channel is not None and channel not in channels:
        _fail(f"unknown channel {channel!r}; choose from {', '.join(sorted(channels))}")
    known = frozenset(unit.code for unit in services.org().organisations)
    fields = {"organisation": organisation, "default_channel": channel,
              "known_organisations": known, "project": project}
    # Asked before the transaction begins: a prompt must not hold the database's write lock.
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                            err=True) if set_password else None
    # The account and its audit entry (actor "cli") commit together (server.governance).
    with services.db.session(immediate=True) as session:
        if password is not None:
            principal, _typed = joined(services.accounts, session).create_user(
                username, role, password=password, **fields)
        else:
            principal, activation = joined(services.activation, session).invite(
                username, role, **fields)
        record_cli_account(services.audit, session, principal)
    scope = f" for {principal.organisation}" if principal.organisation else ""
    click.echo(f"Created {principal.role.value} account {principal.username}{scope}.")
    if not set_password:
        click.echo(f"Activation link (works once, until {activation.expires:%Y-%m-%d %H:%M} UTC; "
                   "open it on the registry's address and choose a password):")
        with app.test_request_context():
            click.echo(url_for("account.activate", token=activation.token))
    if with_token:
        with services.db.session(immediate=True) as session:
            token = joined(services.accounts, session).create_token(principal.account_id, "cli")
            record_cli_token(services.audit, session, principal, token)
        click.echo("API token (shown once; send it as 'Authorization: Bearer <token>'):")
        click.echo(token)


@cli.command()
@click.option("--before", default=None, metavar="YYYY-MM",
              help="Delete signals of months before this one. "
                   "Default: this month minus the retention period.")
@click.pass_context
def purge(ctx: click.Context, before: str | None) -> None:
    """Delete raw signals older than the retention period; says which months, never how many."""
    services = services_for(ctx)
    current = Month.current()
    if before is None:
        cutoff = current.add(-12 * services.settings.retention_years)
    else:
        try:
            cutoff = Month.parse(before)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--before") from exc
        if cutoff > current:
            raise click.BadParameter("may not lie after the current month", param_hint="--before")
    services.signals.purge(cutoff)
    # Outcomes belong to their case: once its signals are gone they count nowhere, so they go.
    services.outcomes.purge_orphans()
    # No count: an operator's log of counts per run would be exact figures the releases only
    # give with noise (docs/threat-model.md).
    click.echo(f"Bewaartermijn toegepast: signalen van vóór {cutoff} zijn verwijderd.")


def _serve_options(func: Any) -> Any:
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


@cli.command()
@_serve_options
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the web app and the API with gunicorn (no access log, no client addresses)."""
    from server.wsgi import serve as run_server

    app = create_app(settings_for(ctx))
    run_server(app, host, port, workers, threads)


@cli.command()
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
    from server.demo import check_demo_database, format_credentials, setup_demo
    from server.wsgi import serve as run_server

    data_dir = Path(os.environ.get("SIGNAL_REGISTRY_DATA_DIR") or "data").resolve()
    group_url = (ctx.find_root().obj or {}).get("database_url")
    app = create_app(settings_for(
        ctx, mode="demo", data_dir=str(data_dir), secure_cookies=False,
        database_url=group_url or f"sqlite:///{data_dir / 'demo.db'}",
    ))
    services: Services = app.extensions["signal_registry"]
    check_demo_database(services.db)  # before the schema upgrade: a foreign database stays as it is
    upgrade(services.db.engine)
    result = setup_demo(services, months=months)
    if publish_months:
        from server.demo import DEMO_ORGANISATION
        from server.fresh_process import publish_demo_apart

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


def _register_commands() -> None:
    # Commands that live in modules of their own (they import this module's helpers lazily).
    from server.cli_analytics import COMMANDS as ANALYTICS
    from server.cli_audit import COMMANDS as AUDIT
    from server.cli_import import import_command
    from server.cli_privacy import COMMANDS as PRIVACY

    for command in (import_command, *PRIVACY, *ANALYTICS, *AUDIT):
        cli.add_command(command)


_register_commands()


def main() -> None:
    """Console-script entry point (``signal-registry``)."""
    cli(prog_name="signal-registry")


if __name__ == "__main__":
    main()
