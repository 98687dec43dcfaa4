"""After maintenance, nothing in the signal tables reveals the order in which rows arrived."""

import pytest
from sqlalchemy import text

from registry.maintenance import reorder_signals
from registry.periods import Month
from registry.records import SignalRecord


def _record():
    return SignalRecord(period=Month.current(), unit="MIN-A-DG1-D1", organisation="MIN-A",
                        channel="bmw", categories=("pesten", "werkdruk"), implicated_party="collega",
                        reporter_role="medewerker", follow_up="advies", impact=("verzuim",))


def _physical_ids(services):
    with services.db.session() as session:
        return session.execute(text("SELECT id FROM signals")).scalars().all()


def test_physical_row_order_follows_the_random_id_not_arrival(services):
    arrival = [services.signals.store(_record()).id for _ in range(30)]
    reorder_signals(services.db)
    physical = _physical_ids(services)
    assert physical == sorted(arrival)
    assert services.signals.count() == 30


def test_postgres_rows_share_one_transaction_stamp_after_maintenance(services):
    if services.db.is_sqlite:
        pytest.skip("xmin is a PostgreSQL system column")
    for _ in range(10):
        services.signals.store(_record())
    with services.db.session() as session:
        before = session.execute(text("SELECT count(DISTINCT xmin::text) FROM signals")).scalar_one()
    assert before == 10
    reorder_signals(services.db)
    with services.db.session() as session:
        for table in ("signals", "signal_categories", "signal_impacts"):
            # The table names come from the fixed tuple above, never from input.
            query = text(f"SELECT count(DISTINCT xmin::text) FROM {table}")  # noqa: S608
            stamps = session.execute(query).scalar_one()
            assert stamps == 1, table
        assert session.execute(text("SELECT count(*) FROM signal_categories")).scalar_one() == 20
