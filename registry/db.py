"""Database engine, sessions and the declarative base.

SQLite is the embedded default; PostgreSQL is the production database. Schema changes go through
Alembic (``server/migrations``); ``server.migrations.upgrade`` runs them.

SQLite runs with a rollback journal (``journal_mode=DELETE``) and ``secure_delete=ON``, never in
WAL mode. A write-ahead log appends every changed page in commit order, so it holds new signals
in the order they arrived, and its older frames keep the pages of withdrawn and purged signals
until a checkpoint happens to overwrite them. A rollback journal holds only the pre-images of
the one transaction under way and is deleted at its commit; ``secure_delete`` zeroes a deleted
row's bytes in its page and every page put on the free list. That is not all: when SQLite
rebalances a B-tree it moves cells between pages and leaves the old copies in the page's unused
gap, which ``secure_delete`` never zeroes, so a withdrawn signal's id or case pseudonym could
linger there (a test found one in about a quarter of its runs). Whatever deletes a signal's
content therefore ends with ``Database.erase_free_space``: a ``VACUUM`` that rebuilds the file
from the live rows only, so nothing of a withdrawn or purged signal stays in the database file.
(WAL plus a checkpoint after every write was the other option, but a checkpoint cannot reset
the log while another worker is reading, so the log would still hold signals whenever the
workers are busy.)

Several gunicorn workers share the file safely this way: readers take a shared lock, a writer
waits (``busy_timeout``, 30 s) until the readers of the moment are done, and a commit takes a
few milliseconds. Writes that check before they write (the budget ledger) begin IMMEDIATE, so
they queue for the write lock instead of deadlocking. ``synchronous=FULL``, the default for a
rollback journal, keeps a commit durable through a power cut.
"""

from __future__ import annotations

import enum
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from registry.private_files import private_file

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def random_id() -> str:
    """A random 128-bit identifier: reveals nothing about order or time of creation."""
    return secrets.token_hex(16)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            _leave_wal(cursor)
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, so check-then-write sequences (the budget
        # ledger) cannot interleave; plain reads stay DEFERRED.
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _leave_wal(cursor: Any) -> None:
    """Turn a file that an older version left in WAL mode back to a rollback journal.

    SQLite converts only when no other connection has the file open, and the conversion
    checkpoints and removes the log. Without waiting: when another worker holds the file, this
    connection uses the log as before, and the next command or restart that opens the file
    alone (``init-db`` always does) converts it.
    """
    cursor.execute("PRAGMA busy_timeout=0")
    with suppress(sqlite3.OperationalError):
        cursor.execute("PRAGMA journal_mode=DELETE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1] if "///" in url else ""
        # A "file:...?mode=ro&uri=true" URL names an existing file: nothing to create.
        if path and path != ":memory:" and not path.startswith("file:"):
            # Made here, 0600 in a 0700 folder, before SQLite would make it 0644: SQLite gives
            # the rollback journal the database file's mode, so the journal is 0600 too.
            private_file(Path(path.split("?", 1)[0]))
        engine = create_engine(url, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # pre_ping tests a pooled connection before use: after a database restart every pooled
    # connection is dead, and without the ping each would fail one request before being
    # replaced. With it the service recovers by itself as soon as the database is back.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class DatabaseFault(enum.Enum):
    """An outage of the database, as opposed to a bug: the request may succeed later."""

    UNAVAILABLE = "unavailable"  # cannot connect, connection lost, busy, pool exhausted
    FULL = "full"  # the disk (or SQLite's page limit) is full
    READ_ONLY = "read_only"  # the database accepts reads only (file mode, standby, query_only)


# SQLite primary result codes (the low byte of an extended code).
_SQLITE_FAULTS = {
    sqlite3.SQLITE_FULL: DatabaseFault.FULL,
    sqlite3.SQLITE_READONLY: DatabaseFault.READ_ONLY,
    sqlite3.SQLITE_BUSY: DatabaseFault.UNAVAILABLE,
    sqlite3.SQLITE_LOCKED: DatabaseFault.UNAVAILABLE,
    sqlite3.SQLITE_IOERR: DatabaseFault.UNAVAILABLE,
    sqlite3.SQLITE_CANTOPEN: DatabaseFault.UNAVAILABLE,
}
# PostgreSQL SQLSTATEs, exact codes first, then classes (the first two characters).
_PG_FAULTS = {
    "53100": DatabaseFault.FULL,  # disk_full
    "25006": DatabaseFault.READ_ONLY,  # read_only_sql_transaction (e.g. a hot standby)
    "08": DatabaseFault.UNAVAILABLE,  # connection exception
    "53": DatabaseFault.UNAVAILABLE,  # insufficient resources
    "57": DatabaseFault.UNAVAILABLE,  # operator intervention: shutdown, crash, cannot connect now
    "58": DatabaseFault.UNAVAILABLE,  # system error (I/O)
}


def database_fault(error: BaseException) -> DatabaseFault | None:
    """What kind of outage ``error`` is, or None when it is not an outage (then it is a bug).

    The server answers an outage with 503 and a Retry-After; nothing was stored, because the
    unit of work (``Database.session``) rolled back or never reached its commit.
    """
    if isinstance(error, PoolTimeout):
        return DatabaseFault.UNAVAILABLE
    if not isinstance(error, DBAPIError):
        return None
    orig = error.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _SQLITE_FAULTS:
        return _SQLITE_FAULTS[code & 0xFF]
    state = getattr(orig, "sqlstate", None)
    if isinstance(state, str):
        fault = _PG_FAULTS.get(state) or _PG_FAULTS.get(state[:2])
        if fault is not None:
            return fault
    if error.connection_invalidated or isinstance(error, OperationalError | InterfaceError):
        # The driver lost or never had its connection (no SQLSTATE then), or SQLite could not
        # do its work: either way the database, not the request, is the problem.
        return DatabaseFault.UNAVAILABLE
    return None


class Database:
    """Owns the engine and hands out sessions; services receive one of these."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._immediate = sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self, *, immediate: bool = False) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error."""
        factory = self._immediate if immediate else self._sessions
        with factory() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def erase_free_space(self) -> bool:
        """SQLite: rebuild the file from the live rows only; False if it was busy, or not SQLite.

        ``VACUUM`` copies the live rows into a fresh database and writes it back over the old
        pages, so stale copies of deleted cells (see the module docstring) go with them. The
        copy is built in memory (``temp_store=MEMORY``), not in a temporary file that would hold
        every signal on disk for a while. It waits for readers like any writer (busy timeout);
        if the file stays busy the deletion has still happened, and the nightly ``maintain``
        (which calls this too) finishes the erasure. PostgreSQL: ``registry.maintenance``.
        """
        if not self.is_sqlite:
            return False
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.execute("VACUUM")
            cursor.close()
            return True
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            return False
        finally:
            connection.close()

    def dispose(self) -> None:
        self.engine.dispose()
