"""``signal-registry create-user``: an account made by an operator at the server.

Registered on the ``signal-registry`` group in ``server.cli`` (``COMMANDS``).
"""

from __future__ import annotations

import click
from flask import url_for

from registry.accounts import Role
from registry.joined import joined
from server.cli.context import app_for, fail, services_of
from server.governance import record_cli_account, record_cli_token


@click.command("create-user")
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
    services = services_of(app)
    channels = services.taxonomy.fields["channel"].code_set
    if channel is not None and channel not in channels:
        fail(f"unknown channel {channel!r}; choose from {', '.join(sorted(channels))}")
    known = frozenset(unit.code for unit in services.org().organisations)
    # Asked before the transaction begins: a prompt must not hold the database's write lock.
    password: str | None = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                        err=True) if set_password else None
    activation = None
    # The account and its audit entry (actor "cli") commit together (server.governance).
    with services.db.session(immediate=True) as session:
        if password is not None:
            principal, _typed = joined(services.accounts, session).create_user(
                username, role, organisation=organisation, default_channel=channel,
                password=password, known_organisations=known, project=project)
        else:
            principal, activation = joined(services.activation, session).invite(
                username, role, organisation=organisation, default_channel=channel,
                known_organisations=known, project=project)
        record_cli_account(services.audit, session, principal)
    scope = f" for {principal.organisation}" if principal.organisation else ""
    click.echo(f"Created {principal.role.value} account {principal.username}{scope}.")
    if activation is not None:
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


COMMANDS = (create_user,)
