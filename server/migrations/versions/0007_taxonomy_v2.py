"""taxonomy 2026.2: the meldknop's signals get follow-up 'zelfmelding_geen_opvolging'; every
2026.1 row is marked 2026.2 (its codes all exist in 2026.2, see registry/taxonomy/upgrade.py)

A data migration only; the schema does not change. The rules are copied here on purpose, so this
migration does what it did whatever later versions of the upgrade file say; a test keeps them
equal to ``data/upgrade-2026.1-2026.2.json``.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_VERSION = "2026.1"
NEW_VERSION = "2026.2"
# The meldknop's signals: its channel, no receipt and no case token (advisers' web form and API
# always store a receipt; the meldknop never stores one or a case token).
SELF_REPORT_CHANNEL = "meldpunt"
OLD_FOLLOW_UP = "doorverwijzing"
NEW_FOLLOW_UP = "zelfmelding_geen_opvolging"
# Codes renamed from 2026.1 to 2026.2, by field: none (2026.2 only adds codes).
RENAMED: dict[str, dict[str, str]] = {}

signals = sa.table(
    "signals",
    sa.column("channel", sa.String),
    sa.column("follow_up", sa.String),
    sa.column("receipt_hash", sa.String),
    sa.column("case_pseudonym", sa.String),
    sa.column("taxonomy_version", sa.String),
)


def upgrade() -> None:
    old = signals.c.taxonomy_version == OLD_VERSION
    op.execute(signals.update().where(
        old, signals.c.channel == SELF_REPORT_CHANNEL, signals.c.follow_up == OLD_FOLLOW_UP,
        signals.c.receipt_hash.is_(None), signals.c.case_pseudonym.is_(None),
    ).values(follow_up=NEW_FOLLOW_UP))
    for column, codes in RENAMED.items():  # pragma: no cover - nothing is renamed in 2026.2
        for before, after in codes.items():
            op.execute(signals.update().where(old, signals.c[column] == before)
                       .values({column: after}))
    op.execute(signals.update().where(old).values(taxonomy_version=NEW_VERSION))


def downgrade() -> None:
    # 2026.1 has no code for a self-report: back to what the meldknop stored then. Rows with
    # codes only 2026.2 has (new categories, channels, parties) cannot be written as 2026.1 and
    # keep saying 2026.2; the older code reads them as it reads any code.
    op.execute(signals.update().where(signals.c.follow_up == NEW_FOLLOW_UP)
               .values(follow_up=OLD_FOLLOW_UP, taxonomy_version=OLD_VERSION))
