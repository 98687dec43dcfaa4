"""A time limit on every request served by gunicorn.

gunicorn's own ``timeout`` restarts a worker whose main loop stops reporting. The threaded
worker (gthread) that ``serve`` uses keeps reporting while one of its request threads hangs, so
a request stuck in native code (polars waiting for a thread pool that a fork left behind did
exactly that) would hold its thread, its client and its database connection for ever, and no
Python-level timeout can interrupt such a thread.

:class:`RequestDeadline` wraps the WSGI app and keeps the start time of every request in
flight. A watch thread, started in each worker process on its first request, checks them every
second. When one runs longer than the limit it logs that (method and path only, as every error
line here) and stops the worker the way gunicorn does on SIGTERM: no new connections, requests
in flight may finish. If the worker has not exited ``grace`` seconds later, because the stuck
thread cannot be joined, it ends the process. gunicorn's master then starts a fresh worker.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("signal_registry")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def stop_this_worker(grace: float) -> None:
    """Ask gunicorn's worker to stop gracefully; end the process if that has not worked."""
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(grace)
    os._exit(1)


class RequestDeadline:
    """WSGI middleware: a request running longer than ``limit`` seconds stops its worker."""

    def __init__(self, app: WsgiApp, limit: float, *, grace: float = 30.0,
                 stop: Callable[[float], None] = stop_this_worker, poll: float = 1.0,
                 clock: Callable[[], float] = time.monotonic):
        self.app = app
        self.limit = limit
        self.grace = grace
        self.stop = stop
        self.poll = poll
        self.clock = clock
        self._lock = threading.Lock()
        self._running: dict[int, tuple[float, str]] = {}
        self._numbers = itertools.count()
        self._watching_pid: int | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self._watch()
        number = next(self._numbers)
        what = f"{environ.get('REQUEST_METHOD', '?')} {environ.get('PATH_INFO', '')}"
        with self._lock:
            self._running[number] = (self.clock(), what)
        try:
            return self.app(environ, start_response)
        finally:
            with self._lock:
                del self._running[number]

    def overdue(self) -> str | None:
        """The request that has run longer than the limit, if any (the oldest)."""
        with self._lock:
            if not self._running:
                return None
            started, what = min(self._running.values())
        return what if self.clock() - started > self.limit else None

    def _watch(self) -> None:
        # One watch thread per process: a forked worker does not inherit its parent's thread.
        pid = os.getpid()
        if self._watching_pid == pid:
            return
        with self._lock:
            if self._watching_pid == pid:
                return
            self._watching_pid = pid
        threading.Thread(target=self._run, name="request-deadline", daemon=True).start()

    def _run(self) -> None:
        while True:
            time.sleep(self.poll)
            what = self.overdue()
            if what is not None:
                log.error("request over its time limit of %g s: %s; this worker stops and "
                          "gunicorn starts a new one", self.limit, what)
                self.stop(self.grace)
                return
