"""billing: invoices from billing runs, taxes, credit notes, gapless numbering, payment allocations, refunds, dunning and the notification outbox

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:20:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SETTINGS = [
    ("billing.due_days", 14, "days from an invoice's issue to its due date"),
    ("billing.bill_suspended", True, "bill suspended subscriptions (true) or skip them in billing runs (false)"),
    ("dunning.auto_suspend", False, "suspend subscriptions for non-payment after the grace period"),
    ("dunning.grace_days", 7, "days after the due date before a suspension for non-payment"),
    ("dunning.skip_weekends", True, "no suspension for non-payment on Saturdays and Sundays"),
    ("dunning.holidays", [], "ISO dates with no suspension for non-payment"),
    ("smtp.host", None, "SMTP server for e-mail notifications (unset: nothing is sent)"),
    ("smtp.port", 587, "SMTP port"),
    ("smtp.username", None, "SMTP login (unset: no login)"),
    ("smtp.password", None, "SMTP password (stored encrypted)"),
    ("smtp.from", None, "sender address of notifications"),
    ("smtp.starttls", True, "upgrade the SMTP connection with STARTTLS"),
]


def _enum(*values: str, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _now() -> sa.TextClause:
    return sa.text('now()')


def upgrade() -> None:
    op.create_table('tax_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('rate', sa.Numeric(precision=7, scale=4), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=_now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=_now(), nullable=False),
    sa.CheckConstraint('rate >= 0 AND rate < 100', name=op.f('ck_tax_rates_rate_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tax_rates')),
    sa.UniqueConstraint('name', name=op.f('uq_tax_rates_name'))
    )
    op.create_table('billing_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_on', sa.Date(), nullable=False),
    sa.Column('billing_day', sa.SmallInteger(), nullable=False),
    sa.Column('invoices_created', sa.Integer(), server_default='0', nullable=False),
    sa.Column('lines_created', sa.Integer(), server_default='0', nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), server_default='0', nullable=False),
    sa.Column('issued', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=_now(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_runs'))
    )
    op.create_table('invoice_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_invoice_counters'))
    )
    op.create_table('subscription_plan_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('from_plan_id', sa.Integer(), nullable=False),
    sa.Column('to_plan_id', sa.Integer(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=_now(), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_subscription_plan_changes_subscription_id_subscriptions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_plan_id'], ['service_plans.id'], name=op.f('fk_subscription_plan_changes_from_plan_id_service_plans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['to_plan_id'], ['service_plans.id'], name=op.f('fk_subscription_plan_changes_to_plan_id_service_plans'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_plan_changes'))
    )
    op.create_index(op.f('ix_subscription_plan_changes_subscription_id'), 'subscription_plan_changes', ['subscription_id'], unique=False)

    # plans, subscriptions
    op.add_column('service_plans', sa.Column('billing_mode', _enum('prepaid', 'postpaid', name='billing_mode'), server_default='postpaid', nullable=False))
    op.add_column('service_plans', sa.Column('tax_rate_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_service_plans_tax_rate_id_tax_rates'), 'service_plans', 'tax_rates', ['tax_rate_id'], ['id'], ondelete='RESTRICT')
    op.add_column('subscriptions', sa.Column('billing_day', sa.SmallInteger(), nullable=True))
    op.create_check_constraint(op.f('ck_subscriptions_billing_day_range'), 'subscriptions', 'billing_day BETWEEN 1 AND 28')

    # invoices: drafts have no number; kinds, periods, taxes, settlement
    op.alter_column('invoices', 'number', existing_type=sa.String(length=32), nullable=True)
    op.add_column('invoices', sa.Column('kind', _enum('invoice', 'credit_note', name='invoice_kind'), server_default='invoice', nullable=False))
    op.add_column('invoices', sa.Column('credit_of_id', sa.Integer(), nullable=True))
    op.add_column('invoices', sa.Column('billing_run_id', sa.Integer(), nullable=True))
    op.add_column('invoices', sa.Column('period_start', sa.Date(), nullable=True))
    op.add_column('invoices', sa.Column('period_end', sa.Date(), nullable=True))
    op.add_column('invoices', sa.Column('subtotal', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False))
    op.add_column('invoices', sa.Column('tax_total', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False))
    op.add_column('invoices', sa.Column('amount_paid', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False))
    op.add_column('invoices', sa.Column('amount_credited', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False))
    op.add_column('invoices', sa.Column('reminded_on', sa.Date(), nullable=True))
    op.create_check_constraint(op.f('ck_invoices_amount_paid_not_negative'), 'invoices', 'amount_paid >= 0')
    op.create_foreign_key(op.f('fk_invoices_credit_of_id_invoices'), 'invoices', 'invoices', ['credit_of_id'], ['id'], ondelete='RESTRICT')
    op.create_foreign_key(op.f('fk_invoices_billing_run_id_billing_runs'), 'invoices', 'billing_runs', ['billing_run_id'], ['id'], ondelete='SET NULL')
    op.create_index(op.f('ix_invoices_credit_of_id'), 'invoices', ['credit_of_id'], unique=False)
    op.create_index(op.f('ix_invoices_billing_run_id'), 'invoices', ['billing_run_id'], unique=False)
    op.execute("UPDATE invoices SET subtotal = total")
    op.execute("UPDATE invoices i SET amount_paid = least(i.total, coalesce((SELECT sum(p.amount) FROM payments p "
               "WHERE p.invoice_id = i.id), 0)) WHERE i.total > 0")

    op.add_column('invoice_lines', sa.Column('tax_rate', sa.Numeric(precision=7, scale=4), server_default='0', nullable=False))
    op.add_column('invoice_lines', sa.Column('tax_amount', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False))
    op.add_column('invoice_lines', sa.Column('plan_id', sa.Integer(), nullable=True))
    op.add_column('invoice_lines', sa.Column('period_start', sa.Date(), nullable=True))
    op.add_column('invoice_lines', sa.Column('period_end', sa.Date(), nullable=True))
    op.create_foreign_key(op.f('fk_invoice_lines_plan_id_service_plans'), 'invoice_lines', 'service_plans', ['plan_id'], ['id'], ondelete='SET NULL')

    op.create_table('billing_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('billing_run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_billing_items_subscription_id_subscriptions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_billing_items_invoice_id_invoices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['billing_run_id'], ['billing_runs.id'], name=op.f('fk_billing_items_billing_run_id_billing_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_items')),
    sa.UniqueConstraint('subscription_id', 'period_start', name=op.f('uq_billing_items_subscription_id_period_start'))
    )
    op.create_index(op.f('ix_billing_items_invoice_id'), 'billing_items', ['invoice_id'], unique=False)

    op.create_table('payment_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=_now(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_allocations_amount_positive')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_allocations_payment_id_payments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payment_allocations_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_allocations'))
    )
    op.create_index(op.f('ix_payment_allocations_payment_id'), 'payment_allocations', ['payment_id'], unique=False)
    op.create_index(op.f('ix_payment_allocations_invoice_id'), 'payment_allocations', ['invoice_id'], unique=False)
    # payments made against one invoice before allocations existed keep their settlement
    op.execute("INSERT INTO payment_allocations (payment_id, invoice_id, amount, created_at) "
               "SELECT id, invoice_id, amount, received_at FROM payments WHERE invoice_id IS NOT NULL")

    op.create_table('payment_refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=300), server_default='', nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('refunded_at', sa.DateTime(timezone=True), server_default=_now(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_refunds_payment_id_payments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_refunds'))
    )
    op.create_index(op.f('ix_payment_refunds_payment_id'), 'payment_refunds', ['payment_id'], unique=False)

    op.create_table('dunning_suspensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('suspended_on', sa.Date(), nullable=False),
    sa.Column('lifted_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_dunning_suspensions_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_dunning_suspensions_subscription_id_subscriptions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_dunning_suspensions_invoice_id_invoices'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_suspensions'))
    )
    op.create_index(op.f('ix_dunning_suspensions_customer_id'), 'dunning_suspensions', ['customer_id'], unique=False)
    op.create_index(op.f('ix_dunning_suspensions_subscription_id'), 'dunning_suspensions', ['subscription_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), server_default='email', nullable=False),
    sa.Column('to_address', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', _enum('pending', 'sent', 'failed', name='notification_status'), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=_now(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_notifications_attempts_not_negative')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_notifications_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_notifications_invoice_id_invoices'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index(op.f('ix_notifications_status'), 'notifications', ['status'], unique=False)
    op.create_index(op.f('ix_notifications_customer_id'), 'notifications', ['customer_id'], unique=False)

    bind = op.get_bind()
    for key, value, description in SETTINGS:
        bind.execute(sa.text("INSERT INTO settings (key, value, description) VALUES (:k, CAST(:v AS jsonb), :d) "
                             "ON CONFLICT (key) DO NOTHING"), {"k": key, "v": json.dumps(value), "d": description})


def downgrade() -> None:
    op.get_bind().execute(sa.text("DELETE FROM settings WHERE key = ANY(:keys)"), {"keys": [k for k, _, _ in SETTINGS]})
    op.drop_table('notifications')
    op.drop_table('dunning_suspensions')
    op.drop_table('payment_refunds')
    op.drop_table('payment_allocations')
    op.drop_table('billing_items')
    op.drop_constraint(op.f('fk_invoice_lines_plan_id_service_plans'), 'invoice_lines', type_='foreignkey')
    for column in ('period_end', 'period_start', 'plan_id', 'tax_amount', 'tax_rate'):
        op.drop_column('invoice_lines', column)
    op.drop_index(op.f('ix_invoices_billing_run_id'), table_name='invoices')
    op.drop_index(op.f('ix_invoices_credit_of_id'), table_name='invoices')
    op.drop_constraint(op.f('fk_invoices_billing_run_id_billing_runs'), 'invoices', type_='foreignkey')
    op.drop_constraint(op.f('fk_invoices_credit_of_id_invoices'), 'invoices', type_='foreignkey')
    op.drop_constraint(op.f('ck_invoices_amount_paid_not_negative'), 'invoices', type_='check')
    op.execute("DELETE FROM invoices WHERE number IS NULL")
    for column in ('reminded_on', 'amount_credited', 'amount_paid', 'tax_total', 'subtotal', 'period_end',
                   'period_start', 'billing_run_id', 'credit_of_id', 'kind'):
        op.drop_column('invoices', column)
    op.alter_column('invoices', 'number', existing_type=sa.String(length=32), nullable=False)
    op.drop_constraint(op.f('ck_subscriptions_billing_day_range'), 'subscriptions', type_='check')
    op.drop_column('subscriptions', 'billing_day')
    op.drop_constraint(op.f('fk_service_plans_tax_rate_id_tax_rates'), 'service_plans', type_='foreignkey')
    op.drop_column('service_plans', 'tax_rate_id')
    op.drop_column('service_plans', 'billing_mode')
    op.drop_index(op.f('ix_subscription_plan_changes_subscription_id'), table_name='subscription_plan_changes')
    op.drop_table('subscription_plan_changes')
    op.drop_table('invoice_counters')
    op.drop_table('billing_runs')
    op.drop_table('tax_rates')
