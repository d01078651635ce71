"""CRM HTTP API under /crm: customers, service plans, subscriptions, invoices,
payments and tickets.

Handlers are sync (FastAPI runs them in its threadpool); each one is one
transaction. Business-rule errors (crm.services.CrmError) are answered by the
application's one error handler (api.errors) as 404/409/422 problem documents."""

from __future__ import annotations

import uuid
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Header, Query, status
from pydantic import BaseModel
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import ORMOption

from core.db import Base, session_scope
from core.models import VendorFamily
from crm import filters, schemas, services
from crm.models import Customer, Invoice, Payment, ServicePlan, Subscription, Ticket
from crm.services import ChangeContext

R = TypeVar("R", bound=BaseModel)

router = APIRouter(tags=["crm"])


def change_context(
    x_ponstack_user: Annotated[str, Header(max_length=100)] = "api",
    x_request_id: Annotated[str | None, Header(max_length=64)] = None,
) -> ChangeContext:
    return ChangeContext(actor=x_ponstack_user.strip() or "api", request_id=x_request_id or str(uuid.uuid4()))


Ctx = Annotated[ChangeContext, Depends(change_context)]
CREATED = {"status_code": status.HTTP_201_CREATED}
NO_CONTENT = {"status_code": status.HTTP_204_NO_CONTENT}

PLAN_LOAD = (selectinload(ServicePlan.profiles),)
INVOICE_LOAD = (selectinload(Invoice.lines), selectinload(Invoice.payments))
TICKET_LOAD = (selectinload(Ticket.comments),)


def _list(model: type[Base], query: filters.ListQuery, read: type[R], *options: ORMOption) -> schemas.Page[R]:
    with session_scope() as session:
        return services.list_page(session, model, query, read, *options)


def _get(model: type[Base], obj_id: int, read: type[R]) -> R:
    with session_scope() as session:
        return read.model_validate(services.get_or_404(session, model, obj_id))


# --- customers -----------------------------------------------------------------


@router.get("/crm/customers")
def list_customers(query: Annotated[filters.CustomerFilter, Query()]) -> schemas.Page[schemas.CustomerRead]:
    return _list(Customer, query, schemas.CustomerRead)


@router.post("/crm/customers", **CREATED)
def create_customer(data: schemas.CustomerCreate, ctx: Ctx) -> schemas.CustomerRead:
    with session_scope() as session:
        return schemas.CustomerRead.model_validate(services.create_customer(session, data, ctx))


@router.get("/crm/customers/{customer_id}")
def get_customer(customer_id: int) -> schemas.CustomerRead:
    return _get(Customer, customer_id, schemas.CustomerRead)


@router.patch("/crm/customers/{customer_id}")
def update_customer(customer_id: int, data: schemas.CustomerUpdate, ctx: Ctx) -> schemas.CustomerRead:
    with session_scope() as session:
        return schemas.CustomerRead.model_validate(services.update_customer(session, customer_id, data, ctx))


@router.delete("/crm/customers/{customer_id}", **NO_CONTENT)
def delete_customer(customer_id: int, ctx: Ctx) -> None:
    with session_scope() as session:
        services.delete_customer(session, customer_id, ctx)


# --- service plans -------------------------------------------------------------


@router.get("/crm/service-plans")
def list_plans(query: Annotated[filters.ServicePlanFilter, Query()]) -> schemas.Page[schemas.ServicePlanRead]:
    return _list(ServicePlan, query, schemas.ServicePlanRead, *PLAN_LOAD)


@router.post("/crm/service-plans", **CREATED)
def create_plan(data: schemas.ServicePlanCreate, ctx: Ctx) -> schemas.ServicePlanRead:
    with session_scope() as session:
        return schemas.ServicePlanRead.model_validate(services.create_plan(session, data, ctx))


@router.get("/crm/service-plans/{plan_id}")
def get_plan(plan_id: int) -> schemas.ServicePlanRead:
    return _get(ServicePlan, plan_id, schemas.ServicePlanRead)


@router.patch("/crm/service-plans/{plan_id}")
def update_plan(plan_id: int, data: schemas.ServicePlanUpdate, ctx: Ctx) -> schemas.ServicePlanRead:
    with session_scope() as session:
        return schemas.ServicePlanRead.model_validate(services.update_plan(session, plan_id, data, ctx))


@router.delete("/crm/service-plans/{plan_id}", **NO_CONTENT)
def delete_plan(plan_id: int, ctx: Ctx) -> None:
    with session_scope() as session:
        services.delete_plan(session, plan_id, ctx)


@router.get("/crm/service-plans/{plan_id}/profiles")
def list_plan_profiles(plan_id: int) -> list[schemas.ServicePlanProfileRead]:
    return _get(ServicePlan, plan_id, schemas.ServicePlanRead).profiles


@router.put("/crm/service-plans/{plan_id}/profiles/{vendor_family}")
def put_plan_profile(
    plan_id: int, vendor_family: VendorFamily, data: schemas.ProfileFields, ctx: Ctx
) -> schemas.ServicePlanRead:
    profile = schemas.ServicePlanProfileIn(vendor_family=vendor_family, **data.model_dump())
    with session_scope() as session:
        return schemas.ServicePlanRead.model_validate(
            services.put_plan_profile(session, plan_id, profile, ctx)
        )


@router.delete("/crm/service-plans/{plan_id}/profiles/{vendor_family}")
def delete_plan_profile(plan_id: int, vendor_family: VendorFamily, ctx: Ctx) -> schemas.ServicePlanRead:
    with session_scope() as session:
        plan = services.delete_plan_profile(session, plan_id, vendor_family, ctx)
        return schemas.ServicePlanRead.model_validate(plan)


# --- subscriptions -------------------------------------------------------------


@router.get("/crm/subscriptions")
def list_subscriptions(
    query: Annotated[filters.SubscriptionFilter, Query()],
) -> schemas.Page[schemas.SubscriptionRead]:
    return _list(Subscription, query, schemas.SubscriptionRead)


@router.post("/crm/subscriptions", **CREATED)
def create_subscription(data: schemas.SubscriptionCreate, ctx: Ctx) -> schemas.SubscriptionRead:
    with session_scope() as session:
        return schemas.SubscriptionRead.model_validate(services.create_subscription(session, data, ctx))


@router.get("/crm/subscriptions/{subscription_id}")
def get_subscription(subscription_id: int) -> schemas.SubscriptionRead:
    return _get(Subscription, subscription_id, schemas.SubscriptionRead)


@router.patch("/crm/subscriptions/{subscription_id}")
def update_subscription(
    subscription_id: int, data: schemas.SubscriptionUpdate, ctx: Ctx
) -> schemas.SubscriptionRead:
    with session_scope() as session:
        subscription = services.update_subscription(session, subscription_id, data, ctx)
        return schemas.SubscriptionRead.model_validate(subscription)


@router.delete("/crm/subscriptions/{subscription_id}", **NO_CONTENT)
def delete_subscription(subscription_id: int, ctx: Ctx) -> None:
    with session_scope() as session:
        services.delete_subscription(session, subscription_id, ctx)


# --- invoices ------------------------------------------------------------------


@router.get("/crm/invoices")
def list_invoices(query: Annotated[filters.InvoiceFilter, Query()]) -> schemas.Page[schemas.InvoiceRead]:
    return _list(Invoice, query, schemas.InvoiceRead, *INVOICE_LOAD)


@router.post("/crm/invoices", **CREATED)
def create_invoice(data: schemas.InvoiceCreate, ctx: Ctx) -> schemas.InvoiceRead:
    with session_scope() as session:
        return schemas.InvoiceRead.model_validate(services.create_invoice(session, data, ctx))


@router.get("/crm/invoices/{invoice_id}")
def get_invoice(invoice_id: int) -> schemas.InvoiceRead:
    return _get(Invoice, invoice_id, schemas.InvoiceRead)


@router.patch("/crm/invoices/{invoice_id}")
def update_invoice(invoice_id: int, data: schemas.InvoiceUpdate, ctx: Ctx) -> schemas.InvoiceRead:
    with session_scope() as session:
        return schemas.InvoiceRead.model_validate(services.update_invoice(session, invoice_id, data, ctx))


@router.delete("/crm/invoices/{invoice_id}", **NO_CONTENT)
def delete_invoice(invoice_id: int, ctx: Ctx) -> None:
    with session_scope() as session:
        services.delete_invoice(session, invoice_id, ctx)


@router.post("/crm/invoices/{invoice_id}/lines", **CREATED)
def add_invoice_line(invoice_id: int, line: schemas.InvoiceLineIn, ctx: Ctx) -> schemas.InvoiceRead:
    with session_scope() as session:
        return schemas.InvoiceRead.model_validate(services.add_invoice_line(session, invoice_id, line, ctx))


@router.delete("/crm/invoices/{invoice_id}/lines/{line_id}")
def delete_invoice_line(invoice_id: int, line_id: int, ctx: Ctx) -> schemas.InvoiceRead:
    with session_scope() as session:
        invoice = services.delete_invoice_line(session, invoice_id, line_id, ctx)
        return schemas.InvoiceRead.model_validate(invoice)


@router.post("/crm/invoices/{invoice_id}/issue")
def issue_invoice(invoice_id: int, ctx: Ctx, data: schemas.InvoiceIssue | None = None) -> schemas.InvoiceRead:
    with session_scope() as session:
        invoice = services.issue_invoice(session, invoice_id, data or schemas.InvoiceIssue(), ctx)
        return schemas.InvoiceRead.model_validate(invoice)


@router.post("/crm/invoices/{invoice_id}/void")
def void_invoice(invoice_id: int, ctx: Ctx) -> schemas.InvoiceRead:
    with session_scope() as session:
        return schemas.InvoiceRead.model_validate(services.void_invoice(session, invoice_id, ctx))


# --- payments ------------------------------------------------------------------


@router.get("/crm/payments")
def list_payments(query: Annotated[filters.PaymentFilter, Query()]) -> schemas.Page[schemas.PaymentRead]:
    return _list(Payment, query, schemas.PaymentRead)


@router.post("/crm/payments", **CREATED)
def create_payment(data: schemas.PaymentCreate, ctx: Ctx) -> schemas.PaymentRead:
    with session_scope() as session:
        return schemas.PaymentRead.model_validate(services.create_payment(session, data, ctx))


@router.get("/crm/payments/{payment_id}")
def get_payment(payment_id: int) -> schemas.PaymentRead:
    return _get(Payment, payment_id, schemas.PaymentRead)


@router.patch("/crm/payments/{payment_id}")
def update_payment(payment_id: int, data: schemas.PaymentUpdate, ctx: Ctx) -> schemas.PaymentRead:
    with session_scope() as session:
        return schemas.PaymentRead.model_validate(services.update_payment(session, payment_id, data, ctx))


@router.delete("/crm/payments/{payment_id}", **NO_CONTENT)
def delete_payment(payment_id: int, ctx: Ctx) -> None:
    with session_scope() as session:
        services.delete_payment(session, payment_id, ctx)


# --- tickets -------------------------------------------------------------------


@router.get("/crm/tickets")
def list_tickets(query: Annotated[filters.TicketFilter, Query()]) -> schemas.Page[schemas.TicketRead]:
    return _list(Ticket, query, schemas.TicketRead, *TICKET_LOAD)


@router.post("/crm/tickets", **CREATED)
def create_ticket(data: schemas.TicketCreate, ctx: Ctx) -> schemas.TicketRead:
    with session_scope() as session:
        return schemas.TicketRead.model_validate(services.create_ticket(session, data, ctx))


@router.get("/crm/tickets/{ticket_id}")
def get_ticket(ticket_id: int) -> schemas.TicketRead:
    return _get(Ticket, ticket_id, schemas.TicketRead)


@router.patch("/crm/tickets/{ticket_id}")
def update_ticket(ticket_id: int, data: schemas.TicketUpdate, ctx: Ctx) -> schemas.TicketRead:
    with session_scope() as session:
        return schemas.TicketRead.model_validate(services.update_ticket(session, ticket_id, data, ctx))


@router.delete("/crm/tickets/{ticket_id}", **NO_CONTENT)
def delete_ticket(ticket_id: int, ctx: Ctx) -> None:
    with session_scope() as session:
        services.delete_ticket(session, ticket_id, ctx)


@router.get("/crm/tickets/{ticket_id}/comments")
def list_ticket_comments(ticket_id: int) -> list[schemas.TicketCommentRead]:
    return _get(Ticket, ticket_id, schemas.TicketRead).comments


@router.post("/crm/tickets/{ticket_id}/comments", **CREATED)
def add_ticket_comment(
    ticket_id: int, data: schemas.TicketCommentCreate, ctx: Ctx
) -> schemas.TicketCommentRead:
    with session_scope() as session:
        comment = services.add_ticket_comment(session, ticket_id, data, ctx)
        return schemas.TicketCommentRead.model_validate(comment)
