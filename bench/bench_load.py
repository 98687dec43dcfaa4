"""Load: many advisers' case systems logging signals at once, while figures are read and asked.

Against ``signal-registry serve`` (gunicorn) on 127.0.0.1, for ``--seconds``:

* ``--clients`` threads each POST signals to ``/api/v1/signals`` with an adviser token and a
  fresh ``Idempotency-Key`` per signal, back to back over a keep-alive connection. A request
  that fails on the wire is sent again with the same key (at most 5 times), as a case system
  would;
* one researcher asks ``/api/v1/queries`` (new questions until the budget is gone, then the
  same ones again, which cost nothing) and reads ``/api/v1/budget``;
* one preventiemedewerker reads ``/api/v1/trends`` and ``/api/v1/checks`` with a token and the
  ``/dashboard/`` page with a browser session.

Afterwards the database is checked: every acknowledged signal is stored exactly once and
nothing else was stored, no signal lacks its categories, and the privacy-budget ledger matches
the releases exactly. ``tests/assurance/test_load.py`` runs the same and asserts all of it.

    .venv/bin/python bench/bench_load.py                                    # SQLite file
    .venv/bin/python bench/bench_load.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/bench_load.py --clients 100 --seconds 60 --workers 2 --threads 4

With ``--database-url`` a fresh database ``load_<random>`` is made on that server and dropped
afterwards. Only loopback is used and every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The server fixtures of the assurance suites: one way to start the product for tests and here.
from privacy.pseudonyms import new_case_token  # noqa: E402
from registry.accounts import Role  # noqa: E402
from registry.periods import Month  # noqa: E402
from registry.records import SELF_REPORT_CHANNEL, SignalRecord  # noqa: E402
from tests.assurance.conftest import (  # noqa: E402
    LiveServer,
    Registry,
    fresh_postgres_database,
    launch_server,
    open_registry,
    signed_in,
)

ORGANISATION = "MIN-A"
ADVISERS = 10  # clients share these accounts round-robin, as the advisers of one ministry would
MAX_ATTEMPTS = 5
REQUEST_TIMEOUT = 60.0
QUERY_EPSILON = "0.2"  # rho 0.02: two new questions exhaust the project's share of 0.04


@dataclass(frozen=True)
class Workload:
    """Who takes part, and what they may ask; made by :func:`prepare`."""

    adviser_tokens: tuple[str, ...]
    units: tuple[str, ...]
    codes: dict[str, tuple[str, ...]]
    researcher_token: str
    prevention_token: str
    prevention_login: tuple[str, str]
    published: Month


@dataclass
class LoadResult:
    """What the clients saw. Latencies are seconds, of acknowledged signal POSTs only."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # idempotency key -> signal id
    unacknowledged: list[str] = field(default_factory=list)  # keys that never got a 201
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)  # (kind, status)
    wire_errors: Counter[str] = field(default_factory=Counter)  # kind -> failed on the wire
    unexpected: list[str] = field(default_factory=list)  # answers outside the contract
    retried_keys: int = 0
    server_cpu_seconds: float | None = None  # gunicorn master and workers, during the run
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def server_errors(self) -> int:
        return sum(n for (_, status), n in self.statuses.items() if status >= 500)

    @property
    def throughput(self) -> float:
        return len(self.acknowledged) / self.seconds

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the signal latencies, in milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        return 1000 * ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    def count(self, kind: str, *statuses: int) -> int:
        return sum(n for (k, s), n in self.statuses.items() if k == kind and s in statuses)

    def table(self) -> str:
        rows = [
            ("signals acknowledged (201)", f"{len(self.acknowledged)}"),
            ("throughput", f"{self.throughput:.1f} signals/s"),
            ("latency p50 / p95 / p99", f"{self.percentile(50):.0f} / {self.percentile(95):.0f} / "
                                        f"{self.percentile(99):.0f} ms"),
            ("server CPU per acknowledged signal", self._cpu_per_signal()),
            ("keys sent again after a wire error", f"{self.retried_keys}"),
            ("researcher queries (201 new / 200 stored / 403 over budget)",
             f"{self.count('query', 201)} / {self.count('query', 200)} / {self.count('query', 403)}"),
            ("dashboard reads (200)", f"{self.count('dashboard', 200)}"),
            ("5xx answers", f"{self.server_errors}"),
            ("wire errors", ", ".join(f"{k} {n}" for k, n in self.wire_errors.items()) or "0"),
            ("answers outside the contract", f"{len(self.unexpected)}"),
        ]
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)

    def _cpu_per_signal(self) -> str:
        if self.server_cpu_seconds is None or not self.acknowledged:
            return "not measured"
        # Includes the researcher's and the dashboard's requests; a steadier figure than the
        # throughput on a machine shared with other work.
        return f"{1000 * self.server_cpu_seconds / len(self.acknowledged):.1f} ms"

    def _record(self, kind: str, status: int, expected: tuple[int, ...], what: str) -> None:
        with self._lock:
            self.statuses[kind, status] += 1
            if status not in expected:
                self.unexpected.append(f"{what}: {status}")


def prepare(registry: Registry, seed: int = 7) -> Workload:
    """Accounts, and a published previous month so that trends and checks have figures."""
    services = registry.services
    rng = random.Random(seed)
    org = services.org()
    units = tuple(u.code for u in org.units if u.organisation == ORGANISATION)
    taxonomy = services.taxonomy
    codes = {name: tuple(taxonomy.codes(name)) for name in
             ("categories", "channel", "implicated_party", "reporter_role", "follow_up", "impact")}
    published = Month.current().add(-1)
    services.signals.store_many([
        SignalRecord(period=published, unit=rng.choice(units), organisation=ORGANISATION,
                     channel=rng.choice(codes["channel"]), categories=(rng.choice(codes["categories"]),),
                     implicated_party=rng.choice(codes["implicated_party"]),
                     reporter_role=rng.choice(codes["reporter_role"]),
                     follow_up=rng.choice(codes["follow_up"]))
        for _ in range(300)
    ], receipts=False)
    services.plans.publish_due([published.year])
    # Ten clients share each adviser token here, back to back: far more than one case system
    # sends, so the per-token limit (600 per minute by default) is raised for this load.
    registry.env["SIGNAL_REGISTRY_API_RATE_LIMIT"] = "1000000 per minute"
    prevention, password = registry.account(Role.PREVENTION_OFFICER, ORGANISATION)
    return Workload(
        adviser_tokens=tuple(registry.token(Role.ADVISER, ORGANISATION) for _ in range(ADVISERS)),
        units=units, codes=codes,
        researcher_token=registry.token(Role.RESEARCHER, None),
        prevention_token=services.accounts.create_token(prevention.account_id, "load"),
        prevention_login=(prevention.username, password),
        published=published,
    )


def signal_body(rng: random.Random, workload: Workload) -> dict[str, object]:
    """A valid signal of this or one of the two previous months, in the demo's rough mix."""
    codes = workload.codes
    body: dict[str, object] = {
        "period": str(Month.current().add(-rng.choice((0, 0, 0, 1, 2)))),
        "unit": rng.choice(workload.units),
        # Advisers may not use the meldknop's own channel (registry.records.SELF_REPORT_CHANNEL).
        "channel": rng.choice([c for c in codes["channel"] if c != SELF_REPORT_CHANNEL]),
        "categories": rng.sample(codes["categories"], rng.choice((1, 1, 1, 2))),
        "implicated_party": rng.choice(codes["implicated_party"]),
        "reporter_role": rng.choice(codes["reporter_role"]),
        "follow_up": rng.choice(codes["follow_up"]),
        "impact": rng.sample(codes["impact"], rng.choice((0, 0, 1))),
    }
    if rng.random() < 0.1:
        body["case_token"] = new_case_token()
    return body


def query_specs(workload: Workload) -> list[dict[str, str | list[str]]]:
    """Distinct questions about past months: more than the budget pays for."""
    specs: list[dict[str, str | list[str]]] = []
    for back in range(1, 13):
        month = str(workload.published.add(1 - back))
        for measure in ("contacts", "cases"):
            specs.append({"measure": measure, "group_by": ["unit", "category"], "from": month,
                          "to": month, "grain": "month", "epsilon": QUERY_EPSILON})
    return specs


def _signal_client(index: int, base: str, workload: Workload, result: LoadResult,
                   stop_at: float) -> None:
    rng = random.Random(index)
    token = workload.adviser_tokens[index % len(workload.adviser_tokens)]
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}"})
    n = 0
    while time.monotonic() < stop_at:
        key = f"load-{index}-{n}"
        n += 1
        body = json.dumps(signal_body(rng, workload))
        for attempt in range(MAX_ATTEMPTS):
            began = time.perf_counter()
            try:
                response = session.post(base + "/api/v1/signals", data=body, timeout=REQUEST_TIMEOUT,
                                        headers={"Idempotency-Key": key,
                                                 "Content-Type": "application/json"})
            except requests.RequestException as exc:
                with result._lock:
                    result.wire_errors[type(exc).__name__] += 1
                    result.retried_keys += 1 if attempt == 0 else 0
                continue
            elapsed = time.perf_counter() - began
            result._record("signal", response.status_code, (201,), f"POST signal {key}")
            if response.status_code == 201:
                with result._lock:
                    result.acknowledged[key] = response.json()["id"]
                    result.latencies.append(elapsed)
            break
        else:
            with result._lock:
                result.unacknowledged.append(key)


def _researcher(base: str, workload: Workload, result: LoadResult, stop_at: float) -> None:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {workload.researcher_token}"})
    specs = query_specs(workload)
    n = 0
    while time.monotonic() < stop_at:
        spec = specs[n % len(specs)]
        n += 1
        try:
            response = session.post(base + "/api/v1/queries", json=spec, timeout=REQUEST_TIMEOUT)
            result._record("query", response.status_code, (200, 201, 403), "POST query")
            budget = session.get(base + "/api/v1/budget", timeout=REQUEST_TIMEOUT)
            result._record("budget", budget.status_code, (200,), "GET budget")
        except requests.RequestException as exc:
            with result._lock:
                result.wire_errors[type(exc).__name__] += 1
        time.sleep(0.2)  # a person at a notebook, not a loop: leave the CPU to the intake


def _dashboard_reader(base: str, workload: Workload, result: LoadResult, stop_at: float) -> None:
    api = requests.Session()
    api.headers.update({"Authorization": f"Bearer {workload.prevention_token}"})
    browser = signed_in(base, *workload.prevention_login)
    month = workload.published
    reads: list[tuple[requests.Session, str]] = [
        # Trends are asked within the published months only (this year's, up to last month).
        (api, f"/api/v1/trends?from={Month(month.year, 1)}&to={month}"),
        (api, "/api/v1/checks"),
        (browser, "/dashboard/"),
    ]
    n = 0
    while time.monotonic() < stop_at:
        session, path = reads[n % len(reads)]
        n += 1
        try:
            response = session.get(base + path, timeout=REQUEST_TIMEOUT, allow_redirects=False)
            result._record("dashboard", response.status_code, (200,), f"GET {path}")
        except requests.RequestException as exc:
            with result._lock:
                result.wire_errors[type(exc).__name__] += 1
        time.sleep(0.1)


def server_cpu_seconds(server: LiveServer) -> float | None:
    """CPU seconds used so far by the server's process and its workers (Linux /proc only)."""
    pid = server.process.pid
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for process in (str(pid), *children):
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime and stime, in clock ticks
    except (OSError, IndexError, ValueError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


def run_load(server: LiveServer, workload: Workload, *, clients: int, seconds: float) -> LoadResult:
    """Run every client against ``server`` for ``seconds``; returns what they saw."""
    result = LoadResult(seconds=seconds)
    cpu_before = server_cpu_seconds(server)
    started = time.monotonic()
    stop_at = started + seconds
    workers: list[tuple[Callable[..., None], tuple[object, ...]]] = [
        (_signal_client, (i, server.url, workload, result, stop_at)) for i in range(clients)]
    workers.append((_researcher, (server.url, workload, result, stop_at)))
    workers.append((_dashboard_reader, (server.url, workload, result, stop_at)))
    threads = [threading.Thread(target=target, args=args, daemon=True) for target, args in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Bounded: a client stops starting requests at stop_at, and each waits at most
        # REQUEST_TIMEOUT for MAX_ATTEMPTS attempts.
        thread.join(timeout=seconds + MAX_ATTEMPTS * REQUEST_TIMEOUT)
    result.seconds = max(time.monotonic() - started, seconds)
    cpu_after = server_cpu_seconds(server)
    if cpu_before is not None and cpu_after is not None:
        result.server_cpu_seconds = cpu_after - cpu_before
    return result


def storage_problems(registry: Registry, before: set[str], result: LoadResult) -> list[str]:
    """How the database disagrees with what the clients were told; empty when it agrees."""
    problems: list[str] = []
    stored = registry.signal_ids() - before
    acknowledged = set(result.acknowledged.values())
    if len(acknowledged) != len(result.acknowledged):
        problems.append("two idempotency keys were answered with the same signal id")
    if missing := acknowledged - stored:
        problems.append(f"{len(missing)} acknowledged signals are not stored")
    if extra := stored - acknowledged:
        problems.append(f"{len(extra)} stored signals were never acknowledged")
    if result.unacknowledged:
        problems.append(f"{len(result.unacknowledged)} signals never got an answer")
    if half := registry.signals_without_categories():
        problems.append(f"{half} signals are stored without their categories")
    return problems + registry.ledger_problems()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL server URL; a fresh database is made and dropped")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
        url = (stack.enter_context(fresh_postgres_database(args.database_url, prefix="load"))
               if args.database_url else f"sqlite:///{folder / 'load.db'}")
        registry = open_registry(url, folder / "data")
        stack.callback(registry.close)
        workload = prepare(registry)
        before = registry.signal_ids()
        server = launch_server(registry, workers=args.workers, threads=args.threads)
        stack.callback(server.stop)
        result = run_load(server, workload, clients=args.clients, seconds=args.seconds)
        problems = storage_problems(registry, before, result)
        backend = "PostgreSQL" if args.database_url else "SQLite"
        print(f"{backend}, {args.clients} clients, {args.seconds:g} s, {args.workers} workers x "
              f"{args.threads} threads, {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.1f} at the end")
        print(result.table())
        for line in result.unexpected[:20]:
            print(f"  unexpected: {line}")
        print("database check: " + ("OK" if not problems else "; ".join(problems)))
        if problems or result.server_errors or result.unexpected:
            sys.exit(1)


if __name__ == "__main__":
    main()
