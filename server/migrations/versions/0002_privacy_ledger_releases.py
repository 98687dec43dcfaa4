"""privacy: budgets, append-only spend ledger, signed releases

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_budgets",
        sa.Column("consumer", sa.String(length=120), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        # Exact text ("10", "1/3"); NULL means the configured default applies.
        sa.Column("total", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("consumer", "year", name=op.f("pk_privacy_budgets")),
    )
    op.create_table(
        "privacy_budget_spends",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("consumer", sa.String(length=120), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("epsilon", sa.String(length=64), nullable=False),
        sa.Column("release_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_budget_spends")),
        sa.UniqueConstraint("release_id", "consumer", name="uq_privacy_budget_spends_release"),
    )
    with op.batch_alter_table("privacy_budget_spends", schema=None) as batch_op:
        batch_op.create_index(
            "ix_privacy_budget_spends_consumer_year", ["consumer", "year"], unique=False
        )
    op.create_table(
        "privacy_releases",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("consumer", sa.String(length=120), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("spec_json", sa.Text(), nullable=False),
        sa.Column("spec_hash", sa.String(length=64), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("epsilon_spent", sa.String(length=64), nullable=False),
        sa.Column("release_date", sa.Date(), nullable=False),
        sa.Column("replaces", sa.String(length=32), nullable=True),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["replaces"], ["privacy_releases.id"],
            name=op.f("fk_privacy_releases_replaces_privacy_releases"), ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_releases")),
        sa.UniqueConstraint("scope", "spec_hash", name="uq_privacy_releases_scope_spec"),
    )


def downgrade() -> None:
    op.drop_table("privacy_releases")
    with op.batch_alter_table("privacy_budget_spends", schema=None) as batch_op:
        batch_op.drop_index("ix_privacy_budget_spends_consumer_year")
    op.drop_table("privacy_budget_spends")
    op.drop_table("privacy_budgets")
