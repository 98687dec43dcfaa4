"""User mistakes on the command line end in one line and exit status 1, never a traceback:
``verify`` and ``verify-report`` on any file, ``load-org`` on a CSV with a bad headcount."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from click.testing import Result

from privacy.exports import CSV_FORMAT
from privacy.release_check import MAX_JSON_BYTES
from tests.server.test_cli import _units, cli_env, run  # noqa: F401  (fixtures)

KEY = base64.b64encode(b"\x01" * 32).decode("ascii")


def _csv_with_document(document: bytes) -> str:
    """A release CSV's header lines around an embedded document (not signed: never reached)."""
    header = {"format": CSV_FORMAT, "release_id": "r1", "scope": "s", "release_date": "2026-01",
              "epsilon_spent": "0", "replaces": "", "key_id": "k", "public_key": KEY,
              "signature": "c2ln", "document_sha256": hashlib.sha256(document).hexdigest(),
              "document": base64.b64encode(document).decode("ascii")}
    return "".join(f"# {k}: {v}\r\n" for k, v in header.items()) + "table,row,column,value\r\n"


BAD_FILES = {
    "deep array": b"[" * 100_000 + b"]" * 100_000,
    "deep object": b'{"format":' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001,
    "deep in a string-free release": b'{"document": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
    "not utf-8": b'{"format": "\xff\xfe"}',
    "too large": b'{"pad": "' + b"x" * MAX_JSON_BYTES + b'"}',
    "deep embedded document": _csv_with_document(b"[" * 100_000 + b"]" * 100_000).encode(),
    "NaN in the embedded document": _csv_with_document(b'{"a": NaN}').encode(),
    "lone surrogate in the embedded document": _csv_with_document(b'{"a": "\\ud800"}').encode(),
}


def _one_line_failure(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("FAILED: "), result.output
    return lines[0]


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_verify_answers_any_file_in_one_line(run, tmp_path: Path, name: str) -> None:  # noqa: F811
    path = tmp_path / "upload.json"
    path.write_bytes(BAD_FILES[name])
    for command in ("verify", "verify-report"):
        line = _one_line_failure(run(command, str(path), "--public-key", KEY))
        assert "Traceback" not in line


def test_verify_names_the_reason(run, tmp_path: Path) -> None:  # noqa: F811
    reasons = {"deep object": "te diep genest", "not utf-8": "geen UTF-8",
               "too large": "groter dan", "deep embedded document": "te diep genest",
               "NaN in the embedded document": "beschadigd"}
    for name, reason in reasons.items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(BAD_FILES[name])
        assert reason in _one_line_failure(run("verify", str(path), "--public-key", KEY)), name


def test_verify_without_a_key_uses_the_registry_key_and_still_answers(run, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "deep.json"
    path.write_bytes(BAD_FILES["deep object"])
    assert "te diep genest" in _one_line_failure(run("verify", str(path)))


@pytest.mark.parametrize("headcount", ["²", "٣", "99999999999"])
def test_load_org_refuses_a_non_ascii_or_huge_headcount_in_one_line(  # type: ignore[no-untyped-def]
        run, database_url: str, tmp_path: Path, headcount: str) -> None:  # noqa: F811
    bad = tmp_path / "org.csv"
    bad.write_text("code,name,parent,organisation,headcount\n"
                   "MIN-X,Ministerie X,,MIN-X,500\n"
                   f"MIN-X-D1,Directie Een,MIN-X,MIN-X,{headcount}\n", encoding="utf-8")
    assert run("init-db").exit_code == 0
    result = run("load-org", str(bad))
    assert result.exit_code == 1 and result.stdout == ""
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [
        "error: Regel 3: headcount moet een positief geheel getal zijn."]
    assert _units(database_url) == 0


def test_load_org_refuses_a_nul_byte_before_the_database_sees_it(  # type: ignore[no-untyped-def]
        run, database_url: str, tmp_path: Path) -> None:  # noqa: F811
    bad = tmp_path / "org.csv"
    bad.write_text("code,name,parent,organisation,headcount\nMIN-X,Ministerie\x00X,,MIN-X,500\n",
                   encoding="utf-8")
    assert run("init-db").exit_code == 0
    result = run("load-org", str(bad))
    assert result.exit_code == 1
    assert "Regel 2: bevat een onzichtbaar stuurteken" in result.stderr
    assert _units(database_url) == 0


@pytest.mark.parametrize("period", ["²⁰²⁵-01", "0000-01", "٢٠٢٥-01", "2025-13", "x"])
def test_publish_refuses_a_bad_period_in_one_line(run, period: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert run("init-db").exit_code == 0
    result = run("publish", "--part", "month", "--period", period)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.stderr.strip().startswith("NIET gepubliceerd:"), result.stderr
