"""The house rules, checked: arrows point down, the pure core stays pure, raw signals stay in."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
LAYERS = ["registry", "privacy", "analytics", "web", "dashboards", "intake_adapters", "server"]
# What each package may import from the project (down only; intake_adapters and dashboards are
# siblings on one level and do not import each other; web/ is the Flask toolkit both stand on).
ALLOWED = {
    "registry": {"registry"},
    "privacy": {"registry", "privacy"},
    "analytics": {"registry", "privacy", "analytics"},
    "web": {"registry", "privacy", "analytics", "web"},
    "dashboards": {"registry", "privacy", "analytics", "web", "dashboards"},
    "intake_adapters": {"registry", "privacy", "analytics", "web", "intake_adapters"},
    "server": set(LAYERS),
}
RAW_SIGNAL_MODELS = {"Signal", "SignalCategory", "SignalImpact"}


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", LAYERS)
def test_imports_point_down_only(package):
    for path in _modules(package):
        for module, _ in _imports(path):
            top = module.split(".")[0]
            if top in LAYERS:
                assert top in ALLOWED[package], f"{path.relative_to(ROOT)} imports {module}"


@pytest.mark.parametrize("package", ["registry", "privacy", "analytics"])
def test_pure_core_imports_no_web_framework(package):
    for path in _modules(package):
        for module, _ in _imports(path):
            assert module.split(".")[0] not in {"flask", "werkzeug", "flask_login", "flask_wtf"}, (
                f"{path.relative_to(ROOT)} imports {module}"
            )


@pytest.mark.parametrize("package", ["privacy", "analytics"])
def test_noise_comes_only_from_opendp(package):
    for path in _modules(package):
        for module, _ in _imports(path):
            assert module not in {"random", "numpy.random"}, f"{path.relative_to(ROOT)} imports {module}"
        assert "np.random" not in path.read_text(encoding="utf-8"), path


def test_only_the_privacy_layer_reads_raw_signals_for_output():
    readers = set()
    for package in ("privacy", "analytics", "dashboards", "intake_adapters", "server"):
        for path in _modules(package):
            if "migrations" in path.parts:
                continue
            for module, names in _imports(path):
                if module == "registry.models" and RAW_SIGNAL_MODELS & set(names):
                    readers.add(str(path.relative_to(ROOT)))
    # aggregate.py answers ad-hoc questions; plan_counts.py counts the release plan's tables.
    assert readers <= {"privacy/aggregate.py", "privacy/plan_counts.py"}, readers


def test_modules_stay_small():
    for package in LAYERS:
        for path in _modules(package):
            if "migrations" in path.parts:
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            assert lines <= 450, f"{path.relative_to(ROOT)} has {lines} lines"
