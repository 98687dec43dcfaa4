"""Publication and reporting commands: the monthly publication, the annual report, its check.

Registered on the ``signal-registry`` group in ``server.cli`` (``COMMANDS``).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import click

from registry.errors import SignalRegistryError
from registry.periods import Month


def _month(value: str) -> Month:
    try:
        return Month.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command("publish")
@click.option("--period", required=True, metavar="YYYY-MM", help="The month to publish.")
@click.option("--organisation", default=None, metavar="CODE",
              help="One organisation; all organisations when omitted.")
@click.option("--replace", is_flag=True,
              help="Publish again after a correction: a new release, paid again, that "
                   "replaces the latest one.")
@click.pass_context
def publish_command(ctx: click.Context, period: str, organisation: str | None,
                    replace: bool) -> None:
    """Make the canonical monthly release of one or all organisations."""
    from privacy.ledger import format_epsilon
    from privacy.publication import PublicationService
    from server.cli import services_for

    month = _month(period)
    services = services_for(ctx)
    org = services.org()
    service = PublicationService(services.queries, services.releases, org, services.taxonomy)
    if month == Month.current():
        click.echo(f"Let op: {month} is nog niet voorbij; signalen die later deze maand "
                   "binnenkomen ontbreken in deze publicatie.", err=True)
    codes = [organisation] if organisation else [u.code for u in org.organisations]
    failed = False
    for code in codes:
        started = time.perf_counter()
        try:
            release = service.publish(code, month, replace=replace)
        except SignalRegistryError as exc:
            click.echo(f"{code} {month}: NIET gepubliceerd: {exc.message}", err=True)
            failed = True
            continue
        seconds = time.perf_counter() - started
        replaced = f", vervangt {release.replaces}" if release.replaces else ""
        click.echo(f"{code} {month}: release {release.id} (revisie "
                   f"{release.spec['revision']}{replaced}), epsilon "
                   f"{format_epsilon(release.epsilon_spent)}, {seconds:.1f} s")
    if failed:
        sys.exit(1)


@click.command("report")
@click.option("--organisation", required=True, metavar="CODE")
@click.option("--year", required=True, type=click.IntRange(2000, 2100))
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="Output directory.")
@click.pass_context
def report_command(ctx: click.Context, organisation: str, year: int, out_dir: Path) -> None:
    """Write the signed annual report (HTML, XLSX, JSON, CSV) from published releases."""
    from analytics.report import build_report, to_published_months, write_report
    from privacy.publication import PublicationService
    from server.cli import services_for

    services = services_for(ctx)
    org = services.org()
    if organisation not in {u.code for u in org.organisations}:
        raise click.BadParameter(f"onbekende organisatie {organisation!r}",
                                 param_hint="--organisation")
    service = PublicationService(services.queries, services.releases, org, services.taxonomy)
    months = to_published_months(service.published_months(
        organisation, Month(year, 1), Month(year, 12)))
    previous = to_published_months(service.published_months(
        organisation, Month(year - 1, 1), Month(year - 1, 12)))
    if not months:
        click.echo(f"Over {year} is voor {organisation} nog niets gepubliceerd; draai eerst "
                   "'signal-registry publish'.", err=True)
        sys.exit(1)
    figures = build_report(organisation, year, months, previous, services.taxonomy, org)
    paths = write_report(figures, out_dir, services.signer)
    for path in paths.values():
        click.echo(str(path))
    click.echo(f"Uit {len(months)} gepubliceerde maanden; epsilon besteed: 0.")


@click.command("verify-report")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", default=None, metavar="BASE64")
@click.pass_context
def verify_report_command(ctx: click.Context, file: Path, public_key: str | None) -> None:
    """Check a report's signed JSON and the HTML and XLSX files next to it."""
    from privacy.exports import verify_release_file
    from server.cli import services_for

    key = public_key or services_for(ctx).signer.public_key_b64
    result = verify_release_file(file, key)
    ok = result.ok
    click.echo(("OK: " if ok else "FAILED: ") + result.message)
    if ok:
        try:
            files = json.loads(file.read_text(encoding="utf-8"))["document"]["result"]["files"]
        except (ValueError, KeyError, TypeError):
            click.echo("FAILED: geef het .json-bestand van een jaarverslag.")
            sys.exit(1)
        for name, digest in sorted(files.items()):
            path = file.parent / name
            same = path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest
            click.echo(f"{'OK' if same else 'FAILED'}: {name}")
            ok = ok and same
    if not ok:
        sys.exit(1)


COMMANDS = (publish_command, report_command, verify_report_command)
