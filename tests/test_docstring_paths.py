"""Docstrings name only what exists: every file path (``registry/fields.py``, ``docs/x.md``) and
every dotted reference to the project (``privacy.ledger.format_epsilon``) in the docstrings of
the seven packages resolves, so a moved or renamed module cannot leave a stale pointer behind.

A path is a token with a slash that starts at a top-level entry of the repository or ends in a
source file's extension; it resolves against the repository root, the module's own folder or a
folder above it (``static/x.js`` next to a blueprint). ``<placeholder>`` parts stand for any
name: the folder before them must exist. A dotted reference is one in double backticks that
starts with a package's name: a module, then attributes of it.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("registry", "privacy", "analytics", "web", "dashboards", "intake_adapters", "server")
# data/ is the default data folder, made at run time (``data/demo.db``): whether a local run
# left one behind must not decide what counts as a path into the repository.
TOP_LEVEL = frozenset(path.name for path in ROOT.iterdir()) - {".venv", ".git", "data"}
# Extensions of files the repository holds; a name with another one (``data/demo.db``, made at
# run time) is not a claim about the repository.
SOURCE_EXTENSIONS = frozenset({".py", ".md", ".json", ".js", ".css", ".html", ".toml", ".po",
                               ".csv", ".yaml", ".ini", ".mako", ".txt", ".cfg"})
FILE_EXTENSIONS = frozenset(ext.lstrip(".") for ext in SOURCE_EXTENSIONS)
PATH = re.compile(r"(?<![\w./<>-])((?:[\w.<>-]+/)+[\w.<>-]*[\w>])")
DOTTED = re.compile(rf"``((?:{'|'.join(PACKAGES)})(?:\.\w+)+)``")
DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
                  if "migrations/versions" not in path.as_posix())


def _docstrings(path: Path) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return "\n".join(doc for node in ast.walk(tree) if isinstance(node, DOCUMENTED)
                     if (doc := ast.get_docstring(node)))


def _is_path_claim(token: str) -> bool:
    first, last = token.split("/")[0], token.split("/")[-1]
    return first in TOP_LEVEL or Path(last).suffix in SOURCE_EXTENSIONS


def _resolves(token: str, module: Path) -> bool:
    parts = token.split("/")
    placeholder = next((i for i, part in enumerate(parts) if "<" in part), None)
    fixed = "/".join(parts if placeholder is None else parts[:placeholder])
    bases = [ROOT, *(folder for folder in module.parents if ROOT in folder.parents)]
    return any((base / fixed).exists() for base in bases)


def _attribute_path(reference: str) -> tuple[ModuleType, list[str]]:
    """The longest importable module the reference starts with, and the names after it."""
    parts = reference.split(".")
    for end in range(len(parts), 0, -1):
        name = ".".join(parts[:end])
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:  # a part before the last is a module, not a package
            continue
        if spec is not None:
            return importlib.import_module(name), parts[end:]
    raise AssertionError(f"no module {parts[0]}")  # unreachable: DOTTED starts with a package


@pytest.mark.parametrize("module", _modules(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_paths_in_docstrings_exist(module: Path) -> None:
    missing = [token for token in PATH.findall(_docstrings(module))
               if _is_path_claim(token) and not _resolves(token, module)]
    assert not missing, f"{module.relative_to(ROOT)} names paths that do not exist: {missing}"


@pytest.mark.parametrize("module", _modules(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_dotted_references_in_docstrings_resolve(module: Path) -> None:
    unresolved = []
    for reference in DOTTED.findall(_docstrings(module)):
        if reference.rsplit(".", 1)[1] in FILE_EXTENSIONS:  # ``analytics.py``: a file's name
            continue
        found, names = _attribute_path(reference)
        target: object = found
        for name in names:
            if not hasattr(target, name):
                unresolved.append(reference)
                break
            target = getattr(target, name)
    assert not unresolved, f"{module.relative_to(ROOT)} refers to what does not exist: {unresolved}"
