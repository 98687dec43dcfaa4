"""The test databases of ``tests/databases.py``: a test starts at head, and what one test wrote
never reaches another."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from registry.accounts import Role
from tests.databases import (
    PostgresSchemas,
    SchemaReplaced,
    copy_sqlite_file,
    migrated_sqlite_file,
    pg_engine_url,
)

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
HEAD = "SELECT version_num FROM alembic_version"


def _count(url: str, table: str) -> int:
    engine = create_engine(pg_engine_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())  # noqa: S608
    finally:
        engine.dispose()


def test_a_test_with_the_app_starts_at_head_with_only_the_fixture_organisations(
        services: Any, make_user: Any) -> None:
    with services.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM accounts")).scalar_one() == 0
        assert conn.execute(text(HEAD)).scalar_one()
    assert services.org().units
    make_user(Role.ADVISER)  # a write, which no later test sees


@pytest.mark.parametrize("round_", [1, 2])
def test_writes_of_an_earlier_test_are_gone(services: Any, make_user: Any, round_: int) -> None:
    with services.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM accounts")).scalar_one() == 0
    make_user(Role.ADVISER)


def test_each_sqlite_copy_is_a_private_file_of_its_own(tmp_path: Path) -> None:
    template = migrated_sqlite_file(tmp_path / "template.db")
    first = copy_sqlite_file(template, tmp_path / "one" / "test.db")
    second = copy_sqlite_file(template, tmp_path / "two" / "test.db")
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    engine = create_engine(f"sqlite:///{first}")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    engine.dispose()
    engine = create_engine(f"sqlite:///{second}")
    with engine.connect() as conn:
        assert conn.execute(text(HEAD)).scalar_one()
    engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL")
def test_a_lent_schema_comes_back_empty_and_a_changed_one_is_replaced() -> None:
    schemas = PostgresSchemas(PG_URL)
    try:
        url = schemas.lend()
        engine = create_engine(pg_engine_url(url))
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO units (code, name, parent, organisation, headcount) "
                              "VALUES ('X', 'X', NULL, 'X', 10)"))
        engine.dispose()
        schemas.give_back()
        assert schemas.lend() == url
        assert _count(url, "units") == 0

        engine = create_engine(pg_engine_url(url))
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE stray (x integer)"))
        engine.dispose()
        with pytest.warns(SchemaReplaced, match="stray"):
            schemas.give_back()
        fresh = schemas.lend()
        assert fresh != url
        engine = create_engine(pg_engine_url(fresh))
        assert "stray" not in inspect(engine).get_table_names()
        engine.dispose()
    finally:
        schemas.close()
