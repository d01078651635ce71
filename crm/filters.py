"""List query parameters: core.paging's `limit`/`offset` plus per-resource filters.

Each model is used as `Annotated[XFilter, Query()]`; unknown parameters are
rejected (422) so a misspelt filter never silently returns everything."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field
from sqlalchemy import ColumnElement, Select, and_, select

from core.db import Base
from core.inputs import Id, IsoDate, IsoDateTime, SearchText
from core.models import VendorFamily
from core.paging import PageQuery
from crm.models import (
    Customer,
    CustomerStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    ServicePlan,
    Subscription,
    SubscriptionStatus,
    Ticket,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from oms.models import PlanOltProfile


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class CrmFilter(PageQuery):
    """A page of one model's rows, narrowed by the filters sent."""

    model: ClassVar[type[Base]]

    def conditions(self) -> list[ColumnElement[bool]]:
        return []

    def statement(self) -> Select[Any]:
        return select(self.model).where(*self.conditions())


class CustomerFilter(CrmFilter):
    model = Customer

    q: SearchText | None = Field(None, description=(
        "search term: fuzzy match of name, code, e-mail, phone (its digits too), address or the serial "
        "of one of the customer's ONUs; results ranked best first (crm.search)"))
    code: SearchText | None = None
    status: CustomerStatus | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        # `q` is applied by crm.search (it needs the session: ranking and the pg_trgm settings)
        found: list[ColumnElement[bool]] = []
        if self.code is not None:
            found.append(Customer.code == self.code)
        if self.status is not None:
            found.append(Customer.status == self.status)
        return found


class ServicePlanFilter(CrmFilter):
    model = ServicePlan

    q: SearchText | None = Field(None, description="substring of the plan name")
    is_active: bool | None = None
    vendor_family: VendorFamily | None = Field(None, description="plans mapped to this vendor family")

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.q:
            found.append(ServicePlan.name.ilike(_contains(self.q)))
        if self.is_active is not None:
            found.append(ServicePlan.is_active.is_(self.is_active))
        if self.vendor_family is not None:
            mapped = select(PlanOltProfile.plan_id).where(
                PlanOltProfile.vendor_family == self.vendor_family
            )
            found.append(ServicePlan.id.in_(mapped))
        return found


class SubscriptionFilter(CrmFilter):
    model = Subscription

    customer_id: Id | None = None
    plan_id: Id | None = None
    status: SubscriptionStatus | None = None
    pppoe_username: SearchText | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.customer_id is not None:
            found.append(Subscription.customer_id == self.customer_id)
        if self.plan_id is not None:
            found.append(Subscription.plan_id == self.plan_id)
        if self.status is not None:
            found.append(Subscription.status == self.status)
        if self.pppoe_username is not None:
            found.append(Subscription.pppoe_username == self.pppoe_username)
        return found


class InvoiceFilter(CrmFilter):
    model = Invoice

    customer_id: Id | None = None
    status: InvoiceStatus | None = None
    number: SearchText | None = None
    issued_from: IsoDate | None = Field(None, description="issued on or after")
    issued_to: IsoDate | None = Field(None, description="issued on or before")
    overdue_on: IsoDate | None = Field(None, description="issued, unpaid and due before this day")

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.customer_id is not None:
            found.append(Invoice.customer_id == self.customer_id)
        if self.status is not None:
            found.append(Invoice.status == self.status)
        if self.number is not None:
            found.append(Invoice.number == self.number)
        if self.issued_from is not None:
            found.append(Invoice.issued_on >= self.issued_from)
        if self.issued_to is not None:
            found.append(Invoice.issued_on <= self.issued_to)
        if self.overdue_on is not None:
            found.append(and_(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_on < self.overdue_on))
        return found


class PaymentFilter(CrmFilter):
    model = Payment

    customer_id: Id | None = None
    invoice_id: Id | None = None
    method: PaymentMethod | None = None
    received_from: IsoDateTime | None = None
    received_to: IsoDateTime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.customer_id is not None:
            found.append(Payment.customer_id == self.customer_id)
        if self.invoice_id is not None:
            from crm.billing.models import PaymentAllocation  # payments settle invoices through allocations

            found.append(Payment.id.in_(select(PaymentAllocation.payment_id)
                                        .where(PaymentAllocation.invoice_id == self.invoice_id)))
        if self.method is not None:
            found.append(Payment.method == self.method)
        if self.received_from is not None:
            found.append(Payment.received_at >= self.received_from)
        if self.received_to is not None:
            found.append(Payment.received_at <= self.received_to)
        return found


class TicketFilter(CrmFilter):
    model = Ticket

    q: SearchText | None = Field(None, description="substring of the subject")
    customer_id: Id | None = None
    subscription_id: Id | None = None
    onu_id: Id | None = None
    category: TicketCategory | None = None
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    assigned_to_id: Id | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.q:
            found.append(Ticket.subject.ilike(_contains(self.q)))
        for column, value in (
            (Ticket.customer_id, self.customer_id),
            (Ticket.subscription_id, self.subscription_id),
            (Ticket.onu_id, self.onu_id),
            (Ticket.category, self.category),
            (Ticket.status, self.status),
            (Ticket.priority, self.priority),
            (Ticket.assigned_to_id, self.assigned_to_id),
        ):
            if value is not None:
                found.append(column == value)
        return found
