"""privacy: one capped budget per data year (zCDP rho), allocations, charges, cap changes;
accounts: a researcher's research project

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_year_caps",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("epsilon", sa.String(length=64), nullable=False),
        sa.Column("delta", sa.String(length=64), nullable=False),
        sa.Column("rho", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_privacy_year_caps")),
    )
    op.create_table(
        "privacy_cap_changes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("previous_epsilon", sa.String(length=64), nullable=True),
        sa.Column("epsilon", sa.String(length=64), nullable=False),
        sa.Column("delta", sa.String(length=64), nullable=False),
        sa.Column("rho", sa.String(length=64), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_cap_changes")),
    )
    op.create_index(op.f("ix_privacy_cap_changes_year"), "privacy_cap_changes", ["year"])
    op.create_table(
        "privacy_allocations",
        sa.Column("consumer", sa.String(length=120), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rho", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "year", name=op.f("pk_privacy_allocations")),
    )
    op.create_table(
        "privacy_charges",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("consumer", sa.String(length=120), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rho", sa.String(length=64), nullable=False),
        sa.Column("release_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_charges")),
        sa.UniqueConstraint("release_id", "year", name="uq_privacy_charges_release_year"),
    )
    op.create_index("ix_privacy_charges_year_consumer", "privacy_charges", ["year", "consumer"])
    with op.batch_alter_table("privacy_releases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("budget_unit", sa.String(length=8), nullable=True))
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("project", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("project")
    with op.batch_alter_table("privacy_releases", schema=None) as batch_op:
        batch_op.drop_column("budget_unit")
    op.drop_index("ix_privacy_charges_year_consumer", table_name="privacy_charges")
    op.drop_table("privacy_charges")
    op.drop_table("privacy_allocations")
    op.drop_index(op.f("ix_privacy_cap_changes_year"), table_name="privacy_cap_changes")
    op.drop_table("privacy_cap_changes")
    op.drop_table("privacy_year_caps")
