"""The SQLite database, its rollback journal and the folders made for them are private to the
registry's user (0600 files, 0700 folders) whatever the umask; SQLite alone made them 0644/0755
under the usual umask 022, readable by every account on the machine."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from registry.db import Database
from registry.private_files import private_file, private_folder, write_private
from server.migrations import upgrade


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_new_sqlite_database_its_journal_and_its_folders_are_private(tmp_path, umask_022):
    base = tmp_path / "srv"
    base.mkdir()
    os.chmod(base, 0o755)  # noqa: S103 - a folder that is not ours, as an operator may have
    path = base / "data" / "nested" / "registry.db"
    db = Database(f"sqlite:///{path}")
    try:
        upgrade(db.engine)
        assert mode(path) == 0o600
        assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
        assert mode(base) == 0o755  # a folder that was there keeps its own mode
        # The rollback journal exists while a write is under way.
        with db.engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(text("INSERT INTO instance_facts (name, value) VALUES ('x', 'y')"))
            journal = path.with_name(path.name + "-journal")
            assert journal.exists()
            assert mode(journal) == 0o600
            transaction.rollback()
    finally:
        db.dispose()


def test_an_existing_database_file_keeps_its_mode(tmp_path, umask_022):
    path = tmp_path / "registry.db"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    db = Database(f"sqlite:///{path}")
    try:
        upgrade(db.engine)
    finally:
        db.dispose()
    assert mode(path) == 0o640


@settings(max_examples=20, deadline=None)
@given(umask=st.integers(min_value=0, max_value=0o777), depth=st.integers(min_value=1, max_value=3))
def test_private_files_and_folders_have_exact_modes_under_any_umask(tmp_path_factory, umask, depth):
    base = tmp_path_factory.mktemp("modes")
    folder = base.joinpath(*[f"d{i}" for i in range(depth)])
    previous = os.umask(umask)
    try:
        private_folder(folder)
        made = private_file(folder / "empty")
        written = write_private(folder / "sub" / "file", b"inhoud")
    finally:
        os.umask(previous)
    for level in range(depth):
        assert mode(base.joinpath(*[f"d{i}" for i in range(level + 1)])) == 0o700
    assert mode(folder / "sub") == 0o700
    assert mode(made) == 0o600 and made.read_bytes() == b""
    assert mode(written) == 0o600 and written.read_bytes() == b"inhoud"


def test_a_release_file_written_again_is_made_private(tmp_path, umask_022):
    path = tmp_path / "release.json"
    path.write_text("oud")
    os.chmod(path, 0o644)
    write_private(path, b"nieuw")
    assert mode(path) == 0o600 and path.read_bytes() == b"nieuw"
