"""Run a service's unit of work inside a transaction that is already open.

Services take a :class:`~registry.db.Database` and open their own unit of work. An audited
admin action must commit together with its audit entry, and an approval together with the
action it approves; on SQLite a second transaction opened beside the first would even wait for
the first one's write lock. :class:`JoinedDatabase` hands every service the caller's session
instead, so their writes land in the caller's transaction and roll back with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar, cast

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from registry.db import Database


class JoinedDatabase(Database):
    """A Database whose every session is ``session``: commit and rollback stay with its owner."""

    def __init__(self, session: Session):
        # No engine or session factory of its own: only the caller's open transaction.
        self._joined = session
        self.engine = cast(Engine, session.get_bind())
        self.url = str(self.engine.url)

    @contextmanager
    def session(self, *, immediate: bool = False) -> Iterator[Session]:
        # ``immediate`` is the owner's choice, made when it began the transaction.
        yield self._joined
        self._joined.flush()

    def dispose(self) -> None:
        """The engine belongs to the owner of the session."""


class UsesDatabase(Protocol):
    db: Database


S = TypeVar("S", bound=UsesDatabase)


def joined(service: S, session: Session) -> S:
    """``service`` (a fresh object, as the container hands out) working in ``session``."""
    service.db = JoinedDatabase(session)
    return service
