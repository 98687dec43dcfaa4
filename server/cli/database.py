"""The database's own content: its schema, the organisation structure, and the retention purge.

Registered on the ``signal-registry`` group in ``server.cli`` (``COMMANDS``).
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.engine import make_url

from registry.organisations import decode_org_file, parse_org_csv
from registry.periods import Month
from server.cli.context import fail, services_for
from server.migrations import upgrade


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@click.command("init-db")
@click.pass_context
def init_db(ctx: click.Context) -> None:
    """Create the database schema, or upgrade it to the newest version (Alembic)."""
    services = services_for(ctx)
    upgrade(services.db.engine)
    click.echo(f"Database schema is up to date: {_safe_url(services.settings.database_url)}")


@click.command("load-org")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def load_org(ctx: click.Context, file: Path) -> None:
    """Load the organisation structure from a CSV (code,name,parent,organisation,headcount).

    A file with any bad line is refused whole; every bad line is reported with its number.
    """
    try:
        text = decode_org_file(file.read_bytes())
    except UnicodeDecodeError:
        fail(f"{file} is neither UTF-8 nor Windows-1252 text; save it as 'CSV UTF-8' and try again")
    structure = parse_org_csv(text)
    result = services_for(ctx).replace_org(structure)
    click.echo(f"Loaded {len(structure.organisations)} organisations and {result['units']} units "
               f"({structure.total_headcount} FTE); {result['removed']} units removed.")


@click.command()
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


COMMANDS = (init_db, load_org, purge)
