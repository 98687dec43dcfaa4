"""The request time limit: a stuck request ends its gunicorn worker, and a fresh one serves on."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from server.app import create_app
from server.deadline import RequestDeadline
from server.wsgi import with_deadline
from tests.server.test_cli import MASTER_SECRET, _free_port, _wait_for

ROOT = Path(__file__).resolve().parents[2]


def _slow_app(seconds: float):  # type: ignore[no-untyped-def]
    def app(environ, start_response):  # type: ignore[no-untyped-def]
        time.sleep(seconds)
        start_response("200 OK", [])
        return [b"ok"]

    return app


def _call(app, path: str = "/api/v1/queries") -> None:  # type: ignore[no-untyped-def]
    app({"REQUEST_METHOD": "POST", "PATH_INFO": path, "REMOTE_ADDR": "10.1.2.3"},
        lambda *_: None)


def test_a_request_over_the_limit_stops_the_worker_once(caplog: pytest.LogCaptureFixture) -> None:
    stops: list[float] = []
    deadline = RequestDeadline(_slow_app(0.8), limit=0.2, grace=7, stop=stops.append, poll=0.05)
    with caplog.at_level(logging.ERROR, logger="signal_registry"):
        _call(deadline)
        time.sleep(0.2)
    assert stops == [7]
    assert deadline.overdue() is None  # the request is over, and nothing else runs
    [line] = [r.getMessage() for r in caplog.records]
    assert "POST /api/v1/queries" in line and "0.2 s" in line
    assert "10.1.2.3" not in line


def test_requests_within_the_limit_never_stop_the_worker() -> None:
    stops: list[float] = []
    deadline = RequestDeadline(_slow_app(0.01), limit=0.5, stop=stops.append, poll=0.02)
    threads = [threading.Thread(target=_call, args=(deadline,)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(0.1)
    assert stops == []
    assert deadline.overdue() is None


def test_the_app_gets_the_limit_of_its_settings_once(tmp_path: Path) -> None:
    app = create_app({"database_url": f"sqlite:///{tmp_path / 'db.sqlite'}", "mode": "test",
                      "master_secret": MASTER_SECRET, "data_dir": str(tmp_path / "data")})
    with_deadline(app)
    with_deadline(app)
    assert isinstance(app.wsgi_app, RequestDeadline)
    assert not isinstance(app.wsgi_app.app, RequestDeadline)
    assert app.wsgi_app.limit == app.extensions["signal_registry"].settings.request_timeout == 120


# A real gunicorn with one worker, the product's app and options, and one route that hangs as
# the polars queries did: the worker must be replaced and the server answer again.
SERVER = textwrap.dedent("""
    import sys, threading
    from server.app import create_app
    from server.deadline import RequestDeadline
    from server.wsgi import GunicornServer, server_options

    app = create_app({"database_url": sys.argv[2], "mode": "test", "data_dir": sys.argv[3]})
    app.add_url_rule("/hang", "hang", lambda: threading.Event().wait() or "")
    app.wsgi_app = RequestDeadline(app.wsgi_app, limit=1, grace=2)
    GunicornServer(app, server_options(app, "127.0.0.1", int(sys.argv[1]), 1, 2)).run()
""")


@pytest.mark.slow
def test_gunicorn_replaces_a_worker_whose_request_hangs(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "SIGNAL_REGISTRY_MASTER_SECRET": MASTER_SECRET}
    process = subprocess.Popen(  # noqa: S603 - the product's own server, fixed arguments
        [sys.executable, "-c", SERVER, str(port), f"sqlite:///{tmp_path / 'db.sqlite'}",
         str(tmp_path / "data")], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/login", process) == 200
        started = time.monotonic()
        with pytest.raises(OSError):  # the connection is dropped: there is no answer to give
            urllib.request.urlopen(f"http://127.0.0.1:{port}/hang", timeout=30)
        assert time.monotonic() - started < 15
        assert _wait_for(f"http://127.0.0.1:{port}/login", process) == 200
    finally:
        process.terminate()
        output = process.communicate(timeout=60)[0]
    assert "request over its time limit of 1 s: GET /hang" in output
    assert output.count("Booting worker") >= 2
