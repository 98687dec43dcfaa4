"""Erase arrival order from the signal tables.

SQLite stores signal tables WITHOUT ROWID, so rows sit in random-id order from the start.
PostgreSQL appends rows to its heap and stamps each with the inserting transaction id (``xmin``),
so someone with database access could read the order in which rows arrived. ``reorder_signals``
rewrites the three signal tables in one transaction, in random-id order: afterwards every row has
the same ``xmin`` and physical order follows the random id. Run it nightly (``signal-registry
maintain``).
"""

from __future__ import annotations

from sqlalchemy import text

from registry.db import Database

_TABLES = (
    ("signals", "id"),
    ("signal_categories", "signal_id, category"),
    ("signal_impacts", "signal_id, impact"),
)


def reorder_signals(db: Database) -> bool:
    """Rewrite the signal tables in id order; False on SQLite, where there is nothing to do.

    Returns no count on purpose: the nightly job's output ends up in logs and mail, and an
    exact number of signals is what only the noisy releases may tell.
    """
    if db.is_sqlite:
        return False
    with db.session(immediate=True) as session:
        session.execute(text("LOCK TABLE signals, signal_categories, signal_impacts "
                             "IN ACCESS EXCLUSIVE MODE"))
        for table, _ in _TABLES:
            session.execute(text(f"CREATE TEMP TABLE tmp_{table} ON COMMIT DROP AS "  # noqa: S608 - fixed names
                                 f"SELECT * FROM {table}"))
        # TRUNCATE gives the tables new files, so the old pages (and their xmin) are gone too.
        session.execute(text("TRUNCATE signals, signal_categories, signal_impacts"))
        for table, order in _TABLES:
            session.execute(text(f"INSERT INTO {table} SELECT * FROM tmp_{table} "  # noqa: S608 - fixed names
                                 f"ORDER BY {order}"))
    return True
