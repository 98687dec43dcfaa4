"""Test databases at the newest schema without running the migrations for every test.

The migrations take a few tenths of a second, once per test that used ``app``. Each pytest process
(each xdist worker) now runs them once, and lends the result to one test at a time:

SQLite
    :func:`migrated_sqlite_file` makes a file at head; :func:`copy_sqlite_file` copies it into a
    test's tmp_path (a millisecond), so every test has a file of its own.
PostgreSQL
    :class:`PostgresSchemas` keeps one schema at head per worker and empties its tables when
    a test is done. (``CREATE DATABASE ... TEMPLATE`` per test was tried: it copies the whole
    system catalogue too, 8 MB through the write-ahead log, and took longer than the migrations
    on the shared server.) A test that leaves the schema other than it found it (other tables,
    another revision) or whose rows cannot be deleted gets the schema dropped; the next test
    gets a new one.

Schemas and databases carry the xdist worker's name and a random part, so neither the workers of
one run nor several runs on one server ever share one.
"""

from __future__ import annotations

import os
import secrets
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from registry.db import Database
from registry.private_files import private_file
from server.migrations import upgrade

# xdist names its workers gw0, gw1, ...; a run without xdist is one process.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
VERSION_TABLE = "alembic_version"
READ_REVISION = text(f"SELECT version_num FROM {VERSION_TABLE}")  # noqa: S608 - a constant


def unique_name(prefix: str) -> str:
    return f"{prefix}_{WORKER}_{secrets.token_hex(5)}"


def migrate(url: str) -> None:
    db = Database(url)
    try:
        upgrade(db.engine)
    finally:
        db.dispose()


def migrated_sqlite_file(path: Path) -> Path:
    """A SQLite file at the newest schema; copy it, never open it (a copy of a closed file)."""
    migrate(f"sqlite:///{path}")
    return path


def copy_sqlite_file(template: Path, path: Path) -> Path:
    # Made 0600 first, as the product makes its database file; the copy keeps that mode.
    shutil.copyfile(template, private_file(path))
    return path


def pg_engine_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def pg_schema_url(server_url: str, schema: str) -> str:
    """``server_url`` with ``schema`` as the search path: every table lands there."""
    parts = urlsplit(server_url)
    options = urlencode({"options": f"-csearch_path={schema}"})
    query = parts.query + ("&" if parts.query else "") + options
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class SchemaChanged(Exception):
    """A test left other tables or another revision behind: the schema cannot be reused."""


class SchemaReplaced(UserWarning):
    """The schema a test was lent could not be emptied and was dropped."""


class PostgresSchemas:
    """A worker's schemas on the server of ``server_url``: one at the newest migration, lent to
    one test at a time (:meth:`lend`) and emptied when given back (:meth:`give_back`), and empty
    ones made for a single test (:meth:`empty_schema`)."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self._admin = create_engine(pg_engine_url(server_url), isolation_level="AUTOCOMMIT")
        self._schema: str | None = None
        self._engine: Engine | None = None
        self._tables: list[str] = []  # dependants before the tables they refer to
        self._revision = ""

    def lend(self) -> str:
        """The URL of the schema at head with every table empty, made when there is none."""
        if self._schema is None:
            self._schema = unique_name("t")
            self._admin_execute(f'CREATE SCHEMA "{self._schema}"')
            try:
                self._migrate()
            except BaseException:
                self.drop()
                raise
        return pg_schema_url(self.server_url, self._schema)

    def _migrate(self) -> None:
        assert self._schema is not None
        url = pg_schema_url(self.server_url, self._schema)
        migrate(url)
        self._engine = create_engine(pg_engine_url(url), pool_size=1)
        reflected = MetaData()
        reflected.reflect(self._engine)
        self._tables = [table.name for table in reversed(reflected.sorted_tables)
                        if table.name != VERSION_TABLE]
        with self._engine.connect() as conn:
            self._revision = conn.execute(READ_REVISION).scalar_one()

    def give_back(self) -> None:
        """Delete every row the test left, or drop the schema when that cannot be done."""
        try:
            self._empty()
        except (SchemaChanged, SQLAlchemyError) as error:
            self.drop()
            # Said out loud: a test that keeps doing this costs every next test the migrations.
            warnings.warn(f"test schema dropped, not emptied: {error}", SchemaReplaced, stacklevel=2)

    def _empty(self) -> None:
        assert self._engine is not None
        with self._engine.begin() as conn:
            # A test's connection still in a transaction would make the deletes wait for ever.
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            tables = set(inspect(conn).get_table_names()) - {VERSION_TABLE}
            revision = conn.execute(READ_REVISION).scalar_one()
            if tables != set(self._tables) or revision != self._revision:
                raise SchemaChanged(f"{self._schema}: {sorted(tables)} at {revision}")
            for table in self._tables:
                # The names come from the schema itself, not from any input.
                conn.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608

    def drop(self) -> None:
        """Drop the schema (the next :meth:`lend` makes a new one)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self._schema is not None:
            schema, self._schema = self._schema, None
            self._admin_execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def close(self) -> None:
        self.drop()
        self._admin.dispose()

    @contextmanager
    def empty_schema(self) -> Iterator[str]:
        """The URL of a new schema without tables, dropped afterwards."""
        schema = unique_name("e")
        self._admin_execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield pg_schema_url(self.server_url, schema)
        finally:
            self._admin_execute(f'DROP SCHEMA "{schema}" CASCADE')

    def _admin_execute(self, statement: str) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(statement))
