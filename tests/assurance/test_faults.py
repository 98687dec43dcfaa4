"""Faults: a process killed half-way, the database gone and back, a full or read-only disk.

What must hold every time: nothing is stored in part (a killed import stores all rows or none,
a killed budget spend leaves spends and releases in step), a user gets a clear Dutch 503 (a
JSON error list under /api, a page elsewhere, with Retry-After) instead of a 500, and the
service recovers by itself once the database is back.
"""

from __future__ import annotations

import io
import json
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from bench.bench_import import make_csv
from registry.accounts import Role
from registry.db import DatabaseFault, database_fault
from registry.idempotency import IdempotencyKey
from registry.models import Signal
from registry.periods import Month
from server.errors import DATABASE_MESSAGES, RETRY_AFTER_SECONDS
from tests.assurance.conftest import (
    CLI,
    ROOT,
    LiveServer,
    PrivatePostgres,
    Registry,
    fresh_postgres_database,
    signed_in,
)

pytestmark = pytest.mark.assurance

IMPORT_ROWS = 25_000
SPEND = "1/510"  # rho without a finite decimal: the ledger must stay exact
# A share of the year's cap (default rho 0.311064): 150 releases of 1/510, more than a fast
# machine makes before the kills.
BUDGET = 150 * Fraction(SPEND)
SPENDER_CONSUMER = "researcher:fault-test"
SPENDER = f"""
import sys
from privacy.ledger import BudgetExceeded
from server.app import create_app
from server.settings import Settings

consumer, year, run = sys.argv[1], int(sys.argv[2]), sys.argv[3]
services = create_app(Settings.from_env()).extensions["signal_registry"]
releases = services.releases
n = 0
while True:
    spec = {{"question": n, "run": run}}
    try:
        result = releases.release(consumer, consumer, year, spec, "{SPEND}", lambda: {{"answer": n}})
    except BudgetExceeded:
        print("exhausted", flush=True)
        break
    print("released", result.release.id, flush=True)
    n += 1
"""


def signal_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "period": str(Month.current()), "unit": "MIN-A-DG1-D1", "channel": "vp_intern",
        "categories": ["pesten"], "implicated_party": "collega", "reporter_role": "medewerker",
        "follow_up": "advies", "impact": [],
    }
    body.update(changes)
    return body


def assert_dutch_503(status: int, headers: Any, body: str, fault: DatabaseFault) -> None:
    """A 503 with Retry-After and the Dutch message; the API's in the one JSON error shape."""
    assert status == 503, body[:500]
    # At least the outage's wait: on a token API, Flask-Limiter raises Retry-After to the end of
    # the token's rate-limit window when that is later (it takes the larger of the two).
    assert RETRY_AFTER_SECONDS <= int(headers["Retry-After"]) <= 60
    message = DATABASE_MESSAGES[fault]
    if headers["Content-Type"].startswith("application/json"):
        assert json.loads(body) == {"ok": False, "status": 503, "message": message,
                                    "errors": [{"field": "", "message": message}]}
    else:
        assert headers["Content-Type"].startswith("text/html")
        assert '<html lang="nl">' in body and message in body


# -- SIGKILL during a bulk import --------------------------------------------------------------

def import_under_way(registry: Registry, baseline_size: int) -> bool:
    """True once the import's one transaction has written signal rows it has not committed."""
    if registry.services.db.is_sqlite:
        # With a rollback journal, uncommitted pages spill from SQLite's page cache into the
        # database file itself (the journal, which undoes them, is written first) long before
        # the commit: a file over 1 MB larger with its journal beside it is a storing import.
        database = Path(registry.database_url.split("///", 1)[1])
        journal = Path(f"{database}-journal")
        return journal.exists() and database.stat().st_size > baseline_size + 1_000_000
    with registry.services.db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
            "AND query ILIKE 'INSERT INTO signal%'")).scalar())


def signal_count(registry: Registry) -> int:
    with registry.services.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Signal)) or 0)


def test_an_import_killed_while_storing_stores_nothing_and_a_rerun_stores_every_row(
        live_database_url: str, make_registry: Callable[..., Registry], tmp_path: Path) -> None:
    registry = make_registry(live_database_url)
    csv = tmp_path / "groot.csv"
    make_csv(csv, IMPORT_ROWS)
    command = [*CLI, "import", str(csv), "--channel", "vp_intern",
               "--mapping", "vertrouwenspersoon-jaarverslag"]
    database = Path(live_database_url.split("///", 1)[-1])
    baseline_size = database.stat().st_size if database.exists() else 0

    process = subprocess.Popen(command, env=registry.env, cwd=ROOT,  # noqa: S603 - own CLI
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = _collect(process.stderr)
    deadline = time.monotonic() + 240
    while not (b"in \xc3\xa9\xc3\xa9n transactie" in stderr.getvalue()
               and import_under_way(registry, baseline_size)):
        assert process.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline, "the import never got to storing"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL

    assert signal_count(registry) == 0, "a killed import left part of its rows behind"
    _assert_database_intact(registry)
    rerun = registry.run_cli(*command[len(CLI):], timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert signal_count(registry) == IMPORT_ROWS
    assert registry.signals_without_categories() == 0


class _Collector:
    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def getvalue(self) -> bytes:
        return b"".join(self._chunks)


def _collect(stream: Any) -> _Collector:
    """Read a pipe in the background (a full pipe would block the child)."""
    collector = _Collector()

    def pump() -> None:
        for chunk in iter(lambda: stream.read1(4096), b""):
            collector._chunks.append(chunk)

    threading.Thread(target=pump, daemon=True).start()
    return collector


def _assert_database_intact(registry: Registry) -> None:
    if registry.services.db.is_sqlite:
        path = registry.database_url.split("///", 1)[1]
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# -- SIGKILL during budget spending ------------------------------------------------------------

def spend_in_progress(registry: Registry) -> bool:
    """True while another process holds an open write transaction (so the kill lands in it)."""
    if registry.services.db.is_sqlite:
        conn = sqlite3.connect(registry.database_url.split("///", 1)[1], timeout=0,
                               isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # "database is locked": the spender holds the lock
            return True
        finally:
            conn.close()
    with registry.services.db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")).scalar())


def run_spender(registry: Registry, run: str) -> subprocess.Popen[str]:
    year = Month.current().year
    return subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", SPENDER, SPENDER_CONSUMER, str(year), run], env=registry.env,
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def released_ids(registry: Registry) -> set[str]:
    with registry.services.db.engine.connect() as conn:
        return set(conn.execute(text("SELECT id FROM privacy_releases")).scalars())


def assert_ledger_in_step(registry: Registry, acknowledged: set[str]) -> None:
    assert registry.ledger_problems() == []
    releases = released_ids(registry)
    assert acknowledged <= releases, "a release the spender saw committed is gone"
    status = registry.services.ledger.status(SPENDER_CONSUMER, Month.current().year)
    assert status.spent == len(releases) * Fraction(SPEND)
    assert status.remaining == BUDGET - status.spent


def test_budget_spending_killed_mid_transaction_keeps_ledger_and_releases_in_step(
        live_database_url: str, make_registry: Callable[..., Registry]) -> None:
    registry = make_registry(live_database_url)
    registry.services.ledger.set_budget(SPENDER_CONSUMER, Month.current().year, BUDGET)
    acknowledged: set[str] = set()
    rng = random.Random(11)
    for run in range(3):
        spender = run_spender(registry, f"killed-{run}")
        assert spender.stdout is not None
        # Let a few releases commit, then wait (a random while) for an open write transaction.
        for _ in range(3 + run):
            line = spender.stdout.readline()
            assert line.startswith("released "), spender.stderr.read() if spender.stderr else line
            acknowledged.add(line.split()[1])
        time.sleep(rng.uniform(0, 0.3))
        deadline = time.monotonic() + 60
        while not spend_in_progress(registry):
            assert spender.poll() is None, "the spender ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.002)
        spender.send_signal(signal.SIGKILL)
        out, _ = spender.communicate(timeout=30)
        acknowledged |= {line.split()[1] for line in out.splitlines() if line.startswith("released ")}
        assert spender.returncode == -signal.SIGKILL
        assert_ledger_in_step(registry, acknowledged)
        _assert_database_intact(registry)

    # After the kills, spending goes on until exactly the whole budget is spent.
    final = run_spender(registry, "to-the-end")
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err[-2000:]
    assert out.splitlines()[-1] == "exhausted"
    acknowledged |= {line.split()[1] for line in out.splitlines() if line.startswith("released ")}
    assert_ledger_in_step(registry, acknowledged)
    status = registry.services.ledger.status(SPENDER_CONSUMER, Month.current().year)
    assert (status.spent, status.remaining) == (BUDGET, 0)
    assert len(released_ids(registry)) == BUDGET / Fraction(SPEND)


# -- PostgreSQL stopped and started under load -------------------------------------------------

class Intake:
    """Client threads posting signals, one attempt per Idempotency-Key, recording every answer."""

    def __init__(self, base_url: str, token: str, clients: int):
        self.base_url = base_url
        self.token = token
        self.answers: list[tuple[str, int, str | None, float]] = []  # key, status, id, began
        self.wire_errors: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(i,), daemon=True)
                         for i in range(clients)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)

    def _client(self, index: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        n = 0
        while not self._stop.is_set():
            key = f"fault-{index}-{n}"
            n += 1
            began = time.monotonic()
            try:
                response = session.post(self.base_url + "/api/v1/signals", json=signal_body(),
                                        headers={"Idempotency-Key": key}, timeout=60)
            except requests.RequestException as exc:
                with self._lock:
                    self.wire_errors.append(type(exc).__name__)
                continue
            stored_id = response.json().get("id") if response.status_code == 201 else None
            with self._lock:
                self.answers.append((key, response.status_code, stored_id, began))
            time.sleep(0.02)

    def wait_for(self, status: int, *, since: float = 0.0, count: int = 1,
                 timeout: float = 90) -> float:
        """Block until ``count`` answers with ``status`` to requests begun after ``since``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                seen = [a for a in self.answers if a[1] == status and a[3] >= since]
            if len(seen) >= count:
                return time.monotonic()
            time.sleep(0.05)
        raise AssertionError(f"no {count} answers {status} within {timeout:g} s: "
                             f"{sorted({a[1] for a in self.answers})}")


def test_postgres_stopped_under_load_answers_503_stores_nothing_half_and_recovers_by_itself(
        private_postgres: PrivatePostgres, make_registry: Callable[..., Registry],
        start_server: Callable[..., LiveServer]) -> None:
    with fresh_postgres_database(private_postgres.url, prefix="faults") as url:
        registry = make_registry(url)
        adviser, password = registry.account(Role.ADVISER, "MIN-A")
        token = registry.services.accounts.create_token(adviser.account_id, "faults")
        # Six clients send again every 20 ms on one token, and a 503 comes back at once: that
        # passes the per-token limit (600 a minute, tests/server/test_api_limits.py) within
        # seconds, and a 429 then hides what this test is about. Raised for this server only.
        registry.env["SIGNAL_REGISTRY_API_RATE_LIMIT"] = "100000 per minute"
        server = start_server(registry)
        pid = server.process.pid
        browser = signed_in(server.url, adviser.username, password)
        intake = Intake(server.url, token, clients=6)
        intake.start()
        try:
            intake.wait_for(201, count=10)
            private_postgres.stop("immediate")  # like a crash: every connection cut at once
            stopped = time.monotonic()
            intake.wait_for(503, since=stopped, count=5)
            api = requests.post(server.url + "/api/v1/signals", json=signal_body(), timeout=60,
                                headers={"Authorization": f"Bearer {token}"})
            assert_dutch_503(api.status_code, api.headers, api.text, DatabaseFault.UNAVAILABLE)
            page = browser.get(server.url + "/signalen/nieuw", timeout=60,
                               headers={"Accept": "text/html"})
            assert_dutch_503(page.status_code, page.headers, page.text, DatabaseFault.UNAVAILABLE)
            private_postgres.start()
            restarted = time.monotonic()
            recovered = intake.wait_for(201, since=restarted, count=1, timeout=60)
            time.sleep(3)
        finally:
            intake.stop()

        assert server.alive() and server.process.pid == pid, "the app was not restarted"
        assert intake.wire_errors == []
        statuses = {status for _, status, _, _ in intake.answers}
        assert statuses == {201, 503}, statuses
        after_recovery = [a for a in intake.answers if a[3] >= recovered]
        assert after_recovery and all(status == 201 for _, status, _, _ in after_recovery)
        # Exactly what was acknowledged is stored; no refused request left a signal or a key.
        acknowledged = {stored for _, status, stored, _ in intake.answers if status == 201}
        assert registry.signal_ids() == acknowledged
        assert registry.signals_without_categories() == 0
        refused = [key for key, status, _, _ in intake.answers if status == 503]
        pseudonyms = registry.services.pseudonymizer
        would_be = {pseudonyms.idempotent_signal(adviser.account_id, key, Month.current(), 0)[0]
                    for key in refused}
        assert would_be.isdisjoint(registry.signal_ids())
        with registry.services.db.session() as session:
            keys = session.scalar(select(func.count()).select_from(IdempotencyKey))
        assert keys == len(acknowledged)


# -- SQLite: a full disk and a read-only database ----------------------------------------------

@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The ``app`` fixture on SQLite only: these faults are simulated with SQLite pragmas."""
    return f"sqlite:///{tmp_path / 'faults.db'}"


@contextmanager
def sqlite_fault(engine: Any, fault: DatabaseFault) -> Iterator[None]:
    """Every new connection of ``engine`` full (no page beyond the current ones) or read-only."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if fault is DatabaseFault.FULL:
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {int(pages)}")
        else:
            cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    event.listen(engine, "connect", on_connect)
    engine.dispose()  # pooled connections were opened without the fault
    try:
        yield
    finally:
        event.remove(engine, "connect", on_connect)
        engine.dispose()


def _upload(client: Any, csrf_from: Callable[[str], str], content: bytes) -> Any:
    page = client.get("/signalen/import").get_data(as_text=True)
    form_id = page.split('name="form_id" value="', 1)[1].split('"', 1)[0]
    return client.post("/signalen/import", content_type="multipart/form-data",
                       headers={"Accept": "text/html"}, data={
                           "csrf_token": csrf_from(page), "mapping": "vertrouwenspersoon-jaarverslag",
                           "channel": "vp_intern", "encoding": "utf-8", "action": "import",
                           "form_id": form_id, "file": (io.BytesIO(content), "groot.csv")})


@pytest.mark.parametrize("fault", [DatabaseFault.FULL, DatabaseFault.READ_ONLY])
def test_a_full_or_read_only_sqlite_database_refuses_clearly_and_loses_nothing(
        fault: DatabaseFault, services: Any, client: Any, make_token: Any, login: Any,
        csrf_from: Any, tmp_path: Path) -> None:
    headers = make_token(Role.ADVISER, "MIN-A")
    earlier = {client.post("/api/v1/signals", json=signal_body(), headers=headers).get_json()["id"]
               for _ in range(5)}
    login(Role.ADVISER, "MIN-A")  # the web pages below need a session; sign in while writable
    csv = tmp_path / "upload.csv"
    make_csv(csv, 2_000)
    batch = {"signals": [signal_body(unit=unit) for unit in ("MIN-A-DG1-D1", "MIN-A-DG2") * 250]}

    with sqlite_fault(services.db.engine, fault):
        refused = client.post("/api/v1/signals/batch", json=batch, headers=headers)
        assert_dutch_503(refused.status_code, refused.headers, refused.get_data(as_text=True), fault)
        page = _upload(client, csrf_from, csv.read_bytes())
        assert_dutch_503(page.status_code, page.headers, page.get_data(as_text=True), fault)
        # Reading goes on: the taxonomy and the signed-in pages still answer.
        assert client.get("/api/v1/taxonomy").status_code == 200
        assert client.get("/signalen/nieuw").status_code == 200

    assert {s.id for s in _stored(services)} == earlier, "earlier signals changed or a batch half-stored"
    again = client.post("/api/v1/signals/batch", json=batch, headers=headers)
    assert again.status_code == 201 and services.signals.count() == len(earlier) + 500


def _stored(services: Any) -> list[Signal]:
    with services.db.session() as session:
        return list(session.scalars(select(Signal)))


# -- Which database errors are outages ---------------------------------------------------------

class _DriverError(Exception):
    def __init__(self, sqlstate: str | None = None, sqlite_errorcode: int | None = None):
        super().__init__("driver error")
        if sqlstate is not None:
            self.sqlstate = sqlstate
        if sqlite_errorcode is not None:
            self.sqlite_errorcode = sqlite_errorcode


@pytest.mark.parametrize(("error", "expected"), [
    (OperationalError("INSERT", {}, _DriverError("08006")), DatabaseFault.UNAVAILABLE),
    (OperationalError("SELECT", {}, _DriverError("57P01")), DatabaseFault.UNAVAILABLE),
    (OperationalError("INSERT", {}, _DriverError("53100")), DatabaseFault.FULL),
    (ProgrammingError("INSERT", {}, _DriverError("25006")), DatabaseFault.READ_ONLY),
    (OperationalError("INSERT", {}, _DriverError(sqlite_errorcode=sqlite3.SQLITE_FULL)),
     DatabaseFault.FULL),
    (OperationalError("INSERT", {}, _DriverError(sqlite_errorcode=sqlite3.SQLITE_READONLY)),
     DatabaseFault.READ_ONLY),
    (OperationalError("SELECT", {}, _DriverError()), DatabaseFault.UNAVAILABLE),
    (IntegrityError("INSERT", {}, _DriverError("23505")), None),
    (ProgrammingError("SELECT", {}, _DriverError("42P01")), None),
    (ValueError("not a database error"), None),
])
def test_outages_are_told_apart_from_bugs(error: BaseException, expected: DatabaseFault | None) -> None:
    assert database_fault(error) is expected


def test_an_unexpected_integrity_error_stays_a_500_not_a_503(app: Any, client: Any) -> None:
    def clash() -> None:
        raise IntegrityError("INSERT", {}, _DriverError("23505"))

    app.add_url_rule("/api/v1/test-clash", "test_clash", clash)
    response = client.get("/api/v1/test-clash")
    assert response.status_code == 500 and "Retry-After" not in response.headers
