"""Run polars and OpenDP work in a fresh interpreter, never in a process that will fork.

polars computes on a rayon thread pool that it starts on first use. ``fork()`` copies only the
thread that forks, so a child of a process that has used polars inherits a pool whose threads
do not exist, and its first parallel polars call waits for them for ever. gunicorn forks its
workers from the process that runs ``serve`` or ``demo``: when the demo published its figures
in that process, every DP query in a worker hung.

So that process never touches polars. Work it needs done before serving (the demo's
publication) runs here, in a child started with the "spawn" method: a new interpreter that
shares no threads and no connections with the parent, and exits when the work is done.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import click

from server.settings import Settings

if TYPE_CHECKING:
    from server.demo import DemoPublication

T = TypeVar("T")


def run_in_fresh_process(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a new interpreter; its result or its exception comes back here.

    ``function`` must be a module-level function and ``args`` and the result picklable.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def publish_demo_apart(settings: Settings, focus: str, focus_months: int,
                       other_months: int) -> DemoPublication:
    """``server.demo.publish_demo`` on the demo database, in a fresh process (see above).

    Progress lines go straight to this process's standard output, which the child shares.
    """
    return run_in_fresh_process(_publish_demo, settings, focus, focus_months, other_months)


def _publish_demo(settings: Settings, focus: str, focus_months: int,
                  other_months: int) -> DemoPublication:
    from server.app import create_app
    from server.demo import publish_demo

    services = create_app(settings).extensions["signal_registry"]
    try:
        return publish_demo(services, focus, focus_months, other_months, echo=click.echo)
    finally:
        services.db.dispose()
