"""suspension history: a period per suspension (first reason added to last reason lifted), and
the billing policy for suspended days (`billing.suspended_days`: bill or credit); a plan's
`suspend_wifi` (a suspension also turns the CPE's Wi-Fi off through the ACS); the interval of the
scheduled discovery (`discovery.interval_s`)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 08:30:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SETTINGS = [
    ("billing.suspended_days", "bill",
     "days a subscription is suspended: 'bill' them, or 'credit' those suspended only at the customer's "
     "request or by an admin (non-payment and fraud suspensions are always billed)"),
    ("discovery.interval_s", 300,
     "seconds between the worker's discoveries (autofind) of each active OLT; 0: only when asked"),
]


def upgrade() -> None:
    op.add_column('service_plans', sa.Column('suspend_wifi', sa.Boolean(), server_default='false', nullable=False))
    op.create_table(
        'subscription_suspension_periods',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('reasons', postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column('billable', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('ended_by', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on',
                           name=op.f('ck_subscription_suspension_periods_dates_ordered')),
        sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'],
                                name='fk_subscription_suspension_periods_subscription_id',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_suspension_periods')),
    )
    op.create_index(op.f('ix_subscription_suspension_periods_subscription_id'), 'subscription_suspension_periods',
                    ['subscription_id'], unique=False)
    op.create_index('uq_subscription_suspension_periods_open', 'subscription_suspension_periods',
                    ['subscription_id'], unique=True, postgresql_where=sa.text('ended_on IS NULL'))
    # Subscriptions suspended now get their open period, from their oldest reason still held.
    op.execute("""
        INSERT INTO subscription_suspension_periods (subscription_id, started_on, reasons, billable, created_by)
        SELECT ss.subscription_id, min(ss.created_at)::date, array_agg(ss.reason::text ORDER BY ss.reason),
               bool_or(ss.reason IN ('non_payment', 'fraud')), 'migration 0016'
        FROM subscription_suspensions ss JOIN subscriptions s ON s.id = ss.subscription_id
        WHERE s.status = 'suspended'
        GROUP BY ss.subscription_id""")
    bind = op.get_bind()
    for key, value, description in SETTINGS:
        bind.execute(sa.text("INSERT INTO settings (key, value, description) VALUES (:k, CAST(:v AS jsonb), :d) "
                             "ON CONFLICT (key) DO NOTHING"), {"k": key, "v": json.dumps(value), "d": description})


def downgrade() -> None:
    op.drop_column('service_plans', 'suspend_wifi')
    op.get_bind().execute(sa.text("DELETE FROM settings WHERE key = ANY(:keys)"), {"keys": [k for k, _, _ in SETTINGS]})
    op.drop_index('uq_subscription_suspension_periods_open', table_name='subscription_suspension_periods')
    op.drop_index(op.f('ix_subscription_suspension_periods_subscription_id'),
                  table_name='subscription_suspension_periods')
    op.drop_table('subscription_suspension_periods')
