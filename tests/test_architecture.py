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


FEATURE_ROOTS = ("dashboards", "intake_adapters")
ROUTE = ("@bp.get", "@bp.post", "@bp.put", "@bp.patch", "@bp.delete", "@bp.route")


def _features() -> list[Path]:
    """The web features: packages that export a blueprint (charts/ and mappings/ are libraries)."""
    return sorted(path.parent for root in FEATURE_ROOTS for path in (ROOT / root).glob("*/__init__.py")
                  if '"bp"' in path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("feature", _features(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_feature_package_has_the_same_shape(feature):
    # views.py (pages, with views_<topic>.py beside it when it grows), forms.py, api.py (a JSON
    # API with its own blueprint), templates/<feature>/: see docs/architecture.md.
    modules = {path.name: path.read_text(encoding="utf-8") for path in feature.glob("*.py")}
    for name, text in modules.items():
        if "Blueprint(" in text:
            assert name in ("views.py", "api.py"), f"{feature.name}/{name} defines a blueprint"
        if any(route in text for route in ROUTE):
            assert name in ("views.py", "api.py") or name.startswith("views_"), (
                f"{feature.name}/{name} adds routes: pages go in views*.py, a JSON API in api.py")
        if "(FlaskForm)" in text:
            assert name == "forms.py", f"{feature.name}/{name} declares a form"
    assert "views.py" in modules or "api.py" in modules, f"{feature.name} has no views or api"
    assert len(_features()) >= 9
    templates = feature / "templates"
    if templates.exists():
        assert [p.name for p in templates.iterdir()] == [feature.name], (
            f"{feature.name}'s templates belong in templates/{feature.name}/")
