"""Secrets and the data folder: private files whatever the umask, and no key made up in
production.

In production a missing signing key used to be created silently at start: releases were then
signed with a key nobody had published or backed up. Now production refuses to start without
it, as it does without a master secret. In demo and test mode the data folder, its secrets
folder and the generated secrets are created 0700/0600 under umask 022 (they were 0755).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from analytics import report
from privacy.pseudonyms import SecretError
from privacy.signing import Signer, create_signing_key_file
from server.app import create_app
from server.cli import cli

MASTER_SECRET = "ab" * 32


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def production(tmp_path: Path, **overrides: object) -> dict[str, object]:
    return {"mode": "production", "master_secret": MASTER_SECRET, "master_secret_file": "",
            "database_url": f"sqlite:///{tmp_path / 'registry.db'}",
            "data_dir": str(tmp_path / "data"), "signing_key_file": "", **overrides}


def test_production_refuses_to_start_without_a_signing_key(tmp_path):
    key = tmp_path / "keys" / "signing-key"
    with pytest.raises(SecretError, match="SIGNAL_REGISTRY_SIGNING_KEY_FILE"):
        create_app(production(tmp_path, signing_key_file=str(key)))
    with pytest.raises(SecretError, match="No signing key"):
        create_app(production(tmp_path))
    assert not key.exists()
    assert not (tmp_path / "data" / "secrets" / "signing-key").exists()


def test_production_starts_with_the_signing_key_it_is_given(tmp_path, umask_022):
    key = tmp_path / "keys" / "signing-key"
    create_signing_key_file(key)
    app = create_app(production(tmp_path, signing_key_file=str(key)))
    try:
        signer = app.extensions["signal_registry"].signer
        assert signer.public_key_b64 == Signer.from_file(key).public_key_b64
    finally:
        app.extensions["signal_registry"].db.dispose()


def test_serve_in_production_without_a_signing_key_exits_with_a_message(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--port", "1"], env={
        "SIGNAL_REGISTRY_MODE": "production", "SIGNAL_REGISTRY_MASTER_SECRET": MASTER_SECRET,
        "SIGNAL_REGISTRY_MASTER_SECRET_FILE": "", "SIGNAL_REGISTRY_SIGNING_KEY_FILE": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}",
        "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 1
    assert "No signing key" in result.stderr and "Traceback" not in result.output


def test_demo_and_test_mode_make_a_private_data_folder_and_secrets(tmp_path, umask_022):
    data = tmp_path / "data"
    app = create_app({"mode": "demo", "master_secret": "", "master_secret_file": "",
                      "signing_key_file": "", "data_dir": str(data),
                      "database_url": f"sqlite:///{data / 'demo.db'}"})
    app.extensions["signal_registry"].db.dispose()
    assert mode(data) == 0o700
    assert mode(data / "secrets") == 0o700
    assert mode(data / "secrets" / "master-secret") == 0o600
    assert mode(data / "secrets" / "signing-key") == 0o600
    assert mode(data / "demo.db") == 0o600


def test_report_files_are_private(tmp_path, umask_022, monkeypatch):
    # The report's own content is tested in tests/analytics/test_report.py; here only its files.
    monkeypatch.setattr(report, "render_xlsx", lambda figures: b"PK")
    key = tmp_path / "signing-key"
    create_signing_key_file(key)
    out = tmp_path / "verslagen" / "2025"
    paths = report.write_report({"organisation": "MIN-A", "year": 2025, "source_releases": []},
                                "<!doctype html><title>x</title>", out, Signer.from_file(key))
    assert mode(out) == 0o700 and mode(out.parent) == 0o700
    assert {mode(path) for path in paths.values()} == {0o600}
