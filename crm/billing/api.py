"""Billing HTTP API: runs (preview, run), invoices (list, get, issue, void, credit note, HTML),
payments (with allocations, refunds), customer balance and statement, tax rates, dunning and
the notification outbox. Every route declares its permission; every change is audited with the
authenticated principal as actor. Mounted by api.app (ROUTERS) as `crm.billing.api.router`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints
from sqlalchemy import select

from core.access import Permission, Principal, require
from core.audit import audit
from core.db import current_database_url, session_scope
from core.errors import Conflict, Invalid, NotFound
from core.inputs import Id, InputModel, IsoDate, IsoDateTime
from core.paging import Page, PageQuery, page_of
from crm import filters, lifecycle
from crm.billing import dunning, notifications, payments, render, runs
from crm.billing.models import BillingRun, Notification, NotificationStatus, TaxRate
from crm.billing.money import ZERO, tax_of, to_cents
from crm.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, Payment, PaymentMethod, Subscription
from crm.schemas import Amount, Currency, Money, Quantity, _decimal

router = APIRouter(tags=["billing"])
P = Permission
CREATED: dict[str, Any] = {"status_code": status.HTTP_201_CREATED}
Text300 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Positive = Amount
Flag = Annotated[bool, Strict()]


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LineOut(Read):
    id: int
    subscription_id: int | None
    plan_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    period_start: date | None
    period_end: date | None


class InvoiceOut(Read):
    id: int
    number: str | None
    kind: InvoiceKind
    credit_of_id: int | None
    customer_id: int
    status: InvoiceStatus
    issued_on: date | None
    due_on: date | None
    period_start: date | None
    period_end: date | None
    currency: str
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    amount_paid: Decimal
    amount_credited: Decimal
    billing_run_id: int | None
    lines: list[LineOut]


class RunIn(InputModel):
    run_on: IsoDate = Field(default_factory=date.today, description="the billing day's date (day 1-28)")
    issue: Flag = Field(True, description="number and issue the invoices (false: leave drafts)")


class RunOut(BaseModel):
    run_id: int | None
    run_on: date
    billing_day: int | None
    invoices_created: int
    lines_created: int
    total: Decimal
    lines_total: Decimal
    issued: bool
    preview: bool
    invoices: list[dict[str, Any]]


class RunRead(Read):
    id: int
    run_on: date
    billing_day: int
    invoices_created: int
    lines_created: int
    total: Decimal
    issued: bool
    actor: str
    started_at: datetime
    finished_at: datetime | None


class IssueIn(InputModel):
    issued_on: IsoDate | None = None


class CreditNoteIn(InputModel):
    reason: Text300 = ""
    line_ids: list[Id] | None = None


class AllocationBody(InputModel):
    invoice_id: Id
    amount: Positive


class LineIn(InputModel):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    quantity: Quantity = Decimal(1)
    unit_price: Money  # negative for discounts
    tax_rate_id: Id | None = None
    subscription_id: Id | None = None


class InvoiceIn(InputModel):
    """A draft invoice for one-off charges (no number until issued)."""

    customer_id: Id
    currency: Currency = "USD"
    due_on: IsoDate | None = None
    lines: list[LineIn] = []


class PaymentIn(InputModel):
    customer_id: Id | None = Field(None, description="left out: the customer of `invoice_id`")
    invoice_id: Id | None = Field(None, description="shorthand for one allocation to this invoice")
    amount: Positive
    method: PaymentMethod
    currency: Currency = "USD"
    reference: Annotated[str, StringConstraints(max_length=100)] = ""
    received_at: IsoDateTime | None = None
    allocations: list[AllocationBody] | None = Field(
        None, description="invoices to settle and how much each; left out: oldest open invoices first")


class AllocationOut(Read):
    invoice_id: int
    amount: Decimal


class PaymentOut(Read):
    id: int
    customer_id: int
    amount: Decimal
    currency: str
    method: PaymentMethod
    reference: str
    received_at: datetime
    allocations: list[AllocationOut] = []
    refunded: Decimal = Decimal("0.00")
    unallocated: Decimal = Decimal("0.00")


class RefundIn(InputModel):
    amount: Positive
    reason: Text300 = ""


class RefundOut(Read):
    id: int
    payment_id: int
    amount: Decimal
    reason: str
    actor: str
    refunded_at: datetime


class TaxRateIn(InputModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    rate: Annotated[Decimal, Field(ge=0, max_digits=6, decimal_places=4), *_decimal(6, 4, "or_zero")]  # < 100
    is_active: Flag = True


class TaxRateOut(Read):
    id: int
    name: str
    rate: Decimal
    is_active: bool


class DunningIn(InputModel):
    today: IsoDate = Field(default_factory=date.today)


class NotificationOut(Read):
    id: int
    channel: str
    to_address: str
    subject: str
    body: str
    status: NotificationStatus
    attempts: int
    error: str | None
    customer_id: int | None
    invoice_id: int | None
    created_at: datetime
    sent_at: datetime | None


class NotificationQuery(PageQuery):
    status: NotificationStatus | None = None
    customer_id: Id | None = None


class SmtpIn(InputModel):
    host: Annotated[str, StringConstraints(max_length=255)] | None = None
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    username: Annotated[str, StringConstraints(max_length=200)] | None = None
    password: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description="stored encrypted, never shown")
    from_: Annotated[str, StringConstraints(max_length=200)] | None = Field(None, alias="from")
    starttls: Flag = True


def _invoice_out(session: Any, invoice: Invoice) -> InvoiceOut:
    lines = session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                            .order_by(InvoiceLine.id)).all()
    data = {name: getattr(invoice, name) for name in InvoiceOut.model_fields if name != "lines"}
    return InvoiceOut(**data, lines=[LineOut.model_validate(li) for li in lines])


def _payment_out(session: Any, payment: Payment) -> PaymentOut:
    from crm.billing.models import PaymentAllocation

    allocs = session.scalars(select(PaymentAllocation).where(PaymentAllocation.payment_id == payment.id)
                             .order_by(PaymentAllocation.id)).all()
    data = {name: getattr(payment, name) for name in ("id", "customer_id", "amount", "currency", "method",
                                                      "reference", "received_at")}
    return PaymentOut(**data, allocations=[AllocationOut.model_validate(a) for a in allocs],
                      refunded=payments.refunded(session, payment.id),
                      unallocated=payments.unallocated(session, payment))


def _get_invoice(session: Any, invoice_id: int) -> Invoice:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} not found")
    return invoice


# --- runs -----------------------------------------------------------------------------


@router.post("/crm/billing/runs/preview")
def preview_run(data: RunIn, who: Principal = require(P.BILLING_WRITE)) -> RunOut:
    """The run as it would be (invoices, lines, totals, the first 100 invoices); nothing is written."""
    with session_scope() as session:
        return RunOut(**vars(runs.run_billing(session, data.run_on, who.username, issue=data.issue, preview=True)))


@router.post("/crm/billing/runs", **CREATED)
def start_run(data: RunIn, who: Principal = require(P.BILLING_WRITE)) -> RunOut:
    """Bill every subscription due on `run_on`; running it again creates nothing new."""
    with session_scope() as session:
        return RunOut(**vars(runs.run_billing(session, data.run_on, who.username, issue=data.issue)))


@router.get("/crm/billing/runs")
def list_runs(query: Annotated[PageQuery, Query()], who: Principal = require(P.BILLING_READ)) -> Page[RunRead]:
    with session_scope() as session:
        return page_of(session, select(BillingRun), query, RunRead.model_validate, order_by=[BillingRun.id.desc()])


# --- invoices --------------------------------------------------------------------------


@router.get("/crm/invoices")
def list_invoices(query: Annotated[filters.InvoiceFilter, Query()],
                  who: Principal = require(P.BILLING_READ)) -> Page[InvoiceOut]:
    with session_scope() as session:
        return page_of(session, query.statement(), query, lambda inv: _invoice_out(session, inv),
                       order_by=[Invoice.id])


@router.post("/crm/invoices", **CREATED)
def create_invoice(data: InvoiceIn, who: Principal = require(P.BILLING_WRITE)) -> InvoiceOut:
    """A draft with manual lines (each taxed at its `tax_rate_id`); issue it to number it."""
    from crm.models import Customer, Subscription

    with session_scope() as session:
        if session.get(Customer, data.customer_id) is None:
            raise Invalid(f"customer_id: customer {data.customer_id} does not exist")
        invoice = Invoice(customer_id=data.customer_id, currency=data.currency, due_on=data.due_on,
                          status=InvoiceStatus.DRAFT, kind=InvoiceKind.INVOICE)
        for n, line in enumerate(data.lines):
            rate = Decimal(0)
            if line.tax_rate_id is not None:
                tax = session.get(TaxRate, line.tax_rate_id)
                if tax is None:
                    raise Invalid(f"lines.{n}.tax_rate_id: tax rate {line.tax_rate_id} does not exist")
                rate = Decimal(tax.rate)
            if line.subscription_id is not None:
                sub = session.get(Subscription, line.subscription_id)
                if sub is None or sub.customer_id != data.customer_id:
                    raise Invalid(f"lines.{n}.subscription_id: not a subscription of customer {data.customer_id}")
            amount = to_cents(line.quantity * line.unit_price)
            invoice.lines.append(InvoiceLine(description=line.description, quantity=line.quantity,
                                             unit_price=line.unit_price, amount=amount, tax_rate=rate,
                                             tax_amount=tax_of(amount, rate), subscription_id=line.subscription_id))
        invoice.subtotal = sum((li.amount for li in invoice.lines), ZERO)
        invoice.tax_total = sum((li.tax_amount for li in invoice.lines), ZERO)
        invoice.total = invoice.subtotal + invoice.tax_total
        session.add(invoice)
        session.flush()
        out = _invoice_out(session, invoice)
        audit(session, who.username, "create", "invoice", invoice.id, None, out.model_dump(mode="json"),
              request_id=who.request_id)
        return out


@router.delete("/crm/invoices/{invoice_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_invoice(invoice_id: int, who: Principal = require(P.BILLING_WRITE)) -> None:
    """Only a draft (it has no number); an issued invoice is voided or credited instead."""
    with session_scope() as session:
        invoice = _get_invoice(session, invoice_id)
        if invoice.status != InvoiceStatus.DRAFT:
            raise Conflict(f"invoice {invoice_id} is {invoice.status.value}; void or credit it instead")
        before = _invoice_out(session, invoice).model_dump(mode="json")
        session.delete(invoice)
        audit(session, who.username, "delete", "invoice", invoice_id, before, None, request_id=who.request_id)


@router.get("/crm/invoices/{invoice_id}")
def get_invoice(invoice_id: int, who: Principal = require(P.BILLING_READ)) -> InvoiceOut:
    with session_scope() as session:
        return _invoice_out(session, _get_invoice(session, invoice_id))


@router.get("/crm/invoices/{invoice_id}/html", response_class=HTMLResponse)
def invoice_html(invoice_id: int, who: Principal = require(P.BILLING_READ)) -> HTMLResponse:
    """The invoice as a printable HTML document."""
    with session_scope() as session:
        return HTMLResponse(render.invoice_html(session, invoice_id))


@router.post("/crm/invoices/{invoice_id}/issue")
def issue_invoice(invoice_id: int, data: IssueIn | None = None,
                  who: Principal = require(P.BILLING_WRITE)) -> InvoiceOut:
    """Number (gapless per year) and issue a draft."""
    with session_scope() as session:
        invoice = _get_invoice(session, invoice_id)
        if invoice.status != InvoiceStatus.DRAFT:
            raise Conflict(f"invoice {invoice_id} is {invoice.status.value}; only a draft can be issued")
        runs.issue_invoices(session, (data.issued_on if data else None) or date.today(), invoice_ids=[invoice_id])
        invoice = _get_invoice(session, invoice_id)
        audit(session, who.username, "issue", "invoice", invoice_id, {"status": "draft"},
              {"status": invoice.status.value, "number": invoice.number}, request_id=who.request_id)
        return _invoice_out(session, invoice)


@router.post("/crm/invoices/{invoice_id}/void")
def void_invoice(invoice_id: int, who: Principal = require(P.BILLING_WRITE)) -> InvoiceOut:
    with session_scope() as session:
        return _invoice_out(session, payments.void(session, invoice_id, who.username))


@router.post("/crm/invoices/{invoice_id}/credit-note", **CREATED)
def credit_invoice(invoice_id: int, data: CreditNoteIn, who: Principal = require(P.BILLING_WRITE)) -> InvoiceOut:
    """A credit note for the invoice (all lines, or `line_ids`): negative lines, its own number."""
    with session_scope() as session:
        note = payments.credit_note(session, invoice_id, who.username, data.reason, data.line_ids)
        return _invoice_out(session, note)


# --- payments --------------------------------------------------------------------------


@router.get("/crm/payments")
def list_payments(query: Annotated[filters.PaymentFilter, Query()],
                  who: Principal = require(P.BILLING_READ)) -> Page[PaymentOut]:
    with session_scope() as session:
        return page_of(session, query.statement(), query, lambda p: _payment_out(session, p),
                       order_by=[Payment.id])


@router.post("/crm/payments", **CREATED)
def create_payment(data: PaymentIn, who: Principal = require(P.BILLING_WRITE)) -> PaymentOut:
    """Record a payment and settle invoices; what is left is credit for the next invoices."""
    with session_scope() as session:
        allocations = ([payments.AllocationIn(a.invoice_id, a.amount) for a in data.allocations]
                       if data.allocations else None)
        customer_id = data.customer_id
        if data.invoice_id is not None:
            invoice = session.get(Invoice, data.invoice_id)
            if invoice is None:
                raise Invalid(f"invoice_id: invoice {data.invoice_id} does not exist")
            customer_id = customer_id or invoice.customer_id
            open_now = payments.open_amount(invoice)
            if allocations is None and open_now > 0:
                allocations = [payments.AllocationIn(invoice.id, min(open_now, data.amount))]
        if customer_id is None:
            raise Invalid("a payment needs customer_id or invoice_id")
        from crm.models import Customer

        if session.get(Customer, customer_id) is None:
            raise Invalid(f"customer_id: customer {customer_id} does not exist")
        payment = payments.create_payment(
            session, customer_id=customer_id, amount=data.amount, method=data.method, actor=who.username,
            currency=data.currency, reference=data.reference, received_at=data.received_at,
            allocations=allocations)
        out = _payment_out(session, payment)
        subscription_ids = list(session.scalars(select(Subscription.id).where(Subscription.customer_id == customer_id)))
    # A settled balance lifted the non-payment suspension: the ONU is resumed on the OLT.
    lifecycle.sync_network(current_database_url(), subscription_ids, who.username)
    return out


@router.get("/crm/payments/{payment_id}")
def get_payment(payment_id: int, who: Principal = require(P.BILLING_READ)) -> PaymentOut:
    with session_scope() as session:
        payment = session.get(Payment, payment_id)
        if payment is None:
            raise NotFound(f"payment {payment_id} not found")
        return _payment_out(session, payment)


@router.post("/crm/payments/{payment_id}/refunds", **CREATED)
def refund_payment(payment_id: int, data: RefundIn, who: Principal = require(P.BILLING_WRITE)) -> RefundOut:
    """Give back (part of) the payment's unallocated credit."""
    with session_scope() as session:
        return RefundOut.model_validate(payments.refund(session, payment_id, data.amount, data.reason,
                                                        who.username))


@router.get("/crm/customers/{customer_id}/balance")
def customer_balance(customer_id: int, who: Principal = require(P.BILLING_READ)) -> dict[str, Any]:
    """Balance (positive: the customer owes), open invoices and unallocated credit."""
    with session_scope() as session:
        return payments.balance(session, customer_id)


@router.get("/crm/customers/{customer_id}/statement")
def customer_statement(customer_id: int, who: Principal = require(P.BILLING_READ)) -> dict[str, Any]:
    """Invoices, credit notes, payments and refunds in date order with the running balance."""
    with session_scope() as session:
        return payments.statement(session, customer_id)


# --- tax rates -------------------------------------------------------------------------


@router.get("/crm/tax-rates")
def list_tax_rates(query: Annotated[PageQuery, Query()],
                   who: Principal = require(P.BILLING_READ)) -> Page[TaxRateOut]:
    with session_scope() as session:
        return page_of(session, select(TaxRate), query, TaxRateOut.model_validate, order_by=[TaxRate.id])


@router.post("/crm/tax-rates", **CREATED)
def create_tax_rate(data: TaxRateIn, who: Principal = require(P.BILLING_WRITE)) -> TaxRateOut:
    with session_scope() as session:
        if session.scalar(select(TaxRate.id).where(TaxRate.name == data.name)) is not None:
            raise Conflict(f"name: a tax rate named {data.name!r} exists")
        row = TaxRate(**data.model_dump())
        session.add(row)
        session.flush()
        out = TaxRateOut.model_validate(row)
        audit(session, who.username, "create", "tax_rate", row.id, None, out.model_dump(),
              request_id=who.request_id)
        return out


@router.put("/crm/tax-rates/{tax_rate_id}")
def update_tax_rate(tax_rate_id: int, data: TaxRateIn, who: Principal = require(P.BILLING_WRITE)) -> TaxRateOut:
    """Lines already billed keep the rate they were billed with."""
    with session_scope() as session:
        row = session.get(TaxRate, tax_rate_id, with_for_update=True)
        if row is None:
            raise NotFound(f"tax rate {tax_rate_id} not found")
        before = TaxRateOut.model_validate(row).model_dump()
        for key, value in data.model_dump().items():
            setattr(row, key, value)
        session.flush()
        out = TaxRateOut.model_validate(row)
        audit(session, who.username, "update", "tax_rate", row.id, before, out.model_dump(),
              request_id=who.request_id)
        return out


@router.delete("/crm/tax-rates/{tax_rate_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_tax_rate(tax_rate_id: int, who: Principal = require(P.BILLING_WRITE)) -> None:
    from crm.models import ServicePlan

    with session_scope() as session:
        row = session.get(TaxRate, tax_rate_id, with_for_update=True)
        if row is None:
            raise NotFound(f"tax rate {tax_rate_id} not found")
        used = session.scalar(select(ServicePlan.name).where(ServicePlan.tax_rate_id == tax_rate_id).limit(1))
        if used is not None:
            raise Conflict(f"tax rate {tax_rate_id} is used by plan {used!r}; deactivate it instead")
        before = TaxRateOut.model_validate(row).model_dump()
        session.delete(row)
        audit(session, who.username, "delete", "tax_rate", tax_rate_id, before, None, request_id=who.request_id)


# --- dunning and notifications ---------------------------------------------------------------


@router.post("/crm/billing/dunning/run")
def run_dunning(data: DunningIn, who: Principal = require(P.BILLING_WRITE)) -> dict[str, Any]:
    """Reminders, suspensions for non-payment past the grace period, restorations - now."""
    with session_scope() as session:
        result = dunning.run_dunning(session, data.today, who.username)
    result["jobs"] = lifecycle.sync_network(current_database_url(), [*result["suspended"], *result["lifted"]],
                                            who.username)
    return result


@router.get("/crm/notifications")
def list_notifications(query: Annotated[NotificationQuery, Query()],
                       who: Principal = require(P.BILLING_READ)) -> Page[NotificationOut]:
    stmt = select(Notification)
    if query.status is not None:
        stmt = stmt.where(Notification.status == query.status)
    if query.customer_id is not None:
        stmt = stmt.where(Notification.customer_id == query.customer_id)
    with session_scope() as session:
        return page_of(session, stmt, query, NotificationOut.model_validate, order_by=[Notification.id.desc()])


@router.put("/crm/billing/smtp")
def set_smtp(data: SmtpIn, who: Principal = require(P.BILLING_WRITE)) -> dict[str, Any]:
    """The SMTP server for notifications (the password is stored encrypted and never shown)."""
    values = data.model_dump(by_alias=True)
    with session_scope() as session:
        notifications.set_smtp_settings(session, values)
        shown = {k: v for k, v in values.items() if k != "password"} | {"password_set": data.password is not None}
        audit(session, who.username, "update", "setting", "smtp", None, shown, request_id=who.request_id)
        return shown
