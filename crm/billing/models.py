"""Billing tables. Invoices, their lines and payments live in crm.models; these are the rest."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TimestampMixin
from core.types import enum_type


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class TaxRate(TimestampMixin, Base):
    __tablename__ = "tax_rates"
    __table_args__ = (CheckConstraint("rate >= 0 AND rate < 100", name="rate_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))  # percent, e.g. 21.0000
    is_active: Mapped[bool] = mapped_column(server_default="true")


class BillingRun(Base):
    """One billing run: the period it billed for one billing day, and what it created."""

    __tablename__ = "billing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_on: Mapped[date] = mapped_column(Date)
    billing_day: Mapped[int] = mapped_column(SmallInteger)
    invoices_created: Mapped[int] = mapped_column(Integer, server_default="0")
    lines_created: Mapped[int] = mapped_column(Integer, server_default="0")
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), server_default="0")
    issued: Mapped[bool] = mapped_column(server_default="true")
    actor: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BillingItem(Base):
    """The idempotency key of billing: a subscription is billed once per period (its start)."""

    __tablename__ = "billing_items"
    __table_args__ = (UniqueConstraint("subscription_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"), index=True)
    billing_run_id: Mapped[int | None] = mapped_column(ForeignKey("billing_runs.id", ondelete="SET NULL"))


class InvoiceCounter(Base):
    """The last number given per year; locked FOR UPDATE while numbering, so numbers have no gaps."""

    __tablename__ = "invoice_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, server_default="0")


class SubscriptionPlanChange(Base):
    """A subscription's plan history (written by crm.lifecycle at a plan change); billing
    prorates a period across the plans in force."""

    __tablename__ = "subscription_plan_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    from_plan_id: Mapped[int] = mapped_column(ForeignKey("service_plans.id", ondelete="RESTRICT"))
    to_plan_id: Mapped[int] = mapped_column(ForeignKey("service_plans.id", ondelete="RESTRICT"))
    effective_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PaymentAllocation(Base):
    __tablename__ = "payment_allocations"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Refund(Base):
    __tablename__ = "payment_refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    reason: Mapped[str] = mapped_column(String(300), server_default="")
    actor: Mapped[str] = mapped_column(String(100))
    refunded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DunningSuspension(Base):
    """A subscription suspended for non-payment by dunning; `lifted_on` once the balance is settled."""

    __tablename__ = "dunning_suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    suspended_on: Mapped[date] = mapped_column(Date)
    lifted_on: Mapped[date | None] = mapped_column(Date)


class Notification(Base):
    """The notification outbox: written in the transaction that causes it, sent by the worker."""

    __tablename__ = "notifications"
    __table_args__ = (CheckConstraint("attempts >= 0", name="attempts_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), server_default="email")
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[NotificationStatus] = mapped_column(
        enum_type(NotificationStatus, "notification_status"), server_default=NotificationStatus.PENDING.value,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
