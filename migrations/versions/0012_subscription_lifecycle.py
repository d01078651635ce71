"""subscription suspensions by reason (non-payment, customer request, fraud, admin): the service
comes back only when none remains

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscription_suspensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Enum("non_payment", "customer_request", "fraud", "admin", name="suspension_reason",
                                    native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"],
                                name=op.f("fk_subscription_suspensions_subscription_id_subscriptions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_suspensions")),
        sa.UniqueConstraint("subscription_id", "reason", name=op.f("uq_subscription_suspensions_subscription_id_reason")),
    )
    op.create_index(op.f("ix_subscription_suspensions_subscription_id"), "subscription_suspensions",
                    ["subscription_id"], unique=False)
    # Subscriptions suspended before reasons existed keep one: an admin suspension.
    op.execute("INSERT INTO subscription_suspensions (subscription_id, reason, created_by) "
               "SELECT id, 'admin', 'migration 0012' FROM subscriptions WHERE status = 'suspended'")


def downgrade() -> None:
    op.drop_index(op.f("ix_subscription_suspensions_subscription_id"), table_name="subscription_suspensions")
    op.drop_table("subscription_suspensions")
