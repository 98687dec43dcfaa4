"""No two privacy modules import each other, directly or round about, not even inside a function
or for type checking only: a module that needs another's names takes them from a lower one (the
closed sets from privacy.kinds, budgets from privacy.budgets)."""

from __future__ import annotations

import ast
from pathlib import Path

PRIVACY = Path(__file__).resolve().parents[2] / "privacy"


def _imports(path: Path) -> set[str]:
    """The privacy modules ``path`` imports anywhere in its text."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module
                 else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found |= {name.split(".")[1] for name in names if name.startswith("privacy.")}
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph``, or None."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        for target in sorted(graph.get(module, ())):
            if target in path:
                return [*path[path.index(target):], target]
            if target not in done:
                found = visit(target, [*path, target])
                if found:
                    return found
        done.add(module)
        return None

    for module in sorted(graph):
        found = visit(module, [module])
        if found:
            return found
    return None


def test_the_privacy_modules_import_without_a_cycle() -> None:
    graph = {path.stem: _imports(path) for path in PRIVACY.glob("*.py")}
    assert "specs" in graph["noise"]  # the walk sees the imports
    assert _cycle(graph) is None


def test_a_cycle_is_found() -> None:
    assert _cycle({"specs": {"tables"}, "tables": {"kinds", "specs"}, "kinds": set()}) == [
        "specs", "tables", "specs"]
