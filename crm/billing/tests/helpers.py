"""Rows for billing tests, written straight through the ORM."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from crm.billing.models import TaxRate
from crm.models import BillingMode, Customer, ServicePlan, Subscription, SubscriptionStatus


def customer(session: Session, code: str = "C1", **fields: Any) -> Customer:
    row = Customer(code=code, **{"name": f"Customer {code}", **fields})
    session.add(row)
    session.flush()
    return row


def plan(session: Session, name: str = "Fibre 100", price: str = "30.00", mode: BillingMode = BillingMode.POSTPAID,
         tax: TaxRate | None = None) -> ServicePlan:
    row = ServicePlan(name=name, download_kbps=100_000, upload_kbps=50_000, price=Decimal(price),
                      billing_mode=mode, tax_rate_id=tax.id if tax else None)
    session.add(row)
    session.flush()
    return row


def tax_rate(session: Session, name: str = "VAT", rate: str = "21") -> TaxRate:
    row = TaxRate(name=name, rate=Decimal(rate))
    session.add(row)
    session.flush()
    return row


def subscription(session: Session, cust: Customer, pl: ServicePlan, started_on: date,
                 status: SubscriptionStatus = SubscriptionStatus.ACTIVE, **fields: Any) -> Subscription:
    row = Subscription(customer_id=cust.id, plan_id=pl.id, started_on=started_on, status=status, **fields)
    session.add(row)
    session.flush()
    return row
