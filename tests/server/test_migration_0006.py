"""Migration 0006: API tokens made before tokens had an expiry get one on upgrade."""

from __future__ import annotations

from datetime import date, timedelta

from alembic import command
from sqlalchemy import text

from server.migrations import alembic_config


def test_a_token_made_before_expiry_dates_expires_after_the_upgrade(services) -> None:
    engine = services.db.engine
    command.downgrade(alembic_config(engine), "0005")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO accounts (id, username, password_hash, role, active) "
                          "VALUES ('a1', 'case-system', 'x', 'case_system', :yes)"), {"yes": True})
        conn.execute(text("INSERT INTO api_tokens (id, account_id, token_hash, prefix, label, "
                          "revoked) VALUES ('t1', 'a1', 'h', 'p', '', :no)"), {"no": False})
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as conn:
        created, expires = conn.execute(
            text("SELECT created_on, expires_on FROM api_tokens WHERE id = 't1'")).one()
    today = date.today()
    assert date.fromisoformat(str(created)) == today
    assert date.fromisoformat(str(expires)) == today + timedelta(days=365)
