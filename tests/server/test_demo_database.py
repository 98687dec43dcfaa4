"""The demo works only on a database it made: one with other data is refused and left as it was.

``signal-registry demo`` resets passwords, revokes tokens and adds synthetic signals. Pointed at a
real registry it used to do all that to real accounts and figures; now it reads the database
first and refuses, with exit status 1 and nothing changed, unless the database is empty or holds
the fact the demo writes when it creates one (``instance_facts``: created_by = demo).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from registry.db import Database
from registry.models import InstanceFact
from registry.organisations import OrganisationService, parse_org_csv
from server.cli import cli
from server.migrations import upgrade

FIXTURES = Path(__file__).parent.parent / "fixtures"
ENV = {"SIGNAL_REGISTRY_MODE": "production", "SIGNAL_REGISTRY_MASTER_SECRET": "",
       "SIGNAL_REGISTRY_MASTER_SECRET_FILE": ""}


def demo(tmp_path: Path, database: Path | None = None):  # type: ignore[no-untyped-def]
    url = ["--database-url", f"sqlite:///{database}"] if database else []
    return CliRunner().invoke(
        cli, [*url, "demo", "--no-serve", "--months", "2", "--publish-months", "0"],
        env={**ENV, "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "demo-data")})


def fingerprint(path: Path) -> tuple[str, list[str]]:
    """The file's bytes and what lies beside it (a left-over journal would show here)."""
    return hashlib.sha256(path.read_bytes()).hexdigest(), sorted(p.name for p in path.parent.iterdir())


def facts(path: Path) -> dict[str, str]:
    db = Database(f"sqlite:///{path}")
    try:
        with db.session() as session:
            return {f.name: f.value for f in session.scalars(select(InstanceFact))}
    finally:
        db.dispose()


def a_real_registry(path: Path) -> None:
    """A registry set up the ordinary way (init-db, load-org): data, and no demo fact."""
    db = Database(f"sqlite:///{path}")
    try:
        upgrade(db.engine)
        OrganisationService(db).replace(parse_org_csv((FIXTURES / "org-small.csv").read_text()))
    finally:
        db.dispose()


def test_the_demo_refuses_a_database_with_data_it_did_not_make_and_changes_nothing(tmp_path):
    real = tmp_path / "registry" / "registry.db"
    a_real_registry(real)
    before = fingerprint(real)

    result = demo(tmp_path, real)

    assert result.exit_code == 1
    assert "niet door de demo gemaakt" in result.stderr and "units" in result.stderr
    assert "Er is niets veranderd" in result.stderr
    assert "Traceback" not in result.output
    assert fingerprint(real) == before


def test_the_demo_marks_the_database_it_makes_and_reuses_it(tmp_path):
    first = demo(tmp_path)
    assert first.exit_code == 0, first.output
    own = tmp_path / "demo-data" / "demo.db"
    assert facts(own) == {"created_by": "demo"}
    again = demo(tmp_path)
    assert again.exit_code == 0, again.output
    assert "Reusing the existing demo data" in again.stdout


def test_the_demo_takes_an_empty_database(tmp_path):
    empty = tmp_path / "empty" / "empty.db"
    db = Database(f"sqlite:///{empty}")
    upgrade(db.engine)  # init-db only: a schema without data
    db.dispose()
    result = demo(tmp_path, empty)
    assert result.exit_code == 0, result.output
    assert facts(empty) == {"created_by": "demo"}
