"""Payments: allocation, partial, over-payment credit applied to the next invoice, refunds,
statement and balance, and two concurrent payments that must not over-settle an invoice."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.db import session_scope
from core.errors import Conflict
from crm.billing.models import PaymentAllocation
from crm.billing.payments import AllocationIn, balance, create_payment, refund, statement
from crm.billing.runs import add_months, run_billing
from crm.billing.tests.helpers import customer, plan, subscription
from crm.models import Invoice, InvoiceStatus, PaymentMethod

RUN_ON = date(2026, 3, 5)
CASH = PaymentMethod.CASH


def _billed(db_url: str, price: str = "100.00") -> tuple[int, int]:
    with session_scope(db_url) as s:
        cust = customer(s, email="ana@example.net")
        subscription(s, cust, plan(s, price=price), date(2025, 6, 5))
        cust_id = cust.id
    with session_scope(db_url) as s:
        run_billing(s, RUN_ON, "tester")
        return cust_id, s.scalars(select(Invoice.id)).one()


def test_partial_then_full_payment_and_explicit_allocation_limits(db_url: str) -> None:
    cust, inv = _billed(db_url)
    with session_scope(db_url) as s:
        create_payment(s, customer_id=cust, amount=Decimal("40"), method=CASH, actor="t",
                       allocations=[AllocationIn(inv, Decimal("40"))], today=RUN_ON)
    with pytest.raises(Conflict), session_scope(db_url) as s:
        create_payment(s, customer_id=cust, amount=Decimal("70"), method=CASH, actor="t",
                       allocations=[AllocationIn(inv, Decimal("70"))], today=RUN_ON)
    with session_scope(db_url) as s:
        create_payment(s, customer_id=cust, amount=Decimal("60"), method=CASH, actor="t", today=RUN_ON)
    with session_scope(db_url) as s:
        invoice = s.get(Invoice, inv)
        assert invoice is not None and invoice.status == InvoiceStatus.PAID
        assert invoice.amount_paid == Decimal("100.00")
        assert balance(s, cust)["balance"] == Decimal("0.00")


def test_over_payment_is_credit_applied_to_the_next_invoice_and_refundable(db_url: str) -> None:
    cust, inv = _billed(db_url)
    with session_scope(db_url) as s:
        pay = create_payment(s, customer_id=cust, amount=Decimal("250"), method=CASH, actor="t", today=RUN_ON,
                             received_at=datetime(2026, 3, 6, 12, tzinfo=UTC))
        pay_id = pay.id
    with session_scope(db_url) as s:
        got = balance(s, cust)
        assert got["balance"] == Decimal("-150.00") and got["credit_available"] == Decimal("150.00")
    with session_scope(db_url) as s:
        run_billing(s, add_months(RUN_ON, 1), "tester")  # the next period: 100 taken from the credit
    with session_scope(db_url) as s:
        second = s.scalars(select(Invoice).where(Invoice.id != inv)).one()
        assert second.status == InvoiceStatus.PAID and second.amount_paid == Decimal("100.00")
        assert balance(s, cust)["credit_available"] == Decimal("50.00")
    with pytest.raises(Conflict), session_scope(db_url) as s:
        refund(s, pay_id, Decimal("50.01"), "too much", "t")
    with session_scope(db_url) as s:
        refund(s, pay_id, Decimal("50"), "customer asked", "t")
    with session_scope(db_url) as s:
        assert balance(s, cust) == {"customer_id": cust, "balance": Decimal("0.00"),
                                    "open_invoices_total": Decimal("0.00"), "credit_available": Decimal("0.00")}
        lines = statement(s, cust)["lines"]
        assert [(li["type"], li["amount"], li["balance"]) for li in lines] == [
            ("invoice", Decimal("100.00"), Decimal("100.00")),
            ("payment", Decimal("-250.00"), Decimal("-150.00")),
            ("invoice", Decimal("100.00"), Decimal("-50.00")),
            ("refund", Decimal("50.00"), Decimal("0.00")),
        ]


def test_two_payments_at_once_never_over_settle_an_invoice(db_url: str) -> None:
    cust, inv = _billed(db_url)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def pay(explicit: bool) -> None:
        barrier.wait()
        try:
            with session_scope(db_url) as s:
                allocations = [AllocationIn(inv, Decimal("60"))] if explicit else None
                create_payment(s, customer_id=cust, amount=Decimal("60"), method=CASH, actor="t",
                               allocations=allocations, today=RUN_ON)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=pay, args=(n % 2 == 0,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with session_scope(db_url) as s:
        invoice = s.get(Invoice, inv)
        assert invoice is not None and invoice.amount_paid == Decimal("100.00")
        allocated = s.scalar(select(func.sum(PaymentAllocation.amount)).where(PaymentAllocation.invoice_id == inv))
        assert allocated == Decimal("100.00")
    assert outcomes.count("ok") >= 2 and len(outcomes) == 4
