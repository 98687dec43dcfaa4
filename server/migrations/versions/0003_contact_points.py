"""registry: contact points per organisation (the meldknop's list of where to go)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_points",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("reach", sa.String(length=300), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        # The list goes with its organisation when the structure no longer has it.
        sa.ForeignKeyConstraint(
            ["organisation"],
            ["units.code"],
            name=op.f("fk_contact_points_organisation_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_points")),
    )
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_points_organisation"), ["organisation"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_points_organisation"))
    op.drop_table("contact_points")
