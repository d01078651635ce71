"""Payments: full, partial, over-payment (kept as credit, applied to the next invoice),
allocation across invoices, refunds, credit notes; a customer's balance and statement.

Every settlement locks the invoice rows it settles (FOR UPDATE, in id order, re-read after
the lock), so two payments on one invoice at once never over-settle it: the second sees what
the first allocated, and an explicit allocation above the open amount is refused (409)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from core.audit import audit
from core.errors import Conflict, Invalid, NotFound
from crm.billing.models import BillingItem, PaymentAllocation, Refund
from crm.billing.money import ZERO, to_cents
from crm.models import (
    Customer,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentMethod,
)

OPEN = Invoice.total - Invoice.amount_paid - Invoice.amount_credited


def open_amount(invoice: Invoice) -> Decimal:
    return Decimal(invoice.total) - Decimal(invoice.amount_paid) - Decimal(invoice.amount_credited)


def _settle_status(invoice: Invoice) -> None:
    if invoice.status == InvoiceStatus.ISSUED and open_amount(invoice) <= 0:
        invoice.status = InvoiceStatus.PAID
    elif invoice.status == InvoiceStatus.PAID and open_amount(invoice) > 0:
        invoice.status = InvoiceStatus.ISSUED


def _customer(session: Session, customer_id: int, lock: bool = False) -> Customer:
    customer = session.get(Customer, customer_id, with_for_update=lock)
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    return customer


def _locked_invoices(session: Session, ids: list[int]) -> dict[int, Invoice]:
    rows = session.scalars(select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.id)
                           .with_for_update().execution_options(populate_existing=True)).all()
    return {row.id: row for row in rows}


def _open_invoices(session: Session, customer_id: int, currency: str) -> list[Invoice]:
    """The customer's open issued invoices, oldest due first, locked."""
    ids = session.scalars(select(Invoice.id).where(
        Invoice.customer_id == customer_id, Invoice.status == InvoiceStatus.ISSUED,
        Invoice.kind == InvoiceKind.INVOICE, Invoice.currency == currency, OPEN > 0)).all()
    locked = _locked_invoices(session, list(ids))
    still_open = [inv for inv in locked.values() if inv.status == InvoiceStatus.ISSUED and open_amount(inv) > 0]
    return sorted(still_open, key=lambda inv: (inv.due_on or date.max, inv.id))


def _allocate(session: Session, payment: Payment, invoice: Invoice, amount: Decimal) -> dict[str, Any]:
    session.add(PaymentAllocation(payment_id=payment.id, invoice_id=invoice.id, amount=amount))
    invoice.amount_paid = Decimal(invoice.amount_paid) + amount
    _settle_status(invoice)
    return {"invoice_id": invoice.id, "amount": amount}


def allocated(session: Session, payment_id: int) -> Decimal:
    return Decimal(session.scalar(select(func.coalesce(func.sum(PaymentAllocation.amount), 0))
                                  .where(PaymentAllocation.payment_id == payment_id)) or 0)


def refunded(session: Session, payment_id: int) -> Decimal:
    return Decimal(session.scalar(select(func.coalesce(func.sum(Refund.amount), 0))
                                  .where(Refund.payment_id == payment_id)) or 0)


def unallocated(session: Session, payment: Payment) -> Decimal:
    return Decimal(payment.amount) - allocated(session, payment.id) - refunded(session, payment.id)


@dataclass
class AllocationIn:
    invoice_id: int
    amount: Decimal


def create_payment(session: Session, *, customer_id: int, amount: Decimal, method: PaymentMethod, actor: str,
                   currency: str = "USD", reference: str = "", received_at: datetime | None = None,
                   allocations: list[AllocationIn] | None = None, today: date | None = None) -> Payment:
    """Record a payment and settle invoices with it: `allocations` as given (each at most the
    invoice's open amount), else the oldest open invoices first. What is left is credit."""
    amount = to_cents(amount)
    if amount <= 0:
        raise Invalid("amount: a payment is positive")
    _customer(session, customer_id, lock=True)  # one settlement per customer at a time
    payment = Payment(customer_id=customer_id, amount=amount, currency=currency, method=method,
                      reference=reference, **({"received_at": received_at} if received_at else {}))
    session.add(payment)
    session.flush()
    done: list[dict[str, Any]] = []
    if allocations:
        if sum((to_cents(a.amount) for a in allocations), ZERO) > amount:
            raise Invalid("allocations: they add up to more than the payment")
        invoices = _locked_invoices(session, sorted({a.invoice_id for a in allocations}))
        for alloc in allocations:
            invoice = invoices.get(alloc.invoice_id)
            share = to_cents(alloc.amount)
            if invoice is None or invoice.customer_id != customer_id:
                raise Invalid(f"allocations: invoice {alloc.invoice_id} is not customer {customer_id}'s")
            if invoice.status != InvoiceStatus.ISSUED or invoice.kind != InvoiceKind.INVOICE:
                raise Conflict(f"invoice {invoice.id} is {invoice.status.value}; only issued invoices take payments")
            if invoice.currency != currency:
                raise Invalid(f"currency: invoice {invoice.id} is in {invoice.currency}, the payment in {currency}")
            if share <= 0 or share > open_amount(invoice):
                raise Conflict(f"invoice {invoice.id} has {open_amount(invoice)} open; cannot allocate {share}")
            done.append(_allocate(session, payment, invoice, share))
    else:
        left = amount
        for invoice in _open_invoices(session, customer_id, currency):
            if left <= 0:
                break
            share = min(left, open_amount(invoice))
            done.append(_allocate(session, payment, invoice, share))
            left -= share
    session.flush()
    audit(session, actor, "create", "payment", payment.id, None,
          {"customer_id": customer_id, "amount": amount, "currency": currency, "method": method,
           "reference": reference, "allocations": done,
           "credit": amount - sum((d["amount"] for d in done), ZERO)})
    from crm.billing.dunning import restore_if_settled

    restore_if_settled(session, customer_id, today or date.today(), actor)
    return payment


def apply_credit(session: Session, customer_id: int, actor: str) -> list[dict[str, Any]]:
    """Settle the customer's open invoices with the unallocated part of earlier payments."""
    _customer(session, customer_id, lock=True)
    payments = session.scalars(select(Payment).where(Payment.customer_id == customer_id)
                               .order_by(Payment.id).with_for_update()).all()
    done: list[dict[str, Any]] = []
    for payment in payments:
        left = unallocated(session, payment)
        if left <= 0:
            continue
        for invoice in _open_invoices(session, customer_id, payment.currency):
            if left <= 0:
                break
            share = min(left, open_amount(invoice))
            done.append({"payment_id": payment.id, **_allocate(session, payment, invoice, share)})
            left -= share
            session.flush()
    if done:
        audit(session, actor, "apply_credit", "customer", customer_id, None, {"allocations": done})
    return done


def apply_credit_for_run(session: Session, run_id: int) -> None:
    """After a run: customers of its invoices who hold credit get it applied."""
    customers = session.execute(text("""
        SELECT DISTINCT i.customer_id FROM invoices i
        JOIN payments p ON p.customer_id = i.customer_id
        WHERE i.billing_run_id = :r AND p.amount >
              coalesce((SELECT sum(a.amount) FROM payment_allocations a WHERE a.payment_id = p.id), 0)
            + coalesce((SELECT sum(f.amount) FROM payment_refunds f WHERE f.payment_id = p.id), 0)
        """), {"r": run_id}).scalars().all()
    for customer_id in customers:
        apply_credit(session, customer_id, "billing")


def refund(session: Session, payment_id: int, amount: Decimal, reason: str, actor: str) -> Refund:
    """Give back money: at most the payment's unallocated part (credit a settled invoice first)."""
    payment = session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
    if payment is None:
        raise NotFound(f"payment {payment_id} not found")
    amount = to_cents(amount)
    left = unallocated(session, payment)
    if amount <= 0 or amount > left:
        raise Conflict(f"payment {payment_id} has {left} not allocated to invoices; cannot refund {amount}")
    row = Refund(payment_id=payment_id, amount=amount, reason=reason, actor=actor)
    session.add(row)
    session.flush()
    audit(session, actor, "refund", "payment", payment_id, None, {"refund_id": row.id, "amount": amount,
                                                                   "reason": reason})
    return row


def credit_note(session: Session, invoice_id: int, actor: str, reason: str = "",
                line_ids: list[int] | None = None, issued_on: date | None = None) -> Invoice:
    """A credit note (its own gapless number) for the invoice's lines (all by default): negative
    lines, settling what is open on the invoice; anything beyond is credit on the balance."""
    from crm.billing.runs import issue_invoices

    original = _locked_invoices(session, [invoice_id]).get(invoice_id)
    if original is None:
        raise NotFound(f"invoice {invoice_id} not found")
    if original.kind != InvoiceKind.INVOICE or original.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PAID):
        raise Conflict(f"invoice {invoice_id} is {original.kind.value} {original.status.value}; "
                       "only an issued or paid invoice can be credited")
    credited_before = -Decimal(session.scalar(
        select(func.coalesce(func.sum(Invoice.total), 0)).where(
            Invoice.credit_of_id == invoice_id, Invoice.status != InvoiceStatus.VOID)) or 0)
    lines = [li for li in original.lines if line_ids is None or li.id in line_ids]
    if not lines:
        raise Invalid("line_ids: none of them is a line of this invoice")
    note = Invoice(customer_id=original.customer_id, kind=InvoiceKind.CREDIT_NOTE, credit_of_id=original.id,
                   status=InvoiceStatus.DRAFT, currency=original.currency,
                   period_start=original.period_start, period_end=original.period_end)
    for li in lines:
        note.lines.append(InvoiceLine(
            subscription_id=li.subscription_id, plan_id=li.plan_id, period_start=li.period_start,
            period_end=li.period_end, description=f"Credit: {li.description}"[:300],
            quantity=li.quantity, unit_price=-Decimal(li.unit_price), amount=-Decimal(li.amount),
            tax_rate=li.tax_rate, tax_amount=-Decimal(li.tax_amount)))
    note.subtotal = sum((Decimal(li.amount) for li in note.lines), ZERO)
    note.tax_total = sum((Decimal(li.tax_amount) for li in note.lines), ZERO)
    note.total = note.subtotal + note.tax_total
    if credited_before - note.total > Decimal(original.total):
        raise Conflict(f"invoice {invoice_id} totals {original.total} and has {credited_before} credited; "
                       f"a further {-note.total} would credit more than it")
    session.add(note)
    session.flush()
    issue_invoices(session, issued_on or date.today(), invoice_ids=[note.id])
    original = _locked_invoices(session, [invoice_id])[invoice_id]
    settle = min(open_amount(original), -Decimal(note.total))
    if settle > 0:
        original.amount_credited = Decimal(original.amount_credited) + settle
        _settle_status(original)
    session.flush()
    audit(session, actor, "credit_note", "invoice", invoice_id, None,
          {"credit_note_id": note.id, "total": note.total, "reason": reason, "settled": settle})
    session.refresh(note)
    return note


def void(session: Session, invoice_id: int, actor: str) -> Invoice:
    """Void a draft or an unsettled issued invoice; an issued one keeps its number (no gap).
    The periods it billed are freed: the next billing run bills them again (a wrong invoice is
    voided and re-billed; to forgive a period, credit the invoice instead)."""
    invoice = _locked_invoices(session, [invoice_id]).get(invoice_id)
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} not found")
    if invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.ISSUED):
        raise Conflict(f"invoice {invoice_id} is {invoice.status.value}; it cannot be voided")
    if invoice.amount_paid or invoice.amount_credited:
        raise Conflict(f"invoice {invoice_id} has payments or credits allocated; credit it instead")
    before = invoice.status.value
    invoice.status = InvoiceStatus.VOID
    freed = session.execute(delete(BillingItem).where(BillingItem.invoice_id == invoice_id)
                            .returning(BillingItem.subscription_id, BillingItem.period_start)).all()
    session.flush()
    audit(session, actor, "void", "invoice", invoice_id, {"status": before},
          {"status": "void", "periods_freed": [{"subscription_id": sub, "period_start": start.isoformat()}
                                               for sub, start in freed]})
    return invoice


# --- balance and statement ------------------------------------------------------------

_STATEMENT = """
SELECT * FROM (
    SELECT issued_on AS on_date, 1 AS ord, id, kind AS type, number AS reference, total AS amount
    FROM invoices WHERE customer_id = :c AND number IS NOT NULL AND status <> 'void'
    UNION ALL
    SELECT (received_at AT TIME ZONE 'UTC')::date, 2, id, 'payment', reference, -amount
    FROM payments WHERE customer_id = :c
    UNION ALL
    SELECT (f.refunded_at AT TIME ZONE 'UTC')::date, 3, f.id, 'refund', f.reason, f.amount
    FROM payment_refunds f JOIN payments p ON p.id = f.payment_id WHERE p.customer_id = :c
) AS lines ORDER BY on_date, ord, id
"""


def statement(session: Session, customer_id: int) -> dict[str, Any]:
    """Chronological lines (invoices and credit notes, payments, refunds) with the running balance
    (positive: the customer owes)."""
    _customer(session, customer_id)
    running = ZERO
    lines = []
    for row in session.execute(text(_STATEMENT), {"c": customer_id}).mappings():
        running += Decimal(row["amount"])
        lines.append({"date": row["on_date"], "type": row["type"], "id": row["id"],
                      "reference": row["reference"], "amount": Decimal(row["amount"]), "balance": running})
    return {"customer_id": customer_id, "balance": running, "lines": lines}


def balance(session: Session, customer_id: int) -> dict[str, Any]:
    _customer(session, customer_id)
    row = session.execute(text("""
        SELECT
          coalesce((SELECT sum(total) FROM invoices WHERE customer_id = :c AND number IS NOT NULL
                    AND status <> 'void'), 0)
          - coalesce((SELECT sum(amount) FROM payments WHERE customer_id = :c), 0)
          + coalesce((SELECT sum(f.amount) FROM payment_refunds f JOIN payments p ON p.id = f.payment_id
                      WHERE p.customer_id = :c), 0) AS balance,
          coalesce((SELECT sum(total - amount_paid - amount_credited) FROM invoices WHERE customer_id = :c
                    AND status = 'issued' AND kind = 'invoice'), 0) AS open_total,
          coalesce((SELECT sum(p.amount - coalesce((SELECT sum(a.amount) FROM payment_allocations a
                                                    WHERE a.payment_id = p.id), 0)
                              - coalesce((SELECT sum(f.amount) FROM payment_refunds f WHERE f.payment_id = p.id), 0))
                    FROM payments p WHERE p.customer_id = :c), 0) AS credit
        """), {"c": customer_id}).mappings().one()
    return {"customer_id": customer_id, "balance": Decimal(row["balance"]),
            "open_invoices_total": Decimal(row["open_total"]), "credit_available": Decimal(row["credit"])}
