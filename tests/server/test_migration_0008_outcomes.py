"""Migration 0008: the outcome and action register tables, up and down, on SQLite and
PostgreSQL, exactly as the models declare them."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from server.migrations import alembic_config
from server.models import metadata

NEW_TABLES = {"case_outcomes", "action_items"}


def _tables(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return set(inspect(engine).get_table_names())


def test_head_has_the_tables_the_models_declare(services):
    engine = services.db.engine
    assert _tables(engine) >= NEW_TABLES
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in differences if any(t in repr(d) for t in NEW_TABLES)] == []


def test_down_to_0007_and_up_again_keeps_signals_and_drops_only_the_new_tables(services):
    engine = services.db.engine
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO signals (id, period, organisation, unit, channel, implicated_party, "
            "reporter_role, follow_up, case_pseudonym, receipt_hash, taxonomy_version) VALUES "
            "('s1', '2025-03', 'MIN-A', 'MIN-A', 'vp_intern', 'collega', 'medewerker', 'advies', "
            "'case-1', NULL, '2026.2')"))
        conn.execute(text("INSERT INTO case_outcomes (id, case_pseudonym, period, field, code) "
                          "VALUES ('o1', 'case-1', '2025-05', 'feedback_3m', 'ja')"))
    before = _tables(engine)
    command.downgrade(alembic_config(engine), "0007")
    assert before - _tables(engine) == NEW_TABLES
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM signals")).scalar() == 1
    command.upgrade(alembic_config(engine), "head")
    assert _tables(engine) >= NEW_TABLES
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM case_outcomes")).scalar() == 0
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0008"
