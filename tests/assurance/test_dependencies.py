"""Dependency audit: the locked versions are the installed ones, each with the hashes of its
files, and none has a known vulnerability.

``requirements.lock`` pins every runtime and test dependency at the version the suite runs
with, with the sha256 hashes of its files on PyPI; ``./run`` installs exactly that
(``pip install --require-hashes -r requirements.lock``, then the project with ``--no-deps``), so
a changed or substituted file is refused. ``pip-audit`` checks those exact versions against
PyPI's vulnerability data. That needs the network: when the data cannot be reached the audit
fails with a clear message, because "no vulnerability found" must never mean "nothing was
checked". ``PIP_AUDIT_OFFLINE_OK=1`` turns that case into a visible skip for offline machines.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

pytestmark = pytest.mark.assurance

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
AUDIT_COMMAND = [str(PIP_AUDIT), "--requirement", str(LOCK), "--no-deps", "--disable-pip",
                 "--progress-spinner", "off", "--format", "json", "--timeout", "30"]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


def requirements() -> list[str]:
    """The lock's requirements, each with its continuation lines joined, comments dropped."""
    text = "\n".join(line.split("#", 1)[0].rstrip() for line in
                     LOCK.read_text(encoding="utf-8").splitlines())
    return [entry.strip() for entry in text.replace("\\\n", " ").splitlines() if entry.strip()]


def locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for entry in requirements():
        requirement = entry.split(" --hash", 1)[0].strip()
        name, sep, version = requirement.partition("==")
        assert sep, f"requirements.lock: {requirement!r} is not pinned with =="
        pins[canonical(name)] = version.strip()
    return pins


def test_every_locked_package_has_file_hashes():
    unhashed = [entry.split(" ", 1)[0] for entry in requirements() if not HASH.search(entry)]
    assert unhashed == [], f"pinned without --hash=sha256:...: {unhashed}"
    for entry in requirements():
        options = [part for part in entry.split()[1:] if part != "\\"]
        assert all(HASH.fullmatch(part) for part in options), entry


def test_run_installs_the_lock_with_hashes_and_the_project_without_dependencies():
    script = (ROOT / "run").read_text(encoding="utf-8").replace("\\\n", " ")
    installs = [" ".join(line.split()) for line in script.splitlines() if "pip install" in line]
    assert len(installs) == 2, installs
    assert "--require-hashes" in installs[0] and "-r requirements.lock" in installs[0]
    assert installs[1].endswith("--no-deps -e .")
    assert "-c requirements.lock" not in script  # constraints alone would check no hash


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    return {canonical(re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0])
            for requirement in requirements}


def test_the_lock_pins_every_declared_dependency():
    assert declared() - set(locked()) == set()


def test_the_lock_pins_what_is_installed():
    installed = {canonical(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}
    differing = {name: (version, installed.get(name)) for name, version in locked().items()
                 if installed.get(name) != version}
    assert differing == {}, "requirements.lock (locked, installed) differ; regenerate the lock"


def test_the_lock_does_not_pin_the_project_itself():
    assert "signal-registry" not in locked()


def test_no_locked_dependency_has_a_known_vulnerability():
    result = subprocess.run(AUDIT_COMMAND, capture_output=True, text=True, timeout=300,  # noqa: S603
                            check=False, cwd=ROOT)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        report = None
    audited = [dep for dep in (report or {}).get("dependencies", []) if "skip_reason" not in dep]
    if report is None or not audited:
        # pip-audit reports packages it could not look up as skipped and still says "no known
        # vulnerabilities"; with nothing audited that is no evidence at all.
        reason = ("pip-audit could not reach PyPI's vulnerability data, so nothing was audited: "
                  f"exit {result.returncode}, {result.stderr.strip()[-300:]!r}. Run with network "
                  "access, or set PIP_AUDIT_OFFLINE_OK=1 to skip on an offline machine.")
        if os.environ.get("PIP_AUDIT_OFFLINE_OK") == "1":
            pytest.skip(reason)
        pytest.fail(reason)
    skipped = sorted(dep["name"] for dep in report["dependencies"] if "skip_reason" in dep)
    assert skipped == [], f"pip-audit could not audit these locked packages: {skipped}"
    vulnerable = {f"{dep['name']}=={dep['version']}": [(v["id"], v.get("fix_versions")) for v in dep["vulns"]]
                  for dep in audited if dep.get("vulns")}
    assert vulnerable == {}, f"known vulnerabilities (id, fixed in): {vulnerable}"
