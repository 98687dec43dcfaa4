"""``signal-registry demo`` as a user runs it: the first run publishes, then serves, and a DP
query through the API is answered.

The first run used to publish with polars in the process that gunicorn then forked; polars'
thread pool does not survive a fork, so every DP query in a worker waited for ever. The first
test starts the real console script on a fresh data folder and asks as the demo's researcher;
the others show that ``serve`` starts no polars threads before it forks, and would refuse to.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from registry.periods import Month
from server.wsgi import refuse_to_fork_polars
from tests.server.test_cli import _free_port, _wait_for

COMMAND = Path(sys.executable).parent / "signal-registry"
ANSWER_WITHIN = 20.0


def _read_lines(stream, into: list[str]) -> None:  # type: ignore[no-untyped-def]
    for line in iter(stream.readline, ""):
        into.append(line)


def _ask(port: int, token: str, measure: str) -> tuple[int, dict, float]:
    month = str(Month.current().add(-1))
    spec = {"measure": measure, "group_by": ["unit"], "from": month, "to": month,
            "epsilon": "0.1"}  # rho 0.005 each, within the demo project's share of 0.02
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/queries", data=json.dumps(spec).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=ANSWER_WITHIN) as response:  # noqa: S310
        return response.status, json.loads(response.read()), time.monotonic() - started


@pytest.mark.slow
def test_the_first_demo_run_answers_dp_queries(tmp_path: Path) -> None:
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("SIGNAL_REGISTRY_") and key != "DATABASE_URL"}
    env["SIGNAL_REGISTRY_DATA_DIR"] = str(tmp_path / "demo-data")
    process = subprocess.Popen(  # noqa: S603 - the product's own command, fixed arguments
        [str(COMMAND), "demo", "--port", str(port), "--months", "3", "--publish-months", "2"],
        cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/login", process, seconds=240) == 200
        output = "".join(lines)
        assert "Published" in output, output
        token = re.search(r"^  demo-onderzoeker\s+(sr_\S+)$", output, re.MULTILINE)
        assert token, output
        # Two questions, so that with two workers both are likely to be asked.
        for measure in ("contacts", "cases"):
            status, answer, seconds = _ask(port, token.group(1), measure)
            assert status == 201, answer
            assert answer["cells"] and seconds < ANSWER_WITHIN
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == 0, "".join(lines)[-3000:]


def test_serve_refuses_to_fork_a_process_with_polars_threads(tmp_path: Path) -> None:
    tasks = tmp_path / "task"
    for number, name in ((1, "python"), (2, "jemalloc_bg_thd")):
        (tasks / str(number)).mkdir(parents=True)
        (tasks / str(number) / "comm").write_text(name + "\n")
    refuse_to_fork_polars(tasks)
    (tasks / "3").mkdir()
    (tasks / "3" / "comm").write_text("polars-0\n")
    with pytest.raises(RuntimeError, match="fresh_process"):
        refuse_to_fork_polars(tasks)


# What `serve` does before gunicorn forks (build the app, create the schema) starts no polars
# threads; one polars group-by does, and the check sees it.
BEFORE_FORK = """
import sys
import polars as pl
from server.app import create_app
from server.migrations import upgrade
from server.wsgi import refuse_to_fork_polars

app = create_app({"database_url": sys.argv[1], "mode": "test", "data_dir": sys.argv[2],
                  "master_secret": "ab" * 32})
upgrade(app.extensions["signal_registry"].db.engine)
refuse_to_fork_polars()
pl.DataFrame({"a": list(range(100))}).group_by("a").len()
try:
    refuse_to_fork_polars()
except RuntimeError:
    print("refused")
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="thread names are read from /proc")
def test_the_serve_process_starts_no_polars_threads_before_forking(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603 - the product's own code, fixed arguments
        [sys.executable, "-c", BEFORE_FORK, f"sqlite:///{tmp_path / 'db.sqlite'}",
         str(tmp_path / "data")], capture_output=True, text=True, timeout=120,
        cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "refused"
