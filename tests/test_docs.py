"""The README stays true: every setting, every CLI command and the quick start are documented,
and CI runs the README's own test command, then ruff on the whole tree and a strict mypy."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from server.cli import cli
from server.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.env for s in SETTINGS])
def test_every_setting_is_in_the_readme_with_its_default(setting) -> None:  # type: ignore[no-untyped-def]
    rows = [line for line in _section("Configuration").splitlines()
            if line.startswith(f"| `{setting.env}` |")]
    assert len(rows) == 1, f"{setting.env} is not documented in the README's configuration table"
    default = f"`{setting.default}`" if setting.default else "(empty)"
    assert rows[0].split("|")[2].strip() == default


def test_the_readme_documents_no_setting_that_does_not_exist() -> None:
    documented = re.findall(r"^\| `([A-Z_]+)` \|", _section("Configuration"), re.M)
    assert sorted(documented) == sorted(s.env for s in SETTINGS)


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    assert f"`signal-registry {command}" in _section("Command line")


def _quick_start_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", _section("Quick start"), re.S)
    assert block, "the quick start has no sh code block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_quick_start_is_two_single_line_commands_demo_then_test() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert "demo" in commands[0]
    assert "test" in commands[1]
    assert not any(c.endswith("\\") for c in commands)


def test_ci_runs_the_readmes_test_command_with_postgres_required() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line.strip() for line in ci.splitlines()]
    assert _quick_start_commands()[1] in lines
    assert "export REQUIRE_POSTGRES=1" in lines
    assert any(line.startswith("export TEST_DATABASE_URL=postgresql://") for line in lines)
    assert "set -euo pipefail" in lines


def test_the_run_script_sets_up_the_venv_itself() -> None:
    script = (ROOT / "run").read_text(encoding="utf-8")
    assert "-m venv .venv" in script
    assert "pip install" in script
    assert (ROOT / "run").stat().st_mode & 0o111


# The type checks that make mypy matter (issue 16): every function annotated and checked, no
# Any returned where a type is promised, no comparison that can never be true.
STRICT_MYPY = ("disallow_untyped_defs", "disallow_incomplete_defs", "check_untyped_defs",
               "warn_return_any", "no_implicit_optional", "strict_equality", "warn_redundant_casts",
               "warn_unused_ignores")


def test_ci_lints_the_whole_tree_and_type_checks_every_package_strictly() -> None:
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert ".venv/bin/ruff check ." in ci
    assert ".venv/bin/mypy" in ci  # its packages and options come from pyproject.toml
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mypy = project["tool"]["mypy"]
    installed = [name.rstrip("*") for name in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    assert sorted(mypy["packages"]) == sorted(installed)
    assert {option: mypy.get(option) for option in STRICT_MYPY} == dict.fromkeys(STRICT_MYPY, True)
    assert (ROOT / mypy["mypy_path"] / "flask_babel" / "__init__.pyi").is_file()


def test_run_lint_checks_the_whole_tree_by_default() -> None:
    script = (ROOT / "run").read_text(encoding="utf-8")
    assert re.search(r"^\s*lint\) \[ \$# -gt 0 \] \|\| set -- \.$", script, re.M)


def test_every_path_and_module_in_the_architecture_guide_exists() -> None:
    # docs/architecture.md tells where a new chart, field, table or adapter goes; a renamed
    # module must not leave it pointing at nothing.
    guide = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = re.findall(r"`([^`\s]+)`", guide)
    paths = [n for n in named if "/" in n and not n.startswith(("/", "<")) and "<" not in n]
    assert len(paths) >= 20
    for path in paths:
        assert (ROOT / path.rstrip("/")).exists(), f"docs/architecture.md names {path}"
    dotted = [n for n in named if re.fullmatch(r"(registry|privacy|analytics|web|dashboards|"
                                               r"intake_adapters|server)(\.\w+)+", n)]
    for name in dotted:
        parts = name.split(".")
        while parts and not ((ROOT / Path(*parts)).with_suffix(".py").exists()
                             or (ROOT / Path(*parts)).is_dir()):
            parts.pop()  # a class or function after the module: the module must exist
        assert len(parts) >= 2, f"docs/architecture.md names {name}"
