"""Publication and reporting commands: the release plan, the annual report, its check.

Registered on the ``signal-registry`` group in ``server.cli`` (``COMMANDS``).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import click

from analytics.report import build_report, write_report
from dashboards.published import plan_year
from dashboards.report_html import render_html
from privacy.exact import format_epsilon
from privacy.plan import RIJK, Part
from privacy.release_check import check_release_path
from privacy.released import PlanSpec
from registry.errors import SignalRegistryError
from server.cli.context import services_for


@click.command("publish")
@click.option("--year", "years", type=click.IntRange(2000, 9999), multiple=True,
              help="Data year(s); default: last year and this year.")
@click.option("--part", type=click.Choice([p.value for p in Part]), default=None,
              help="With --period: publish one period of one part again (after a correction).")
@click.option("--period", default=None, metavar="LABEL",
              help="The period of --part: 2026-03, 2026-Q1, 2026-H1 or 2026.")
@click.option("--replace", is_flag=True,
              help="With --part and --period: a new release, paid again, that replaces the "
                   "latest one of that period.")
@click.pass_context
def publish_command(ctx: click.Context, years: tuple[int, ...], part: str | None,
                    period: str | None, replace: bool) -> None:
    """Publish the release plan: every closed period not yet published (or one, again)."""
    plans = services_for(ctx).plans
    if (part is None) != (period is None) or (replace and part is None):
        raise click.UsageError("--part en --period horen bij elkaar (en --replace bij beide).")
    try:
        if part is not None and period is not None:
            # ASCII digits of a year the registry can hold: '²'.isdigit() is True and int('²')
            # raises, and a year before 1900 is no Month.
            if not re.fullmatch(r"(19|[2-9][0-9])[0-9]{2}(-.*)?", period):
                click.echo(f"NIET gepubliceerd: {period} is geen periode van het releaseplan "
                           "(bijvoorbeeld 2025-03, 2025-Q1, 2025-H1 of 2025).", err=True)
                sys.exit(1)
            made = [plans.publish(int(period[:4]), Part(part), period, replace=replace)]
        else:
            made = plans.publish_due(years or None)
    except SignalRegistryError as exc:
        click.echo(f"NIET gepubliceerd: {exc.message}", err=True)
        sys.exit(1)
    for release in made:
        spec = PlanSpec.from_json(release.spec)
        replaced = f", vervangt {release.replaces}" if release.replaces else ""
        click.echo(f"{spec.data_year} {spec.part.value} {spec.period}: release {release.id} "
                   f"(revisie {spec.revision}{replaced}), rho "
                   f"{format_epsilon(release.epsilon_spent)}")
    if not made:
        click.echo("Niets te publiceren: elke afgesloten periode is al gepubliceerd.")


@click.command("report")
@click.option("--organisation", required=True, metavar="CODE",
              help="An organisation code, or RIJK for the whole Rijk.")
@click.option("--year", required=True, type=click.IntRange(2000, 2100))
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="Output directory.")
@click.pass_context
def report_command(ctx: click.Context, organisation: str, year: int, out_dir: Path) -> None:
    """Write the signed signalenrapportage (HTML, XLSX, JSON, CSV) from the release plan."""
    services = services_for(ctx)
    org = services.org()
    if organisation != RIJK and organisation not in {u.code for u in org.organisations}:
        raise click.BadParameter(f"onbekende organisatie {organisation!r}",
                                 param_hint="--organisation")
    py = plan_year(services, year)
    if py is None:
        click.echo(f"Over {year} is nog niets gepubliceerd; draai eerst "
                   "'signal-registry publish'.", err=True)
        sys.exit(1)
    figures = build_report(organisation, year, py, plan_year(services, year - 1),
                           services.taxonomy, org)
    paths = write_report(figures, render_html(figures), out_dir, services.signer)
    for path in paths.values():
        click.echo(str(path))
    click.echo(f"Uit {len(figures['source_releases'])} releases van het publicatieplan; "
               "privacybudget besteed: 0.")


@click.command("verify-report")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", default=None, metavar="BASE64")
@click.pass_context
def verify_report_command(ctx: click.Context, file: Path, public_key: str | None) -> None:
    """Check a report's signed JSON and the HTML and XLSX files next to it."""
    key = public_key or services_for(ctx).signer.public_key_b64
    result = check_release_path(file, key)
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
