"""The command line and the audit log: ``verify-audit`` names a removed or changed entry and
exits 1; ``set-budget`` and ``set-cap`` are logged with the actor ``cli``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import delete, update

from registry.audit import AuditAction, AuditLog
from registry.db import Database
from registry.governance_models import AuditEntry
from server.cli import cli

MASTER_SECRET = "cd" * 32


@pytest.fixture
def run(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {"DATABASE_URL": database_url, "SIGNAL_REGISTRY_MODE": "test",
           "SIGNAL_REGISTRY_MASTER_SECRET": MASTER_SECRET,
           "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "data"),
           "SIGNAL_REGISTRY_MASTER_SECRET_FILE": ""}

    def _run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=env)

    assert _run("init-db").exit_code == 0
    return _run


@pytest.fixture
def db(database_url: str):  # type: ignore[no-untyped-def]
    database = Database(database_url)
    yield database
    database.dispose()


def _fill(db: Database, count: int) -> None:
    for number in range(count):
        AuditLog(db).append("beheerder-a", AuditAction.TOKEN_CREATED, f"account:a-{number}")


def test_an_intact_log_passes_with_its_head(run, db):
    _fill(db, 3)
    result = run("verify-audit")
    assert result.exit_code == 0, result.output
    head = AuditLog(db).verify().head_hash
    assert f"OK: de keten is intact (3 ingangen); nieuwste ingang 3, controlegetal {head}." \
        in result.output


def test_a_removed_entry_fails_naming_it(run, db):
    _fill(db, 4)
    with db.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    result = run("verify-audit")
    assert result.exit_code == 1
    assert "FOUT: ingang 2 ontbreekt of is gewijzigd" in result.output


def test_a_changed_entry_fails_naming_it(run, db):
    _fill(db, 4)
    with db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(actor="iemand"))
    result = run("verify-audit")
    assert result.exit_code == 1
    assert "ingang 4 ontbreekt of is gewijzigd" in result.output


def test_budgets_and_caps_set_on_the_command_line_are_logged(run, db):
    assert run("set-budget", "--consumer", "gor", "--year", "2026", "--rho", "0.05").exit_code == 0
    assert run("set-cap", "--year", "2026", "--epsilon", "5", "--reason",
               "Besluit van de stuurgroep").exit_code == 0
    entries = list(reversed(AuditLog(db).page(1, 10).entries))
    assert [(e.actor, e.action, e.subject) for e in entries] == [
        ("cli", "budget_allocated", "consumer:gor"), ("cli", "cap_changed", "year:2026")]
    assert entries[0].detail == {"consumer": "gor", "year": 2026, "rho": "0.05", "spent": "0"}
    assert entries[1].detail["epsilon"] == "5" and entries[1].detail["previous_epsilon"] == "4"
    # The free-text reason stays in the ledger's public log only.
    assert "stuurgroep" not in str(entries[1].detail)
    assert run("verify-audit").exit_code == 0


def test_a_refused_budget_leaves_no_entry(run, db):
    result = run("set-budget", "--consumer", "gor", "--year", "2026", "--rho", "99")
    assert result.exit_code == 1
    assert AuditLog(db).verify().entries == 0


def test_accounts_and_tokens_made_on_the_command_line_are_logged(run, db):
    result = run("create-user", "--role", "gor", "--username", "gor.cli", "--token")
    assert result.exit_code == 0, result.output
    entries = list(reversed(AuditLog(db).page(1, 10).entries))
    assert [(e.actor, e.action, e.subject) for e in entries] == [
        ("cli", "account_created", "account:gor.cli"), ("cli", "token_created", "account:gor.cli")]
    assert entries[0].detail == {"role": "gor"}
    assert set(entries[1].detail) == {"token_id"}
    # A refused account leaves no entry.
    assert run("create-user", "--role", "gor", "--username", "gor.cli").exit_code == 1
    assert AuditLog(db).verify().entries == 2
