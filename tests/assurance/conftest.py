"""Fixtures for the assurance suites: a real registry, a real server, real databases.

Unlike the ``app`` fixture (Flask test client, one process), these run the product as an
operator would: ``signal-registry serve`` (gunicorn) in a subprocess on a free loopback port,
against a SQLite file or a PostgreSQL database of its own. Setup and checks go through an
in-process app on the same database and secrets (:class:`Registry`), so a test can create
accounts and tokens quickly and then read the database to see what really got stored.

Fixtures (all clean up after themselves):

``sqlite_url``
    A fresh SQLite file.
``shared_postgres_url``
    A fresh *database* ``assure_<random>`` on the shared server of ``TEST_DATABASE_URL``,
    dropped (with its connections) afterwards. Skipped without ``TEST_DATABASE_URL``, failed
    instead when ``REQUIRE_POSTGRES=1``.
``live_database_url``
    Parametrised: the SQLite file, then the shared-PostgreSQL database.
``private_postgres``
    A PostgreSQL instance of the test's own (``initdb`` as the ``postgres`` OS user, a free
    loopback port, a temporary socket directory), which a test may stop and start at will.
    Never touch the shared server on 5432 for that. Skipped without ``initdb`` (or when not
    root), failed instead when ``REQUIRE_POSTGRES=1``.
``make_registry(url)``
    A :class:`Registry` on ``url``: schema created, ``tests/fixtures/org-small.csv`` loaded.
``start_server(registry, workers=2, threads=4)``
    A :class:`LiveServer` serving that registry; stopped at teardown. Two workers share their
    rate-limit counters through Redis when it runs here, else one process runs all the threads
    (:func:`process_options`).
``signed_in(url, username, password)`` (a function)
    A ``requests.Session`` signed in through the login form, for HTML pages.
``live_server``
    Shortcut: a server on a fresh ``live_database_url`` registry.

Example::

    def test_something(live_server):
        headers = {"Authorization": f"Bearer {live_server.registry.token(Role.ADVISER, 'MIN-A')}"}
        response = requests.post(live_server.url + "/api/v1/signals", json=..., headers=headers)
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import create_engine, select, text

from privacy.models import Allocation, Charge, ReleaseRecord
from privacy.signing import create_signing_key_file
from registry.accounts import Principal, Role
from registry.models import Signal, SignalCategory
from registry.organisations import parse_org_csv
from registry.periods import Month
from server.app import create_app
from server.container import Services
from server.migrations import upgrade

ROOT = Path(__file__).resolve().parents[2]
ORG_CSV = ROOT / "tests" / "fixtures" / "org-small.csv"
CLI = [sys.executable, "-m", "server.cli"]
SHARED_PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``; fail instead when the run requires PostgreSQL (CI)."""
    if REQUIRE_POSTGRES:
        pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(reason)


def psycopg_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def with_database(url: str, database: str) -> str:
    """``url`` pointing at another database on the same server."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


@contextlib.contextmanager
def fresh_postgres_database(server_url: str, prefix: str = "assure") -> Iterator[str]:
    """A new database on the server of ``server_url``; dropped, connections and all, after."""
    name = f"{prefix}_{secrets.token_hex(5)}"
    admin = create_engine(psycopg_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield with_database(server_url, name)
    finally:
        with contextlib.suppress(Exception), admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Registry:
    """The product's database plus the settings a server on it needs, and an app to inspect it.

    ``env`` is the environment for ``signal-registry`` subprocesses (serve, import, ...); the
    in-process ``app`` uses the same database, master secret and signing key, so tokens it
    makes work against the server and hashes it computes match the server's.
    """

    database_url: str
    data_dir: Path
    env: dict[str, str]
    app: Flask

    @property
    def services(self) -> Services:
        services: Services = self.app.extensions["signal_registry"]
        return services

    def account(self, role: Role | str, organisation: str | None = "MIN-A") -> tuple[Principal, str]:
        """A new account of ``role``; returns the principal and its password."""
        role = Role(role)
        org = organisation if role.needs_organisation else None
        name = f"{role.value}-{secrets.token_hex(4)}"
        principal, password = self.services.accounts.create_user(
            name, role.value, organisation=org, default_channel="vp_intern",
            project=f"project-{name}" if role is Role.RESEARCHER else None)
        if role is Role.RESEARCHER:
            # A research project's share of this year's cap, as an administrator gives it
            # (the release plan takes 0.226 of 0.311): two new questions of epsilon 0.2 (rho
            # 0.02 each), then refusals.
            self.services.ledger.set_budget(f"research:{principal.project}",
                                            Month.current().year, "0.04")
        return principal, password

    def token(self, role: Role | str, organisation: str | None = "MIN-A") -> str:
        """A bearer token of a new account of ``role``."""
        principal, _ = self.account(role, organisation)
        return self.services.accounts.create_token(principal.account_id, "assurance")

    def signal_ids(self) -> set[str]:
        """Ids of every stored signal, read straight from the database."""
        with self.services.db.session() as session:
            return set(session.scalars(select(Signal.id)))

    def signals_without_categories(self) -> int:
        """Signals stored without any category row: a half-stored signal would show up here."""
        with self.services.db.session() as session:
            having = select(SignalCategory.signal_id)
            return len(session.scalars(select(Signal.id).where(Signal.id.not_in(having))).all())

    def ledger_problems(self) -> list[str]:
        """Every way the capped ledger disagrees with the releases; empty when consistent.

        Consistent means: every charge names a stored release of the same consumer, in a data
        year the release touches (from its first year on); every paid release (cost above 0,
        charged in rho) has its charges and each of them is exactly the release's cost (each
        data year is charged in full); no consumer-year has spent more than its allocation, and
        no year more than its cap; and the ledger's own status (spent, remaining) equals those
        sums. Amounts are compared as exact fractions.
        """
        problems: list[str] = []
        with self.services.db.session() as session:
            releases = {r.id: r for r in session.scalars(select(ReleaseRecord))}
            charges = list(session.scalars(select(Charge)))
            shares = {(a.consumer, a.year): Fraction(a.rho)
                      for a in session.scalars(select(Allocation))}
        charged: dict[str, list[Fraction]] = {}
        spent: dict[tuple[str, int], Fraction] = {}
        for charge in charges:
            release = releases.get(charge.release_id)
            if release is None:
                problems.append(f"charge {charge.id} pays for release {charge.release_id}, "
                                "which is absent")
            elif release.consumer != charge.consumer or charge.year < release.year:
                problems.append(f"charge {charge.id} is charged to another consumer or year than "
                                f"release {release.id}")
            charged.setdefault(charge.release_id, []).append(Fraction(charge.rho))
            key = (charge.consumer, charge.year)
            spent[key] = spent.get(key, Fraction(0)) + Fraction(charge.rho)
        for release in releases.values():
            cost = Fraction(release.epsilon_spent)
            if release.budget_unit != "rho" or cost == 0:
                continue  # made before the cap, or prepaid by the first release of its series
            if release.id not in charged:
                problems.append(f"release {release.id} has no charge")
            elif any(amount != cost for amount in charged[release.id]):
                problems.append(f"release {release.id} costs {release.epsilon_spent} but "
                                f"{charged[release.id]} was charged for it")
        ledger = self.services.ledger
        by_year: dict[int, Fraction] = {}
        for (consumer, year), amount in sorted(spent.items()):
            by_year[year] = by_year.get(year, Fraction(0)) + amount
            share = shares.get((consumer, year), Fraction(0))
            if amount > share:
                problems.append(f"{consumer} {year} spent {amount}, over its share of {share}")
            status = ledger.status(consumer, year)
            if (status.spent, status.remaining) != (amount, max(share - amount, Fraction(0))):
                problems.append(f"{consumer} {year}: ledger status {status} disagrees with the "
                                f"charges ({amount} of {share})")
        for year, amount in sorted(by_year.items()):
            cap = ledger.cap(year).rho
            if amount > cap:
                problems.append(f"{year} spent {amount}, over its cap of {cap}")
        return problems

    def run_cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``signal-registry ARGS`` on this registry; never raises on exit status."""
        return subprocess.run([*CLI, *args], env=self.env, cwd=ROOT, capture_output=True,  # noqa: S603
                              text=True, timeout=timeout, check=False)

    def close(self) -> None:
        self.services.db.dispose()


def open_registry(database_url: str, data_dir: Path, *, load: bool = True) -> Registry:
    """A :class:`Registry` on ``database_url``; with ``load``, schema and org-small.csv too."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if not (data_dir / "signing-key").exists():  # production makes none up
        create_signing_key_file(data_dir / "signing-key")
    settings = {
        "database_url": database_url,
        "mode": "production",
        "master_secret": secrets.token_hex(32),
        "secret_key": secrets.token_hex(32),
        "data_dir": str(data_dir),
        "signing_key_file": str(data_dir / "signing-key"),
        # Plain http on loopback: a Secure cookie would never be sent back.
        "secure_cookies": False,
    }
    env = {**os.environ, "DATABASE_URL": database_url, "SIGNAL_REGISTRY_MODE": "production",
           "SIGNAL_REGISTRY_MASTER_SECRET": settings["master_secret"],
           "SIGNAL_REGISTRY_SECRET_KEY": settings["secret_key"],
           "SIGNAL_REGISTRY_DATA_DIR": str(data_dir),
           "SIGNAL_REGISTRY_SIGNING_KEY_FILE": str(data_dir / "signing-key"),
           "SIGNAL_REGISTRY_SECURE_COOKIES": "false",
           "PYTHONPATH": str(ROOT)}
    app = create_app(settings)
    registry = Registry(database_url, data_dir, env, app)
    if load:
        upgrade(registry.services.db.engine)
        registry.services.replace_org(parse_org_csv(ORG_CSV.read_text(encoding="utf-8")))
    return registry


@dataclass
class LiveServer:
    """``signal-registry serve`` in a subprocess; ``url`` is its base address (no slash)."""

    registry: Registry
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        """What the server wrote to stderr so far (gunicorn and the app's error log)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def process_options(workers: int, threads: int) -> tuple[list[str], dict[str, str]]:
    """``serve`` arguments and environment for ``workers`` x ``threads`` in production mode.

    Several workers must share their rate-limit counters (``serve`` refuses otherwise): through
    Redis when it runs here, in a database of its own among 1..15 so that servers of different
    tests rarely meet; without Redis, one process runs all the threads.
    """
    if workers > 1 and redis_reachable():
        storage = f"{REDIS_URL.rstrip('/')}/{secrets.randbelow(15) + 1}"
        return (["--workers", str(workers), "--threads", str(threads)],
                {"SIGNAL_REGISTRY_RATE_LIMIT_STORAGE": storage})
    return ["--workers", "1", "--threads", str(workers * threads)], {}


def launch_server(registry: Registry, *, workers: int = 2, threads: int = 4,
                  timeout: float = 90) -> LiveServer:
    """Start a server on a free port and wait until it answers ``/api/v1/taxonomy``."""
    port = free_port()
    log_path = registry.data_dir / f"server-{port}.log"
    options, env = process_options(workers, threads)
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - the product's own command, fixed arguments
            [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), *options],
            env={**registry.env, **env}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
    server = LiveServer(registry, process, port, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            if requests.get(server.url + "/api/v1/taxonomy", timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"server did not come up in {timeout:g} s:\n{server.log()}")


def signed_in(base_url: str, username: str, password: str) -> requests.Session:
    """A browser-like session signed in through the login form, CSRF token and all."""
    session = requests.Session()
    page = session.get(base_url + "/login", timeout=60).text
    marker = 'name="csrf_token" type="hidden" value="'
    if marker not in page:
        marker = 'name="csrf_token" value="'
    token = page.split(marker, 1)[1].split('"', 1)[0]
    answer = session.post(base_url + "/login", timeout=60, allow_redirects=False,
                          data={"username": username, "password": password, "csrf_token": token})
    if answer.status_code != 302:
        raise RuntimeError(f"signing in as {username} failed with {answer.status_code}")
    return session


@dataclass
class PrivatePostgres:
    """A throw-away PostgreSQL cluster owned by the ``postgres`` OS user, on loopback only."""

    bin_dir: Path
    folder: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        # initdb and postgres refuse to run as root, hence runuser.
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        subprocess.run([runuser, "-u", "postgres", "--", *args],  # noqa: S603 - fixed PostgreSQL tools
                       check=True, timeout=timeout, capture_output=True)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.folder, "postgres", "postgres")
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} "
                   "-c fsync=off -c shared_buffers=32MB -c max_connections=100")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: like a crash, no checkpoint, every connection cut at once."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


def find_pg_bin() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if candidates:
        return candidates[0].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'registry.db'}"


@pytest.fixture
def shared_postgres_url() -> Iterator[str]:
    if not SHARED_PG_URL:
        skip_or_fail("TEST_DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    with fresh_postgres_database(SHARED_PG_URL) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def live_database_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "shared_postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        skip_or_fail("initdb was not found (install PostgreSQL server binaries)")
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        skip_or_fail("a private PostgreSQL needs root and runuser to run initdb as 'postgres'")
    assert bin_dir is not None
    # Not under pytest's tmp_path: its parent is private to root, and postgres must enter it.
    folder = Path(tempfile.mkdtemp(prefix="assure-pg-"))
    os.chmod(folder, 0o755)  # noqa: S103 - the postgres user must reach its cluster folder
    instance = PrivatePostgres(bin_dir, folder / "cluster")
    try:
        instance.init()
        instance.start()
        yield instance
    finally:
        if instance.running():
            with contextlib.suppress(Exception):
                instance.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def make_registry(tmp_path: Path) -> Iterator[Callable[..., Registry]]:
    made: list[Registry] = []

    def _make(database_url: str, *, load: bool = True) -> Registry:
        registry = open_registry(database_url, tmp_path / f"registry-{len(made)}", load=load)
        made.append(registry)
        return registry

    yield _make
    for registry in made:
        registry.close()


@pytest.fixture
def start_server() -> Iterator[Callable[..., LiveServer]]:
    started: list[LiveServer] = []

    def _start(registry: Registry, *, workers: int = 2, threads: int = 4) -> LiveServer:
        server = launch_server(registry, workers=workers, threads=threads)
        started.append(server)
        return server

    yield _start
    for server in started:
        server.stop()


@pytest.fixture
def live_server(live_database_url: str, make_registry: Callable[..., Registry],
                start_server: Callable[..., LiveServer]) -> LiveServer:
    return start_server(make_registry(live_database_url))
