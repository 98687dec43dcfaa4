"""The signal-registry command line, run through click's CliRunner against a temporary database
(SQLite, and PostgreSQL when TEST_DATABASE_URL is set), plus ``serve`` as a real process."""

from __future__ import annotations

import ast
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import inspect

from privacy.signing import create_signing_key_file
from registry.accounts import Role
from registry.db import Database
from registry.organisations import OrganisationService
from registry.periods import Month
from registry.records import SignalRecord
from server.app import create_app
from server.cli import cli, main

FIXTURES = Path(__file__).parent.parent / "fixtures"
MASTER_SECRET = "cd" * 32


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SIGNAL_REGISTRY_MODE": "test",
        "SIGNAL_REGISTRY_MASTER_SECRET": MASTER_SECRET,
        "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "data"),
        "SIGNAL_REGISTRY_MASTER_SECRET_FILE": "",
    }


@pytest.fixture
def run(cli_env: dict[str, str]):  # type: ignore[no-untyped-def]
    def _run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env={**cli_env, **(env or {})}, input=input)

    return _run


def _units(database_url: str) -> int:
    db = Database(database_url)
    try:
        return len(OrganisationService(db).structure().units)
    finally:
        db.dispose()


def test_console_script_points_at_main() -> None:
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts["signal-registry"] == "server.cli:main"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    return names | {node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module}


def test_command_modules_import_only_the_cli_context_so_imports_run_one_way() -> None:
    """``server.cli`` imports its command modules; they never import it (nor each other)."""
    package = Path(__file__).parents[2] / "server" / "cli"
    modules = sorted(path for path in package.glob("*.py")
                     if path.name not in ("__init__.py", "__main__.py"))
    assert {path.stem for path in modules} >= {"context", "database", "accounts", "serving"}
    for path in modules:
        from_cli = {name for name in _imported_modules(path)
                    if name == "server.cli" or name.startswith("server.cli.")}
        allowed = set() if path.stem == "context" else {"server.cli.context"}
        assert from_cli <= allowed, f"{path.name} imports {sorted(from_cli - allowed)}"


def test_main_runs_the_group(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "argv", ["signal-registry", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("init-db", "load-org", "create-user", "purge", "serve", "demo"):
        assert command in out


def test_init_db_creates_the_schema_and_can_run_again(run, database_url: str) -> None:  # type: ignore[no-untyped-def]
    first = run("init-db")
    assert first.exit_code == 0, first.output
    assert "up to date" in first.stdout
    assert run("init-db").exit_code == 0
    db = Database(database_url)
    try:
        tables = set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()
    assert {"units", "signals", "signal_categories", "accounts", "api_tokens"} <= tables


def test_commands_before_init_db_ask_for_it(run) -> None:  # type: ignore[no-untyped-def]
    result = run("load-org", str(FIXTURES / "org-small.csv"))
    assert result.exit_code == 1
    assert "init-db" in result.stderr
    assert "Traceback" not in result.output


def test_load_org_stores_every_unit(run, database_url: str) -> None:  # type: ignore[no-untyped-def]
    assert run("init-db").exit_code == 0
    result = run("load-org", str(FIXTURES / "org-small.csv"))
    assert result.exit_code == 0, result.output
    assert "2 organisations and 9 units" in result.stdout
    assert _units(database_url) == 9


def test_load_org_refuses_a_bad_file_whole_with_every_line_number(  # type: ignore[no-untyped-def]
    run, database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,parent,organisation,headcount\n"
        "MIN-X,Ministerie X,,MIN-X,500\n"
        "MIN-X-D1,Directie Een,MIN-X,MIN-X,veel\n"
        "MIN-X-D2,Directie Twee,MIN-X,MIN-X,100\n"
        "MIN-X-D3,Directie Drie,MIN-Y,MIN-X,100\n",
        encoding="utf-8",
    )
    assert run("init-db").exit_code == 0
    result = run("load-org", str(bad))
    assert result.exit_code == 1
    assert "Regel 3" in result.stderr
    assert "Regel 5" in result.stderr
    assert result.stdout == ""
    assert _units(database_url) == 0


def test_load_org_accepts_a_byte_order_mark(run, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with_bom = tmp_path / "excel.csv"
    with_bom.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "org-small.csv").read_bytes())
    assert run("init-db").exit_code == 0
    assert run("load-org", str(with_bom)).exit_code == 0
    assert _units(database_url) == 9


def test_load_org_reads_windows_1252_and_refuses_undecodable_bytes(  # type: ignore[no-untyped-def]
        run, database_url: str, tmp_path: Path) -> None:
    header = "code,name,parent,organisation,headcount\n"
    undecodable = tmp_path / "binary.csv"
    undecodable.write_bytes(header.encode() + b"M,Ministerie\x81,,M,9\n")
    assert run("init-db").exit_code == 0
    result = run("load-org", str(undecodable))
    assert result.exit_code == 1
    assert "neither UTF-8 nor Windows-1252" in result.stderr
    assert _units(database_url) == 0
    excel = tmp_path / "excel.csv"  # Dutch Excel's plain CSV is Windows-1252
    excel.write_bytes((header + "M,Ministerie van Financi\u00ebn,,M,9\n").encode("cp1252"))
    assert run("load-org", str(excel)).exit_code == 0
    assert _units(database_url) == 1


def test_create_user_prints_an_activation_link_and_no_password(run, services, database_url,
                                                              tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run("create-user", "--role", "preventiemedewerker", "--organisation", "MIN-A",
                 "--username", "pm-a")
    assert result.exit_code == 0, result.output
    assert "Password (shown once)" not in result.stdout and "Activation link" in result.stdout
    path = re.search(r"^(/activeren/\S+)$", result.stdout, re.M).group(1)  # type: ignore[union-attr]
    # The link is keyed with the master secret the command ran with.
    app = create_app({"database_url": database_url, "mode": "test", "master_secret": MASTER_SECRET,
                      "data_dir": str(tmp_path / "data"), "secure_cookies": False, "csrf": False})
    try:
        client = app.test_client()
        assert client.get(path).status_code == 200
        chosen = "door de houder gekozen"
        assert client.post(path, data={"password": chosen, "repeat": chosen}).status_code == 302
        principal = services.accounts.authenticate("pm-a", chosen)
        assert principal is not None
        assert principal.role is Role.PREVENTION_OFFICER
        assert principal.organisation == "MIN-A"
    finally:
        app.extensions["signal_registry"].db.dispose()


def test_create_user_with_set_password_asks_it_twice_and_never_prints_it(run, services) -> None:  # type: ignore[no-untyped-def]
    chosen = "operator typt dit twee keer"
    result = run("create-user", "--role", "adviser", "--organisation", "MIN-A", "--username", "vp-op",
                 "--set-password", input=f"{chosen}\n{chosen}\n")
    assert result.exit_code == 0, result.output
    assert chosen not in result.stdout
    assert services.accounts.authenticate("vp-op", chosen) is not None


def test_create_user_with_token_prints_a_working_token_last(run, services) -> None:  # type: ignore[no-untyped-def]
    result = run("create-user", "--role", "adviser", "--organisation", "MIN-B",
                 "--username", "vp-b", "--channel", "vp_extern", "--token")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    principal = services.accounts.resolve_token(token)
    assert principal is not None
    assert (principal.username, principal.role, principal.organisation) == ("vp-b", Role.ADVISER,
                                                                            "MIN-B")
    assert principal.default_channel == "vp_extern"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "adviser", "--username", "no-org"], "organisatie"),
        (["--role", "adviser", "--organisation", "MIN-Z", "--username", "wrong-org"],
         "bestaat niet"),
        (["--role", "adviser", "--organisation", "MIN-A", "--username", "x"], "username"),
        (["--role", "adviser", "--organisation", "MIN-A", "--username", "ch-x",
          "--channel", "telefoon"], "unknown channel"),
    ],
)
def test_create_user_refuses_bad_input_and_stores_nothing(  # type: ignore[no-untyped-def]
    run, services, args: list[str], message: str
) -> None:
    result = run("create-user", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert services.accounts.list_users() == []


def test_create_user_refuses_a_taken_username(run, services) -> None:  # type: ignore[no-untyped-def]
    args = ("create-user", "--role", "researcher", "--username", "onderzoeker",
            "--project", "werkdruk-2026")
    assert run(*args).exit_code == 0
    again = run(*args)
    assert again.exit_code == 1
    assert "bestaat al" in again.stderr


def _signal(month: Month) -> SignalRecord:
    return SignalRecord(period=month, unit="MIN-A-DG1-D1", organisation="MIN-A",
                        channel="vp_intern", categories=("pesten",), implicated_party="collega",
                        reporter_role="medewerker", follow_up="advies")


def _without_months(output: str) -> str:
    return re.sub(r"\d{4}-\d{2}", "YYYY-MM", output)


def test_purge_removes_signals_before_the_month_and_says_which_not_how_many(run, services) -> None:  # type: ignore[no-untyped-def]
    months = [Month(2019, 12), Month(2020, 1), Month(2020, 1), Month(2020, 2)]
    services.signals.store_many([_signal(m) for m in months], receipts=False)
    result = run("purge", "--before", "2020-02")
    assert result.exit_code == 0, result.output
    assert "signalen van vóór 2020-02 zijn verwijderd" in result.stdout
    assert services.signals.count() == 1
    again = run("purge", "--before", "2020-02")
    # Nothing left to remove reads the same: the output tells no count, not even zero.
    assert again.stdout == result.stdout
    assert not re.search(r"\d", _without_months(result.output + again.output))


def test_purge_defaults_to_the_retention_period(run, services) -> None:  # type: ignore[no-untyped-def]
    current = Month.current()
    services.signals.store_many(
        [_signal(current.add(-61)), _signal(current.add(-60)), _signal(current)], receipts=False
    )
    result = run("purge", env={"SIGNAL_REGISTRY_RETENTION_YEARS": "5"})
    assert result.exit_code == 0, result.output
    assert f"signalen van vóór {current.add(-60)} zijn verwijderd" in result.stdout
    assert services.signals.count() == 2
    one_year = run("purge", env={"SIGNAL_REGISTRY_RETENTION_YEARS": "1"})
    assert f"vóór {current.add(-12)}" in one_year.stdout
    assert services.signals.count() == 1


def test_maintain_says_what_it_did_and_prints_no_count(run, services) -> None:  # type: ignore[no-untyped-def]
    services.signals.store_many([_signal(Month.current()) for _ in range(7)], receipts=False)
    result = run("maintain")
    assert result.exit_code == 0, result.output
    expected = ("herbouwd zonder resten van verwijderde signalen" if services.db.is_sqlite
                else "herschreven in willekeurige volgorde")
    assert expected in result.stdout
    assert "idempotentiesleutels verwijderd" in result.stdout
    assert not re.search(r"\d", result.output)
    assert services.signals.count() == 7


@pytest.mark.parametrize("before", ["2020-13", "gisteren", "9999-01"])
def test_purge_refuses_a_bad_or_future_month(run, services, before: str) -> None:  # type: ignore[no-untyped-def]
    services.signals.store_many([_signal(Month(2019, 1))], receipts=False)
    result = run("purge", "--before", before)
    assert result.exit_code == 2
    assert "--before" in result.output
    assert services.signals.count() == 1


def test_serve_outside_demo_and_test_refuses_to_start_without_master_secret(run) -> None:  # type: ignore[no-untyped-def]
    result = run("serve", "--port", "1", env={"SIGNAL_REGISTRY_MODE": "production",
                                              "SIGNAL_REGISTRY_MASTER_SECRET": ""})
    assert result.exit_code == 1
    assert "SIGNAL_REGISTRY_MASTER_SECRET" in result.stderr
    assert "Traceback" not in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                return int(response.status)
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not come up")


def test_serve_runs_gunicorn_and_logs_no_client_address(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "SIGNAL_REGISTRY_MODE": "production", "SIGNAL_REGISTRY_MASTER_SECRET": MASTER_SECRET,
           "SIGNAL_REGISTRY_SIGNING_KEY_FILE": str(tmp_path / "signing-key"),
           "SIGNAL_REGISTRY_DATA_DIR": str(tmp_path / "data")}
    create_signing_key_file(tmp_path / "signing-key")  # production makes none up
    subprocess.run([sys.executable, "-m", "server.cli", "init-db"], env=env, check=True,
                   capture_output=True, timeout=60)
    process = subprocess.Popen(  # noqa: S603 - the product's own command, fixed arguments
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/login", process) == 200
        # A malformed request makes gunicorn log a warning that would name the client.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            client_port = sock.getsockname()[1]
            sock.sendall(b"NOT A REQUEST\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 400")
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    logged = out + err
    assert "Using worker: gthread" in logged
    assert "Invalid request" in logged
    assert "ip=" not in logged
    assert f":{client_port}" not in logged
    assert "GET /login" not in logged
    assert [line for line in logged.splitlines() if "127.0.0.1" in line
            and "Listening at" not in line] == []
