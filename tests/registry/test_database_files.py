"""What an SQLite database FILE gives away: read as bytes, as someone who copies it would.

A copy of ``registry.db`` (and of any ``-wal`` or ``-journal`` next to it) must not hold a
withdrawn signal, nor show in which order the stored signals arrived. The signals go in one
transaction each, through the real service, as the intake API stores them.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from registry.db import Database
from registry.periods import Month
from registry.records import SignalRecord

# SQLite only: PostgreSQL's files are not the application's to shape (docs/assurance.md).
on_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SIGNALS = 300
UNITS = ("MIN-A-DG1-D1", "MIN-A-DG1-D2", "MIN-A-DG2", "MIN-B-D1")


def _record(index: int) -> SignalRecord:
    unit = UNITS[index % len(UNITS)]
    return SignalRecord(period=Month.current(), unit=unit, organisation=unit[:5],
                        channel="vp_intern", categories=("pesten", "werkdruk")[: 1 + index % 2],
                        implicated_party="collega", reporter_role="medewerker",
                        follow_up="advies", impact=("verzuim",) if index % 3 == 0 else (),
                        case_token=f"ZAAK-{secrets.token_hex(8)}" if index % 2 == 0 else None)


def _stored_fields(services, signal_id: str) -> list[bytes]:  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        row = session.execute(text("SELECT id, receipt_hash, case_pseudonym FROM signals "
                                   "WHERE id = :id"), {"id": signal_id}).one()
    return [value.encode() for value in row if value]


def _files(database_url: str) -> dict[str, bytes]:
    path = Path(database_url.split("///", 1)[1])
    return {p.name: p.read_bytes() for p in path.parent.glob(path.name + "*")}


def _in_files(database_url: str, traces: list[bytes]) -> list[bytes]:
    raw = b"".join(_files(database_url).values())
    return [t for t in traces if t in raw]


def _rank_correlation(xs: list[int], ys: list[int]) -> float:
    """Spearman's rho of two lists without ties."""
    def ranks(values: list[int]) -> list[int]:
        order = sorted(range(len(values)), key=values.__getitem__)
        out = [0] * len(values)
        for rank, index in enumerate(order):
            out[index] = rank
        return out

    rx, ry, n = ranks(xs), ranks(ys), len(xs)
    return 1 - 6 * sum((a - b) ** 2 for a, b in zip(rx, ry, strict=True)) / (n * (n * n - 1))


@pytest.fixture
def arrived(services, database_url):  # type: ignore[no-untyped-def]
    """SIGNALS stored one by one, then every seventh withdrawn with its receipt.

    Returns (ids still stored in arrival order, every stored value of the withdrawn signals).
    """
    stored = [services.signals.store(_record(i)) for i in range(SIGNALS)]
    withdrawn = stored[3::7]
    traces = [field for s in withdrawn for field in _stored_fields(services, s.id)]
    assert any(len(t) > 32 for t in traces)  # receipt hashes and case pseudonyms, not only ids
    for signal in withdrawn:
        services.signals.withdraw(signal.receipt)
    # The files are read while the app still holds its connections open, as a backup or a
    # copy taken of a running server would; closing the last one would tidy up a WAL.
    assert services.signals.count() == len(stored) - len(withdrawn)
    kept = [s.id for s in stored if s not in withdrawn]
    return kept, traces


@on_sqlite
def test_the_files_hold_nothing_of_a_withdrawn_signal(arrived, database_url) -> None:  # type: ignore[no-untyped-def]
    kept, traces = arrived
    files = _files(database_url)
    raw = b"".join(files.values())
    assert all(signal_id.encode() in raw for signal_id in kept)  # the scan does see signals
    assert [t for t in traces if t in raw] == []


@on_sqlite
def test_no_log_next_to_the_database_holds_signals(arrived, database_url) -> None:  # type: ignore[no-untyped-def]
    kept, _ = arrived
    database = Path(database_url.split("///", 1)[1]).name
    logs = {name: data for name, data in _files(database_url).items() if name != database}
    assert not any(name.endswith("-wal") and data for name, data in logs.items())
    assert [name for name, data in logs.items() if any(i.encode() in data for i in kept)] == []


@on_sqlite
def test_the_order_in_the_file_does_not_follow_arrival(arrived, database_url) -> None:  # type: ignore[no-untyped-def]
    kept, _ = arrived
    raw = b"".join(_files(database_url).values())
    offsets = [raw.find(signal_id.encode()) for signal_id in kept]
    rho = _rank_correlation(list(range(len(kept))), offsets)
    # Random order gives |rho| around 1/sqrt(n), 0.06 here; 0.3 is five standard deviations.
    assert abs(rho) < 0.3, rho


@on_sqlite
def test_the_files_hold_nothing_of_a_purged_signal(services, database_url) -> None:  # type: ignore[no-untyped-def]
    # Without the erasure, 300 purged among 300 kept left 4 to 11 traces in every trial run.
    old = [services.signals.store(replace(_record(i), period=Month(2019, 1 + i % 12)))
           for i in range(SIGNALS)]
    kept = [services.signals.store(_record(i)) for i in range(SIGNALS)]
    traces = [field for s in old for field in _stored_fields(services, s.id)]
    services.signals.purge(Month(2020, 1))
    services.outcomes.purge_orphans()
    assert services.signals.count() == len(kept)
    assert len(_in_files(database_url, [s.id.encode() for s in kept])) == len(kept)
    assert _in_files(database_url, traces) == []


def test_a_correction_erases_what_it_replaced(services, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The replaced case pseudonym is one deleted index entry, like a withdrawal's (above).
    stored = services.signals.store(_record(0))
    erased: list[bool] = []
    monkeypatch.setattr(services.db, "erase_free_space", lambda: erased.append(True) or True)
    services.signals.correct(stored.receipt, replace(_record(0), case_token="ZAAK-" + "ab" * 8))
    assert erased == [True]


def _wal_file(path: Path) -> sqlite3.Connection:
    """A database as an older version left it: in WAL mode, with a row in its log."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (x)")
    connection.execute("INSERT INTO t VALUES (1)")
    return connection


def _journal_mode(db: Database) -> str:
    with db.session() as session:
        return str(session.execute(text("PRAGMA journal_mode")).scalar_one())


def test_a_file_left_in_wal_mode_is_converted_and_its_log_removed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _wal_file(path).close()
    db = Database(f"sqlite:///{path}")
    try:
        assert _journal_mode(db) == "delete"
        assert not Path(f"{path}-wal").exists()
        with db.session() as session:
            assert session.execute(text("SELECT x FROM t")).scalar_one() == 1
    finally:
        db.dispose()


def test_a_file_another_process_holds_in_wal_mode_is_used_without_waiting(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    other = _wal_file(path)
    db = Database(f"sqlite:///{path}")
    try:
        started = time.monotonic()
        assert _journal_mode(db) == "wal"  # converted later, by whoever has the file alone
        assert time.monotonic() - started < 5  # not the 30 s busy timeout
    finally:
        db.dispose()
        other.close()
