"""``signal-registry import``: happy path, dry run and refusals, against both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from server.cli.imports import import_command

SAMPLES = Path(__file__).parent.parent / "fixtures" / "import"
VP_SAMPLE = SAMPLES / "vertrouwenspersoon-contactregistratie.csv"
HEADER = "Maand;Onderdeel;Onderwerp\n"


@pytest.fixture
def run(services, database_url, tmp_path):  # type: ignore[no-untyped-def]
    """Invoke the command with the environment a deployment would give it."""
    env = {
        "DATABASE_URL": database_url,
        "SIGNAL_REGISTRY_MODE": "test",
        "SIGNAL_REGISTRY_MASTER_SECRET": "ab" * 32,
        "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "cli-data"),
    }

    def _run(*args: str) -> Result:
        return CliRunner().invoke(import_command, list(args), env=env, catch_exceptions=False)

    return _run


@pytest.fixture
def own_mapping(tmp_path: Path) -> Path:
    path = tmp_path / "eigen.json"
    path.write_text(json.dumps({
        "name": "eigen", "version": 1, "source": "Een eigen overzicht.",
        "columns": {"period": {"column": "Maand", "format": "jjjj-mm"},
                    "unit": {"column": "Onderdeel"},
                    "categories": {"column": "Onderwerp"}},
        "defaults": {"implicated_party": "onbekend", "reporter_role": "medewerker",
                     "follow_up": "advies"},
    }), encoding="utf-8")
    return path


def test_import_stores_the_sample_and_reports_a_summary(run, services):
    result = run(str(VP_SAMPLE), "--channel", "vp_extern", "--mapping", "vertrouwenspersoon-jaarverslag")
    assert result.exit_code == 0, result.output
    assert "Opgeslagen: 9 signalen." in result.stdout
    assert "'Naam melder', 'Toelichting'" in result.stdout  # the dropped columns are named
    assert "Regels lezen en controleren" in result.stderr  # progress goes to stderr
    assert services.signals.count() == 9


def test_a_dry_run_prints_each_row_and_stores_nothing(run, services):
    result = run(str(VP_SAMPLE), "--channel", "vp_intern", "--mapping",
                 "vertrouwenspersoon-jaarverslag", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Regel 2: period=2025-01; unit=MIN-A-DG1-D1; channel=vp_intern; categories=pesten" \
        in result.stdout
    assert "9 signalen zouden worden opgeslagen" in result.stdout
    assert "03-01-2025" not in result.output and "J. de Vries" not in result.output
    assert services.signals.count() == 0


def test_one_bad_row_refuses_the_import_with_exit_1_and_reasons_per_line(run, services, tmp_path,
                                                                         own_mapping):
    path = tmp_path / "contacten.csv"
    path.write_text(HEADER + "2025-01;MIN-A;pesten\n2025-02;MIN-A;treiteren\n", encoding="utf-8")
    result = run(str(path), "--channel", "bmw", "--mapping", str(own_mapping))
    assert result.exit_code == 1
    assert "Regel 3, kolom 'Onderwerp' ('treiteren')" in result.stderr
    assert "Er is niets opgeslagen." in result.stderr
    assert services.signals.count() == 0


def test_the_command_line_may_import_for_any_organisation(run, services, tmp_path, own_mapping):
    path = tmp_path / "contacten.csv"
    path.write_text(HEADER + "2025-01;MIN-A;pesten\n2025-02;MIN-B-D1;werkdruk\n", encoding="utf-8")
    result = run(str(path), "--channel", "bmw", "--mapping", str(own_mapping))
    assert result.exit_code == 0, result.output
    assert services.signals.count() == 2


@pytest.mark.parametrize("content, args, expected", [
    ("Maand;Onderdeel;Onderwerp\n2025-01;MIN-A;=1+1\n", (), "Regel 2, kolom 'Onderwerp'"),
    ("Maand,Thema\n2025-01,pesten\n", (), "mist de kolom(men) 'Onderdeel', 'Onderwerp'"),
    ("", (), "leeg"),
    ("Maand;Onderdeel;Onderwerp\n2025-01;MIN-A;pesten\n", ("--channel", "fax"), "Onbekend kanaal"),
])
def test_refused_files_exit_1_and_say_why(run, services, tmp_path, own_mapping, content, args,
                                          expected):
    path = tmp_path / "contacten.csv"
    path.write_text(content, encoding="utf-8")
    result = run(str(path), "--mapping", str(own_mapping), *(args or ("--channel", "bmw")))
    assert result.exit_code == 1
    assert expected in result.stderr and "Er is niets opgeslagen." in result.stderr
    assert services.signals.count() == 0


def test_an_unknown_mapping_is_refused_naming_the_shipped_ones(run):
    result = run(str(VP_SAMPLE), "--channel", "bmw", "--mapping", "onbekend")
    assert result.exit_code == 1
    assert "bmw-registratie" in result.stderr and "vertrouwenspersoon-contactregistratie" in result.stderr


def test_a_dry_run_with_problems_lists_them_and_exits_1(run, services, tmp_path, own_mapping):
    path = tmp_path / "contacten.csv"
    path.write_text(HEADER + "2025-01;MIN-A;pesten\n2025-13;MIN-A;pesten\n", encoding="utf-8")
    result = run(str(path), "--channel", "bmw", "--mapping", str(own_mapping), "--dry-run")
    assert result.exit_code == 1
    assert "Regel 3, kolom 'Maand': Geen geldige datum; verwacht jjjj-mm." in result.stdout
    assert "Regel 2: period=2025-01" in result.stdout and services.signals.count() == 0
