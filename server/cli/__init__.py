"""The ``signal-registry`` command line: one click group, one command per task.

Every command builds its settings from the environment (``server.settings``) plus its options,
and its services through ``create_app``, exactly as the web server does
(``server.cli.context``). Errors a user can cause end in a clear message on stderr and exit
status 1, never a traceback.

To add a command, write it with ``@click.command()`` in the module of its topic
(``server/cli/database.py``, ``accounts.py``, ``serving.py``, ``imports.py``, ``privacy.py``,
``analytics.py``, ``audit.py``), put it in that module's ``COMMANDS``, and get its services with
``services_for(ctx)``. The modules import only ``server.cli.context``, never this package, so
the imports run one way.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy.exc import DBAPIError

from privacy.pseudonyms import SecretError
from registry.errors import SignalRegistryError
from server.cli import accounts, analytics, audit, database, imports, privacy, serving
from server.cli.context import fail


class CliGroup(click.Group):
    """Turns the errors a user can cause into a message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SecretError as exc:
            fail(str(exc))
        except SignalRegistryError as exc:
            for error in exc.error_list():
                field = error["field"]
                prefix = f"{field}: " if field and field != "file" else ""
                click.echo(f"error: {prefix}{error['message']}", err=True)
            sys.exit(1)
        except DBAPIError as exc:
            # Only the driver's own first line: the full text would echo the statement's values.
            detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            fail(f"database error: {detail}. Has the schema been created "
                 f"(signal-registry init-db)?")


@click.group(cls=CliGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--database-url", default=None, metavar="URL",
              help="Database URL; overrides the DATABASE_URL environment variable.")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """Anonymous signal registry for social safety at work (sociale veiligheid)."""
    ctx.ensure_object(dict)
    ctx.obj["database_url"] = database_url


for _module in (database, accounts, serving, imports, privacy, analytics, audit):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    """Console-script entry point (``signal-registry``)."""
    cli(prog_name="signal-registry")
