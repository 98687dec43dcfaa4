"""API intake: signals per second with concurrent clients, against ``signal-registry serve``.

Each run sets up a fresh database (a temporary SQLite file, or a fresh schema in the PostgreSQL
database given with ``--database-url``), loads the demo organisation, creates an adviser with an
API token through the CLI, starts ``signal-registry serve`` on 127.0.0.1 and lets ``--clients``
threads POST valid signals to ``/api/v1/signals`` over keep-alive connections for
``--duration`` seconds. Only loopback is used; every loop is bounded in time.

    .venv/bin/python bench/bench_intake.py
    .venv/bin/python bench/bench_intake.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy import create_engine, text

from privacy.signing import create_signing_key_file
from registry.organisations import structure_to_csv
from registry.records import SELF_REPORT_CHANNEL
from server.demo import DEMO_ORGANISATION
from server.demo_data import demo_org, demo_signals

CLI = [sys.executable, "-m", "server.cli"]


@dataclass(frozen=True)
class RunResult:
    signals_per_second: float
    p50_ms: float
    p95_ms: float
    errors: int


def payloads(count: int = 2000) -> list[bytes]:
    """Valid bodies for the demo organisation: the demo generator's mix of fields."""
    org = demo_org()
    records, _ = demo_signals(org, months=12)
    # The adviser's API refuses the meldknop's own channel, which the demo also uses.
    mine = [r for r in records if r.organisation == DEMO_ORGANISATION
            and r.channel != SELF_REPORT_CHANNEL][:count]
    return [json.dumps({
        "period": str(r.period), "unit": r.unit, "channel": r.channel,
        "categories": list(r.categories), "implicated_party": r.implicated_party,
        "reporter_role": r.reporter_role, "follow_up": r.follow_up, "impact": list(r.impact),
        **({"case_token": r.case_token} if r.case_token else {}),
    }).encode() for r in mine]


@contextmanager
def fresh_database(base_url: str | None) -> Iterator[str]:
    if not base_url:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'intake.db'}"
        return
    schema = "bench_" + secrets.token_hex(4)
    admin = create_engine(base_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    parts = urlsplit(base_url)
    query = "&".join(q for q in (parts.query, urlencode({"options": f"-csearch_path={schema}"}))
                     if q)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(env: dict[str, str], folder: Path) -> str:
    """Schema, organisation and an adviser token, all through the CLI as an operator would."""
    org_file = folder / "org.csv"
    org_file.write_text(structure_to_csv(demo_org().units), encoding="utf-8")
    for args in (["init-db"], ["load-org", str(org_file)]):
        subprocess.run([*CLI, *args], env=env, check=True, capture_output=True, timeout=120)
    created = subprocess.run(
        [*CLI, "create-user", "--role", "adviser", "--organisation", DEMO_ORGANISATION,
         "--username", "bench-adviseur", "--token"],
        env=env, check=True, capture_output=True, text=True, timeout=120,
    )
    return created.stdout.strip().splitlines()[-1]


def wait_until_up(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/taxonomy")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not come up")


def load(port: int, token: str, bodies: list[bytes], clients: int, warmup: float,
         duration: float) -> RunResult:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start = time.monotonic() + warmup
    stop = start + duration
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = index
        while (now := time.monotonic()) < stop:
            body = bodies[n % len(bodies)]
            n += clients
            began = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/signals", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 201
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            if now >= start:  # requests started during the warm-up are not counted
                if ok:
                    latencies[index].append(time.perf_counter() - began)
                else:
                    errors[index] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = sorted(x for per_client in latencies for x in per_client)
    if not done:
        raise RuntimeError("no request succeeded")
    return RunResult(len(done) / duration, 1000 * done[len(done) // 2],
                     1000 * done[int(len(done) * 0.95)], sum(errors))


def one_run(args: argparse.Namespace, bodies: list[bytes]) -> RunResult:
    with fresh_database(args.database_url) as url, tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": url, "SIGNAL_REGISTRY_MODE": "production",
               "SIGNAL_REGISTRY_MASTER_SECRET": secrets.token_hex(32),
               "SIGNAL_REGISTRY_SECRET_KEY": secrets.token_hex(32),
               "SIGNAL_REGISTRY_SIGNING_KEY_FILE": f"{folder}/signing-key",
               "SIGNAL_REGISTRY_DATA_DIR": folder}
        create_signing_key_file(Path(folder) / "signing-key")  # production makes none up
        token = prepare(env, Path(folder))
        port = free_port()
        # Several workers need a shared rate-limit store (production serve refuses otherwise):
        # SIGNAL_REGISTRY_RATE_LIMIT_STORAGE=redis://... in the environment, else one process.
        shared = not env.get("SIGNAL_REGISTRY_RATE_LIMIT_STORAGE", "memory://").startswith("memory:")
        workers, threads = ((args.workers, args.threads) if shared
                            else (1, args.workers * args.threads))
        server = subprocess.Popen(
            [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers), "--threads", str(threads)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        try:
            wait_until_up(port, server)
            return load(port, token, bodies, args.clients, args.warmup, args.duration)
        finally:
            server.terminate()
            _, err = server.communicate(timeout=60)
            if "Traceback" in err:
                print(err, file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL base URL; a fresh schema is made and dropped per run")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    bodies = payloads()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    results = []
    for run in range(1, args.runs + 1):
        result = one_run(args, bodies)
        results.append(result)
        print(f"run {run}: {result.signals_per_second:.0f} signals/s, p50 {result.p50_ms:.1f} ms, "
              f"p95 {result.p95_ms:.1f} ms, {result.errors} errors "
              f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    print(f"\n{backend}, {args.clients} clients, {args.workers} workers x {args.threads} threads, "
          f"{args.duration:g} s per run, median of {args.runs}:")
    print(f"  {statistics.median(r.signals_per_second for r in results):.0f} signals/s, "
          f"p50 {statistics.median(r.p50_ms for r in results):.1f} ms, "
          f"p95 {statistics.median(r.p95_ms for r in results):.1f} ms, "
          f"errors {sum(r.errors for r in results)}")


if __name__ == "__main__":
    main()
