"""``signal-registry import FILE --channel CODE --mapping MAPPING [--dry-run]``.

Imports a CSV or XLSX file of contacts for any organisation, by a shipped mapping (by name) or
a mapping file (by path). Progress goes to stderr, the report to stdout; a refused file or a
file with any bad row stores nothing and exits with status 1 and the reasons, per line.
Registered on the ``signal-registry`` group in ``server.cli`` (``COMMANDS``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import click

from intake_adapters.spreadsheet.importer import ImportReport, RowResult, import_file
from intake_adapters.spreadsheet.mapping import resolve_mapping
from intake_adapters.spreadsheet.reader import CLI_LIMITS, ENCODINGS, Sheet, check_size
from registry.errors import SignalRegistryError
from registry.fields import RECORD_FIELDS
from server.app import create_app
from server.cli.context import services_of, settings_for
from server.container import Services
from server.migrations import upgrade

# Every field but the case token, which a preview never prints.
PREVIEW_FIELDS = tuple(name for name in RECORD_FIELDS if name != "case_token")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--channel", required=True, help="Kanaal van deze contacten, bijvoorbeeld vp_intern of bmw.")
@click.option("--mapping", "mapping_name", required=True,
              help="Naam van een meegeleverde koppeling, of het pad naar een koppeling (.json).")
@click.option("--dry-run", is_flag=True, help="Alleen controleren en tonen; niets opslaan.")
@click.option("--encoding", type=click.Choice(sorted(ENCODINGS)), default="utf-8", show_default=True,
              help="Tekenset van een CSV-bestand; cp1252 alleen als het bestand zo is opgeslagen.")
@click.option("--show-rows", type=int, default=100, show_default=True,
              help="Proefimport: zoveel regels tonen (-1: alle).")
@click.pass_context
def import_command(ctx: click.Context, file: Path, channel: str, mapping_name: str,
                   dry_run: bool, encoding: str, show_rows: int) -> None:
    """Importeer contacten uit een CSV- of Excel-bestand (alles of niets)."""
    services = services_of(create_app(settings_for(ctx)))
    try:
        upgrade(services.db.engine)
        report = _run(services, file, channel, mapping_name, dry_run, encoding, show_rows)
    except SignalRegistryError as refused:
        click.echo(f"Geweigerd: {refused.message}", err=True)
        for error in refused.errors:
            if error.message != refused.message:
                click.echo(f"  - {error.field}: {error.message}" if error.field not in ("", "file")
                           else f"  - {error.message}", err=True)
        click.echo("Er is niets opgeslagen.", err=True)
        sys.exit(1)
    finally:
        services.db.dispose()
    _print(report, show_rows)
    if report.refused:
        sys.exit(1)


def _run(services: Services, file: Path, channel: str, mapping_name: str, dry_run: bool,
         encoding: str, show_rows: int) -> ImportReport:
    mapping = resolve_mapping(mapping_name, services.taxonomy)
    check_size(file.stat().st_size, CLI_LIMITS)  # before reading a huge file into memory
    data = file.read_bytes()
    with ExitStack() as stack:

        def on_open(sheet: Sheet) -> Callable[[int], None]:
            click.echo(f"{file.name}: {sheet.description}; koppeling {mapping.title}.", err=True)
            bar = stack.enter_context(click.progressbar(
                length=max(sheet.estimated_rows, 1), label="Regels lezen en controleren",
                file=sys.stderr))
            return bar.update

        def before_store(count: int) -> None:
            click.echo(f"\n{count} signalen opslaan in één transactie...", err=True)

        return import_file(
            data, mapping, channel=channel, taxonomy=services.taxonomy, org=services.org(),
            signals=services.signals, allowed_organisations=None, dry_run=dry_run,
            encoding=encoding, limits=CLI_LIMITS,
            preview_limit=(None if show_rows < 0 else show_rows) if dry_run else 0,
            on_open=on_open, before_store=before_store,
        )


def _print(report: ImportReport, show_rows: int) -> None:
    # A refused real import explains itself on stderr; a dry run's findings are its report.
    out = report.refused and not report.dry_run
    if report.dry_run and show_rows != 0:
        click.echo("Per regel (wat zou worden opgeslagen):")
        for row in report.preview:
            click.echo(_row_line(row))
    if report.unmapped:
        click.echo("Waarden die de koppeling niet kent:", err=out)
        for item in report.unmapped.values():
            more = ", ..." if item.count > len(item.lines) else ""
            lines = ", ".join(str(n) for n in item.lines)
            click.echo(f"  kolom '{item.column}': '{item.value}' ({item.count}x; regels {lines}{more})",
                       err=out)
    if report.problems:
        click.echo("Problemen per regel:", err=out)
        for problem in report.problems:
            click.echo(f"  {problem.text}", err=out)
        if report.problem_count > len(report.problems):
            click.echo(f"  ... en nog {report.problem_count - len(report.problems)} problemen.", err=out)
    if report.skipped:
        click.echo("Overgeslagen regels (buiten dit register):")
        for line, reason in report.skipped:
            click.echo(f"  Regel {line}: {reason}")
    for sentence in report.summary():
        click.echo(sentence, err=out)


def _row_line(row: RowResult) -> str:
    if row.skipped is not None:
        return f"  Regel {row.line}: overgeslagen; {row.skipped}"
    fields = "; ".join(f"{name}={','.join(row.coded[name])}" for name in PREVIEW_FIELDS
                       if name in row.coded)
    if row.coded.get("case_token"):  # masked by the importer; say only that there is one
        fields += "; zaaknummer=ja"
    status = "in orde" if not row.problems else f"{len(row.problems)} probleem/problemen"
    return f"  Regel {row.line}: {fields} [{status}]"


COMMANDS = (import_command,)
