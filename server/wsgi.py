"""Serving the app with gunicorn, the production WSGI server, without logging who connects.

Two ways in:

* ``signal-registry serve`` (and ``demo``) run :class:`GunicornServer` in-process.
* ``gunicorn 'server.wsgi:create()' --logger-class server.wsgi.PrivateLogger`` for those who
  run gunicorn themselves; settings then come from the environment only.

Access logging stays off: an access log line holds the client's address and the exact time of
a request, and a request to the intake API could be linked to the signal it stored.

Both ways give every request a time limit (``SIGNAL_REGISTRY_REQUEST_TIMEOUT``,
``server.deadline``): gunicorn's own ``timeout`` does not see a stuck request thread.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from gunicorn.http import wsgi as gunicorn_http

from server.app import create_app
from server.deadline import RequestDeadline
from server.limiter import shares_counters
from server.settings import Mode, Settings

# gunicorn names itself in the Server header of every response (older versions with their
# version number) and in the app's SERVER_SOFTWARE: a fingerprint for whoever looks for a known
# weakness. Both say only this, with no version; gunicorn reads them as it builds a response.
SERVER_HEADER = "signal-registry"
gunicorn_http.SERVER = SERVER_HEADER
gunicorn_http.SERVER_SOFTWARE = SERVER_HEADER

# gunicorn's only log line with a client address: "Invalid request from ip=<addr>: <error>".
_CLIENT_ADDRESS = re.compile(r"^Invalid request from ip=.*?: ")


class PrivateLogger(Logger):
    """gunicorn's logger with the access log disabled and client addresses dropped."""

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        return None

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().warning(_CLIENT_ADDRESS.sub("Invalid request: ", str(msg)), *args, **kwargs)


def create() -> Flask:
    """App factory for ``gunicorn 'server.wsgi:create()'``: settings from the environment."""
    return with_deadline(create_app(Settings.from_env()))


def with_deadline(app: Flask) -> Flask:
    """``app`` with the request time limit of its settings (once; only under gunicorn)."""
    if not isinstance(app.wsgi_app, RequestDeadline):
        limit = app.extensions["signal_registry"].settings.request_timeout
        app.wsgi_app = RequestDeadline(app.wsgi_app, limit)  # type: ignore[method-assign]
    return app


def server_options(app: Flask, host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    engine = app.extensions["signal_registry"].db.engine

    def post_fork(_server: Any, _worker: Any) -> None:
        # Connections opened before the fork belong to the parent; never share them.
        engine.dispose(close=False)

    return {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "logger_class": PrivateLogger,
        "post_fork": post_fork,
        # Heartbeat of a worker's main loop; a stuck request is the RequestDeadline's to catch.
        "timeout": 30,
        "graceful_timeout": 30,
        # A control socket in $HOME would clash between two servers on one machine.
        "control_socket_disable": True,
        "proc_name": "signal-registry",
    }


class GunicornServer(BaseApplication):
    """Runs an already built app under gunicorn; workers fork from this process, so every
    worker shares the app's settings, including a generated session key."""

    def __init__(self, app: Flask, options: Mapping[str, Any]):
        self.application = app
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def serve(app: Flask, host: str = "127.0.0.1", port: int = 8000, workers: int | None = None,
          threads: int = 4) -> None:
    """Serve ``app`` until interrupted (Ctrl-C or SIGTERM)."""
    workers, threads = worker_plan(app.extensions["signal_registry"].settings, workers, threads)
    # Nothing opened so far (schema upgrade, demo data) may leak into the workers.
    app.extensions["signal_registry"].db.dispose()
    refuse_to_fork_polars()
    GunicornServer(with_deadline(app), server_options(app, host, port, workers, threads)).run()


DEFAULT_WORKERS = 2


def worker_plan(settings: Settings, workers: int | None, threads: int) -> tuple[int, int]:
    """Worker processes and threads per worker for ``serve``.

    Rate-limit counters in ``memory://`` live in one process: with several workers each would
    count on its own, and a visitor would get that many times the meldknop's limit. So without
    a shared store (``shares_counters``) the server runs one process with the same number of
    threads in all; asked for more processes in production, it refuses instead of pretending.
    """
    if shares_counters(settings):
        return workers or DEFAULT_WORKERS, threads
    if workers is None or workers == 1:
        return 1, threads * (workers or DEFAULT_WORKERS)
    if settings.mode is Mode.PRODUCTION:
        raise click.ClickException(
            f"--workers {workers} needs a rate-limit store that all workers share, or each "
            f"worker counts the meldknop's and the login's limits on its own. Set "
            f"SIGNAL_REGISTRY_RATE_LIMIT_STORAGE=redis://host:port, or serve with --workers 1 "
            f"--threads {workers * threads}.")
    click.echo(f"Rate-limit counters are in memory ({settings.rate_limit_storage}): serving "
               f"with 1 worker process and {workers * threads} threads instead of {workers} "
               f"processes.", err=True)
    return 1, workers * threads


def refuse_to_fork_polars(tasks: Path = Path("/proc/self/task")) -> None:
    """Stop before gunicorn forks a process in which polars has started its thread pool.

    Its threads (named ``polars-N``) would be missing in every worker, and each DP query there
    would wait for them for ever; such work belongs in ``server.fresh_process``. Linux names
    threads in /proc; elsewhere there is nothing to check.
    """
    names = []
    for comm in tasks.glob("*/comm"):
        with suppress(OSError):  # a thread may end while we look
            names.append(comm.read_text().strip())
    if any(name.startswith("polars-") for name in names):
        raise RuntimeError("polars' thread pool runs in the process that would fork the "
                           "workers, whose DP queries would then hang; do polars work in "
                           "server.fresh_process")
