"""Privacy commands: verify a release file, set budgets, and erase arrival order.

Registered on the ``signal-registry`` group in ``server.cli`` (``COMMANDS``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from privacy.accounting import Cap
from privacy.exact import format_epsilon, to_fraction
from privacy.release_check import check_release_path
from registry.audit import CLI_ACTOR
from registry.maintenance import reorder_signals
from registry.periods import Month
from server.cli.context import services_for
from server.governance import allocate_directly, change_cap


@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", default=None, metavar="BASE64",
              help="Verify against this Ed25519 public key instead of the registry's own.")
@click.pass_context
def verify_command(ctx: click.Context, file: Path, public_key: str | None) -> None:
    """Check a release file (JSON or CSV) against the registry's public key."""
    key = public_key or services_for(ctx).signer.public_key_b64
    # Any file gets a one-line answer: too large, too deeply nested or not UTF-8 included.
    result = check_release_path(file, key)
    click.echo(("OK: " if result.ok else "FAILED: ") + result.message)
    if not result.ok:
        sys.exit(1)


@click.command("set-budget")
@click.option("--consumer", required=True,
              help="e.g. or:MIN-A, gor, preventie:MIN-A, researcher:NAME, plan")
@click.option("--year", type=int, default=None, help="Data year; default this year.")
@click.option("--rho", required=True, help="Exact decimal share of the year's cap, e.g. 0.01.")
@click.pass_context
def set_budget_command(ctx: click.Context, consumer: str, year: int | None, rho: str) -> None:
    """Allocate a consumer a share (rho) of a data year's privacy cap."""
    year = year or Month.current().year
    services = services_for(ctx)
    # An operator on the server allocates directly, without a second admin; the audit log
    # records it with the actor "cli" (server.governance).
    status = allocate_directly(services.db, services.cap, CLI_ACTOR, consumer, year,
                               format_epsilon(to_fraction(rho, "rho")))
    click.echo(f"{consumer} {year}: share rho {format_epsilon(status.total)}, spent "
               f"{format_epsilon(status.spent)}, remaining {format_epsilon(status.remaining)}")


@click.command("set-cap")
@click.option("--year", type=int, required=True, help="Data year.")
@click.option("--epsilon", required=True, help="New cap per case for the year, e.g. 4.")
@click.option("--delta", default="0.000001", show_default=True, help="Delta of the cap.")
@click.option("--reason", required=True, help="Why; shown publicly with the change.")
@click.pass_context
def set_cap_command(ctx: click.Context, year: int, epsilon: str, delta: str, reason: str) -> None:
    """Change a data year's privacy cap; the change is logged and shown publicly."""
    cap = Cap.of(to_fraction(epsilon), to_fraction(delta, "delta"))
    services = services_for(ctx)
    change_cap(services.db, services.cap, CLI_ACTOR, year, cap, reason)
    click.echo(f"{year}: cap epsilon {format_epsilon(cap.epsilon)} at delta {float(cap.delta):g} "
               f"(rho {format_epsilon(cap.rho)}); logged publicly.")


@click.command("maintain")
@click.pass_context
def maintain_command(ctx: click.Context) -> None:
    """Erase arrival order and deleted rows from the signal tables (run nightly)."""
    services = services_for(ctx)
    rewritten = reorder_signals(services.db)
    # Idempotency keys are kept until the end of the next month; older ones go.
    services.signals.purge_idempotency(Month.current().add(-1))
    # Says what was done, never how many rows: counts are for the noisy releases only.
    if rewritten:
        click.echo("Signaaltabellen herschreven in willekeurige volgorde; de volgorde van "
                   "binnenkomst is gewist.")
    elif services.db.erase_free_space():
        click.echo("SQLite bewaart signalen al in willekeurige volgorde; het bestand is "
                   "herbouwd zonder resten van verwijderde signalen.")
    else:
        raise click.ClickException("Het databasebestand bleef bezet; de resten van verwijderde "
                                   "signalen zijn nog niet gewist. Probeer het later opnieuw.")
    click.echo("Verlopen idempotentiesleutels verwijderd.")


COMMANDS = (verify_command, set_budget_command, set_cap_command, maintain_command)
