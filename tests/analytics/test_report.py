"""publish and report on the command line: once per month, and a signed report whose HTML,
XLSX, JSON and CSV hold the same figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from analytics.report import COLUMNS, nl
from privacy.exports import result_cells, verify_release_file
from registry.periods import Month
from server.cli import cli
from server.cli_analytics import COMMANDS
from server.cli_privacy import COMMANDS as PRIVACY_COMMANDS
from tests.conftest import MASTER_SECRET
from tests.privacy.test_publication import seed

MONTH = Month.current().add(-1)
LAST_YEAR = Month(MONTH.year - 1, 6)

for _command in (*COMMANDS, *PRIVACY_COMMANDS):  # until the lead registers them in server.cli
    if _command.name not in cli.commands:
        cli.add_command(_command)


@pytest.fixture
def run(services, database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {"DATABASE_URL": database_url, "SIGNAL_REGISTRY_MODE": "test",
           "SIGNAL_REGISTRY_MASTER_SECRET": MASTER_SECRET,
           "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "data"),
           "SIGNAL_REGISTRY_MASTER_SECRET_FILE": ""}

    def _run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, list(args), env=env)

    return _run


def test_publish_once_refuse_twice_replace_after_a_correction(run, services):
    seed(services, MONTH, n=10)
    first = run("publish", "--period", str(MONTH), "--organisation", "MIN-A")
    assert first.exit_code == 0, first.output
    assert "revisie 1" in first.output and "epsilon 0.8" in first.output
    again = run("publish", "--period", str(MONTH), "--organisation", "MIN-A")
    assert again.exit_code == 1 and "al gepubliceerd" in again.output
    replaced = run("publish", "--period", str(MONTH), "--organisation", "MIN-A", "--replace")
    assert replaced.exit_code == 0 and "revisie 2" in replaced.output
    assert "vervangt" in replaced.output
    both = run("publish", "--period", str(MONTH.add(-1)))
    assert both.exit_code == 0 and "MIN-A" in both.output and "MIN-B" in both.output
    future = run("publish", "--period", str(Month.current().add(2)), "--organisation", "MIN-A")
    assert future.exit_code == 1 and "toekomst" in future.output


def test_report_formats_agree_and_verify(run, services, tmp_path):
    seed(services, MONTH, n=10)
    seed(services, LAST_YEAR, n=8)
    for month in (MONTH, LAST_YEAR):
        assert run("publish", "--period", str(month), "--organisation", "MIN-A").exit_code == 0
    out = tmp_path / "verslag"
    result = run("report", "--organisation", "MIN-A", "--year", str(MONTH.year),
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    stem = out / f"jaarverslag-MIN-A-{MONTH.year}"
    paths = {ext: stem.with_suffix(f".{ext}") for ext in ("html", "xlsx", "json", "csv")}
    assert all(p.is_file() for p in paths.values())

    document = json.loads(paths["json"].read_text())["document"]
    assert document["epsilon_spent"] == "0"
    figures = document["result"]
    tables = figures["tables"]
    assert {"contacten_per_categorie", "zaakmaanden_per_categorie", "contacten_per_kanaal",
            "contacten_per_betrokkene", "contacten_per_rol_melder", "contacten_per_opvolging",
            "contacten_per_gevolg", "zonder_formele_opvolging", "trend"} <= set(tables)
    assert [r["code"] for r in tables["trend"]] == ["dit_jaar", "vorig_jaar", "verschil"]
    # the seeded signals are pesten (and discriminatie), so other categories sit near zero:
    assert any(r["niet_te_onderscheiden_van_nul"] for r in tables["contacten_per_categorie"])

    # JSON and CSV: both verify, and the CSV rows are the signed figures
    for name in ("json", "csv"):
        assert verify_release_file(paths[name], services.signer.public_key_b64).ok
        checked = run("verify", str(paths[name]))
        assert checked.exit_code == 0 and checked.output.startswith("OK")
    csv_text = paths["csv"].read_text()
    for table, row, column, value in result_cells(figures):
        if table.startswith("tables/") and column == "estimate":
            assert f"{table},{row},{column},{value}" in csv_text

    # XLSX: one sheet per table with the same rows
    book = load_workbook(paths["xlsx"])
    for key, rows in tables.items():
        sheet = list(book[key[:31]].iter_rows(values_only=True))[2:]
        assert sheet == [(r["code"], *(r[c] for c, _ in COLUMNS)) for r in rows], key

    # HTML: every figure of every table, beside a chart, with plotly.js inline (no CDN)
    page = paths["html"].read_text()
    assert "<script src=" not in page and "Wat betekent de marge?" in page
    for rows in tables.values():
        for r in rows:
            for column, _ in COLUMNS[1:]:
                assert f'data-col="{column}">{nl(r[column])}</td>' in page

    signed = run("verify-report", str(paths["json"]))
    assert signed.exit_code == 0, signed.output
    paths["html"].write_text(page.replace("Wat betekent", "Wat betekende"))
    tampered = run("verify-report", str(paths["json"]))
    assert tampered.exit_code == 1 and f"FAILED: {paths['html'].name}" in tampered.output


def test_report_without_publications_says_so(run):
    result = run("report", "--organisation", "MIN-A", "--year", str(MONTH.year),
                 "--out", "unused")
    assert result.exit_code == 1 and "nog niets gepubliceerd" in result.output


def test_report_workbook_never_holds_a_formula() -> None:
    import io

    from analytics.report import render_xlsx

    figures = {
        "organisation": "=HYPERLINK(\"x\")", "year": 2026, "months": ["2026-01"],
        "notes": ["@SUM(A1)"], "titles": {"t": "-1+1"},
        "tables": {"t": [{"code": "+cmd", **{c: 1 for c, _ in COLUMNS}}]},
        "checks": [{"unit": "=u", "unit_name": "n", "category": "c", "kinds": "k",
                    "explanation_nl": "e"}],
    }
    book = load_workbook(io.BytesIO(render_xlsx(figures)))
    texts = [cell.value for sheet in book.worksheets for row in sheet.iter_rows()
             for cell in row if isinstance(cell.value, str)]
    assert "'=HYPERLINK(\"x\")" in texts and "'+cmd" in texts and "'@SUM(A1)" in texts
    assert all(cell.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows()
               for cell in row)
