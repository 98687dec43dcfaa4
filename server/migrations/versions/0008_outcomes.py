"""follow-up outcomes per case (coded, month only, keyed by the case pseudonym) and the
organisation's action register (PDCA: title, owner role, due month, status)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_outcomes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_pseudonym", sa.String(length=96), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_outcomes")),
        sa.UniqueConstraint("case_pseudonym", "field", "code",
                            name="uq_case_outcomes_case_field_code"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_case_outcomes_case", "case_outcomes", ["case_pseudonym"], unique=False)
    op.create_table(
        "action_items",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("owner_role", sa.String(length=32), nullable=False),
        sa.Column("due_month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_items")),
    )
    op.create_index("ix_action_items_organisation", "action_items", ["organisation"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_action_items_organisation", table_name="action_items")
    op.drop_table("action_items")
    op.drop_index("ix_case_outcomes_case", table_name="case_outcomes")
    op.drop_table("case_outcomes")
