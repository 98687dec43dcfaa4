"""How many worker processes ``serve`` runs: one, unless the rate-limit counters are shared."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from server.cli import cli
from server.settings import Settings
from server.wsgi import worker_plan

MASTER_SECRET = "cd" * 32


def settings(mode: str, storage: str) -> Settings:
    return Settings.from_env({"SIGNAL_REGISTRY_MODE": mode,
                              "SIGNAL_REGISTRY_RATE_LIMIT_STORAGE": storage})


@pytest.mark.parametrize("mode", ["production", "demo", "test"])
def test_memory_counters_mean_one_process_with_all_the_threads(mode: str):
    memory = settings(mode, "memory://")
    assert worker_plan(memory, None, 4) == (1, 8)
    assert worker_plan(memory, 1, 4) == (1, 4)


@pytest.mark.parametrize("mode", ["demo", "test"])
def test_demo_asked_for_more_processes_runs_one_with_as_many_threads(mode: str, capsys):  # type: ignore[no-untyped-def]
    assert worker_plan(settings(mode, "memory://"), 3, 4) == (1, 12)
    assert "1 worker process and 12 threads" in capsys.readouterr().err


def test_production_refuses_more_processes_with_memory_counters():
    with pytest.raises(click.ClickException) as refused:
        worker_plan(settings("production", "memory://"), 2, 4)
    message = refused.value.message
    assert "SIGNAL_REGISTRY_RATE_LIMIT_STORAGE=redis://" in message and "--workers 1" in message


@pytest.mark.parametrize("mode", ["production", "demo"])
def test_a_shared_store_allows_several_processes(mode: str):
    redis = settings(mode, "redis://127.0.0.1:6379/0")
    assert worker_plan(redis, None, 4) == (2, 4)
    assert worker_plan(redis, 5, 2) == (5, 2)


def test_serve_in_production_says_why_it_will_not_start_two_workers(tmp_path: Path):
    signing_key = tmp_path / "signing-key"
    signing_key.write_text(secrets.token_hex(32))
    signing_key.chmod(0o600)
    result = CliRunner().invoke(cli, ["serve", "--port", "1", "--workers", "2"], env={
        "SIGNAL_REGISTRY_SIGNING_KEY_FILE": str(signing_key),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "SIGNAL_REGISTRY_MODE": "production",
        "SIGNAL_REGISTRY_MASTER_SECRET": MASTER_SECRET, "SIGNAL_REGISTRY_MASTER_SECRET_FILE": "",
        "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "data"),
        "SIGNAL_REGISTRY_RATE_LIMIT_STORAGE": "memory://"})
    assert result.exit_code == 1
    assert "needs a rate-limit store that all workers share" in result.output
    assert "Traceback" not in result.output
