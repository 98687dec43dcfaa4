"""purge also forgets the outcomes of cases whose signals it removed: an outcome never outlives
its case, and the outcomes of cases still kept stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from privacy.pseudonyms import new_case_token
from registry.outcomes import OutcomeRecord
from registry.periods import Month
from registry.records import SignalRecord
from registry.taxonomy.outcomes import load_outcome_codes
from server.cli import cli


@pytest.fixture
def run(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {"DATABASE_URL": database_url, "SIGNAL_REGISTRY_MODE": "test",
           "SIGNAL_REGISTRY_MASTER_SECRET": "cd" * 32,
           "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "data"),
           "SIGNAL_REGISTRY_MASTER_SECRET_FILE": ""}
    return lambda *args: CliRunner().invoke(cli, list(args), env=env)


def _case_with_outcome(services, month: Month) -> None:  # type: ignore[no-untyped-def]
    token = new_case_token()
    services.signals.store(SignalRecord(
        period=month, unit="MIN-A-DG1-D1", organisation="MIN-A", channel="vp_intern",
        categories=("pesten",), implicated_party="collega", reporter_role="medewerker",
        follow_up="advies", case_token=token))
    services.outcomes.record(OutcomeRecord.from_payload(
        {"case_token": token, "month": str(month), "fields": {"employer_acted": "ja"}},
        load_outcome_codes()), frozenset({"MIN-A"}))


def _outcome_months(services) -> list[str]:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        return sorted(r[0] for r in session.execute(text("SELECT period FROM case_outcomes")))


def test_purge_removes_the_outcomes_of_purged_cases_only(run, services):
    _case_with_outcome(services, Month(2019, 11))
    _case_with_outcome(services, Month(2020, 3))
    assert _outcome_months(services) == ["2019-11", "2020-03"]
    result = run("purge", "--before", "2020-01")
    assert result.exit_code == 0, result.output
    assert _outcome_months(services) == ["2020-03"]
