"""``signal-registry verify-audit``: walk the audit log's hash chain (``registry.audit``).

Exit status 0 when every entry follows from the one before it, 1 with the number of the first
entry that is missing or was changed. It prints the head (number and hash of the newest
entry) either way, so an operator or the works council can note it outside the registry and
notice later that newer entries were removed.
"""

from __future__ import annotations

import sys

import click

from server.cli.context import services_for


@click.command("verify-audit")
@click.pass_context
def verify_audit_command(ctx: click.Context) -> None:
    """Check that the audit log is complete and unchanged (its hash chain)."""
    check = services_for(ctx).audit.verify()
    if check.intact:
        click.echo(f"OK: de keten is intact ({check.entries} ingangen); nieuwste ingang "
                   f"{check.entries}, controlegetal {check.head_hash}.")
        return
    click.echo(f"FOUT: ingang {check.broken_seq} ontbreekt of is gewijzigd; de ingangen 1 tot "
               f"en met {check.entries} kloppen.", err=True)
    sys.exit(1)


COMMANDS = (verify_audit_command,)
