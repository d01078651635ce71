"""CRM tables: customers, plans (with their per-vendor OLT profile mapping),
subscriptions, invoices, payments and tickets."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.crypto import EncryptedText
from core.db import Base, TimestampMixin
from core.types import enum_type
from oms.models import Onu, PlanOltProfile


class CustomerStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class SubscriptionStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


class SubscriptionAction(enum.StrEnum):
    """A lifecycle transition whose network side runs as jobs (crm.activation)."""

    ACTIVATE = "activate"
    CHANGE_PLAN = "change_plan"
    CANCEL = "cancel"


class TransitionState(enum.StrEnum):
    IN_PROGRESS = "in_progress"  # the network side is being done; the status has not changed yet
    FAILED = "failed"  # it failed: the status stayed where it was, `network_error` says why


class WanMode(enum.StrEnum):
    """How the CPE's WAN is set up by the ACS for a plan's subscriptions."""

    PPPOE = "pppoe"  # with the subscription's PPPoE credentials
    DHCP = "dhcp"
    BRIDGE = "bridge"


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"
    VOID = "void"


class InvoiceKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class BillingMode(enum.StrEnum):
    PREPAID = "prepaid"  # a period is billed on its first day
    POSTPAID = "postpaid"  # a period is billed on the day after it ends


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    OTHER = "other"


class TicketStatus(enum.StrEnum):
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class TicketPriority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TicketCategory(enum.StrEnum):
    NO_SERVICE = "no_service"
    SLOW_SPEED = "slow_speed"
    INTERMITTENT = "intermittent"
    WIFI = "wifi"
    INSTALLATION = "installation"
    BILLING = "billing"
    OTHER = "other"


#: what the customer search matches fuzzily (crm.search); one GIN index serves them all
CUSTOMER_SEARCH_COLUMNS = ("name", "code", "email", "phone", "address")
#: the phone's digits alone, so "555 12" finds "+1 (555) 123-4567"; crm.search uses this exact expression
PHONE_DIGITS_SQL = "regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')"


class Customer(TimestampMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (
        # Trigram indexes (pg_trgm, migration 0013): fuzzy and substring search (crm.search).
        Index("ix_customers_search_trgm", *CUSTOMER_SEARCH_COLUMNS, postgresql_using="gin",
              postgresql_ops=dict.fromkeys(CUSTOMER_SEARCH_COLUMNS, "gin_trgm_ops")),
        Index("ix_customers_phone_digits_trgm", literal_column(PHONE_DIGITS_SQL).label("phone_digits"),
              postgresql_using="gin", postgresql_ops={"phone_digits": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str] = mapped_column(Text, server_default="")
    status: Mapped[CustomerStatus] = mapped_column(
        enum_type(CustomerStatus, "customer_status"), server_default=CustomerStatus.ACTIVE.value
    )
    notes: Mapped[str] = mapped_column(Text, server_default="")

    subscriptions: Mapped[list[Subscription]] = relationship(back_populates="customer")


class ServicePlan(TimestampMixin, Base):
    __tablename__ = "service_plans"
    __table_args__ = (
        CheckConstraint("download_kbps > 0 AND upload_kbps > 0", name="rates_positive"),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    download_kbps: Mapped[int] = mapped_column(Integer)
    upload_kbps: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    is_active: Mapped[bool] = mapped_column(server_default="true")
    # Billing (crm.billing): when a period is billed, and the tax on its lines.
    billing_mode: Mapped[BillingMode] = mapped_column(
        enum_type(BillingMode, "billing_mode"), server_default=BillingMode.POSTPAID.value
    )
    tax_rate_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rates.id", ondelete="RESTRICT"))
    # The WAN the ACS sets up on the CPE at activation (crm.activation).
    wan_mode: Mapped[WanMode] = mapped_column(enum_type(WanMode, "wan_mode"), server_default=WanMode.PPPOE.value)
    # A suspension also turns the CPE's Wi-Fi off through the ACS (on again when restored).
    suspend_wifi: Mapped[bool] = mapped_column(server_default="false")

    # The plan's OLT mapping per vendor family belongs to the OMS (oms.models.PlanOltProfile).
    profiles: Mapped[list[PlanOltProfile]] = relationship(cascade="all, delete-orphan")


class Subscription(TimestampMixin, Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("service_plans.id", ondelete="RESTRICT"), index=True)
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_type(SubscriptionStatus, "subscription_status"), server_default=SubscriptionStatus.PENDING.value
    )
    pppoe_username: Mapped[str | None] = mapped_column(String(100), unique=True)
    pppoe_password: Mapped[str | None] = mapped_column(EncryptedText)
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # Billing day 1-28 (crm.billing); unset: started_on's day, capped at 28.
    billing_day: Mapped[int | None] = mapped_column(
        SmallInteger, CheckConstraint("billing_day BETWEEN 1 AND 28", name="billing_day_range")
    )

    # Wi-Fi the ACS sets up at activation (unset: an SSID from the customer's code, a generated passphrase).
    wifi_ssid: Mapped[str | None] = mapped_column(String(32))
    wifi_passphrase: Mapped[str | None] = mapped_column(EncryptedText)
    # The lifecycle transition whose network side is in progress or failed (crm.activation);
    # the status changes only once the network side succeeded.
    network_action: Mapped[SubscriptionAction | None] = mapped_column(
        enum_type(SubscriptionAction, "subscription_action"))
    network_state: Mapped[TransitionState | None] = mapped_column(
        enum_type(TransitionState, "transition_state"), index=True)
    network_job_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("jobs.id", ondelete="SET NULL"))
    network_error: Mapped[str | None] = mapped_column(Text)

    customer: Mapped[Customer] = relationship(back_populates="subscriptions")
    plan: Mapped[ServicePlan] = relationship()
    onu: Mapped[Onu | None] = relationship(uselist=False)


class Invoice(TimestampMixin, Base):
    __tablename__ = "invoices"
    __table_args__ = (CheckConstraint("amount_paid >= 0", name="amount_paid_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Gapless per year, given at issue (crm.billing.runs.issue); a draft has none.
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    kind: Mapped[InvoiceKind] = mapped_column(
        enum_type(InvoiceKind, "invoice_kind"), server_default=InvoiceKind.INVOICE.value
    )
    credit_of_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    billing_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("billing_runs.id", ondelete="SET NULL"), index=True
    )
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"), index=True)
    status: Mapped[InvoiceStatus] = mapped_column(
        enum_type(InvoiceStatus, "invoice_status"), server_default=InvoiceStatus.DRAFT.value
    )
    issued_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default="0")
    subtotal: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default="0")
    tax_total: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default="0")
    # Settled so far by payment allocations / by credit notes (crm.billing.payments).
    amount_paid: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default="0")
    amount_credited: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default="0")
    reminded_on: Mapped[date | None] = mapped_column(Date)

    lines: Mapped[list[InvoiceLine]] = relationship(back_populates="invoice", cascade="all, delete-orphan")
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice")


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3), server_default="1")
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4), server_default="0")  # percent
    tax_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default="0")
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("service_plans.id", ondelete="SET NULL"))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod, "payment_method"))
    reference: Mapped[str] = mapped_column(String(100), server_default="")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    invoice: Mapped[Invoice | None] = relationship(back_populates="payments")


class Ticket(TimestampMixin, Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="SET NULL"), index=True
    )
    onu_id: Mapped[int | None] = mapped_column(ForeignKey("onus.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    category: Mapped[TicketCategory] = mapped_column(
        enum_type(TicketCategory, "ticket_category"), server_default=TicketCategory.OTHER.value
    )
    status: Mapped[TicketStatus] = mapped_column(
        enum_type(TicketStatus, "ticket_status"), server_default=TicketStatus.OPEN.value
    )
    priority: Mapped[TicketPriority] = mapped_column(
        enum_type(TicketPriority, "ticket_priority"), server_default=TicketPriority.NORMAL.value
    )
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    comments: Mapped[list[TicketComment]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketComment.id"
    )


class TicketComment(Base):
    __tablename__ = "ticket_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    ticket: Mapped[Ticket] = relationship(back_populates="comments")


class SuspensionReason(enum.StrEnum):
    NON_PAYMENT = "non_payment"
    CUSTOMER_REQUEST = "customer_request"
    FRAUD = "fraud"
    ADMIN = "admin"


class SubscriptionSuspension(Base):
    """One reason a subscription is suspended. Several may hold at once; the service comes back
    only when none remains (a payment lifts only `non_payment`)."""

    __tablename__ = "subscription_suspensions"
    __table_args__ = (UniqueConstraint("subscription_id", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    reason: Mapped[SuspensionReason] = mapped_column(enum_type(SuspensionReason, "suspension_reason"))
    note: Mapped[str] = mapped_column(Text, server_default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SubscriptionSuspensionPeriod(Base):
    """A subscription's suspension history (crm.lifecycle): a period opens when the first reason
    is added and closes when the last one is lifted, however many reasons came and went between.

    The suspended days are [started_on, ended_on): the day of the suspension is suspended, the
    day of the lift is a day of service; an open period (`ended_on` unset) is still running.
    `reasons`: every reason that held during the period. `billable`: one of them was non-payment
    or fraud (crm.lifecycle.BILLABLE_REASONS); then every day of the period is billed whatever the
    policy, since the period is not split by reason (crm.billing.runs, `billing.suspended_days`)."""

    __tablename__ = "subscription_suspension_periods"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="dates_ordered"),
        # At most one open period per subscription.
        Index("uq_subscription_suspension_periods_open", "subscription_id", unique=True,
              postgresql_where=literal_column("ended_on IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Named here: the conventional name would pass PostgreSQL's 63 characters.
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE", name="fk_subscription_suspension_periods_subscription_id"),
        index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    reasons: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    billable: Mapped[bool] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(100))
    ended_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# The billing tables (tax rates, runs, allocations, dunning, notifications) join this metadata.
from crm.billing import models as _billing_models  # noqa: E402, F401
