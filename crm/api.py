"""CRM HTTP API under /crm: customers, service plans, subscriptions and tickets
(invoices and payments: crm.billing.api).

Every route declares the permission it needs (`who: Principal = require(...)`, see
core.access); the principal is the actor of the change in the audit log. Lists page
the one way (core.paging). A customer, subscription or service plan read answers an
`ETag`; an update may send it back as `If-Match` and is refused (412) when someone
else changed the record since.

Handlers are sync (FastAPI runs them in its threadpool); each one is one
transaction. Business-rule errors (crm.services.CrmError) are answered by the
application's one error handler (api.errors) as 404/409/412/422 problem documents."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel
from sqlalchemy import inspect
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import ORMOption

from core.access import Permission, Principal, require
from core.db import Base, session_scope
from core.models import VendorFamily
from core.paging import Page, page_of
from crm import filters, schemas, search, services, tickets
from crm.models import Customer, ServicePlan, Subscription, Ticket

R = TypeVar("R", bound=BaseModel)

router = APIRouter(tags=["crm"])

P = Permission
CREATED: dict[str, Any] = {"status_code": status.HTTP_201_CREATED}
NO_CONTENT: dict[str, Any] = {"status_code": status.HTTP_204_NO_CONTENT}
#: an update that may carry If-Match
VERSIONED: dict[str, Any] = {"responses": {412: {
    "description": "If-Match names an older version: someone else changed the record since it was read"}}}
IfMatch = Annotated[str | None, Header(
    alias="If-Match", max_length=1000,
    description="the ETag of the record as read; the update is refused (412) if it has changed since")]

PLAN_LOAD = (selectinload(ServicePlan.profiles),)
TICKET_LOAD = (selectinload(Ticket.comments),)


def _list(query: filters.CrmFilter, read: type[R], *options: ORMOption) -> Page[R]:
    with session_scope() as session:
        stmt = query.statement().options(*options)
        return page_of(session, stmt, query, read.model_validate, order_by=inspect(query.model).primary_key)


def _get(model: type[Base], obj_id: int, read: type[R]) -> R:
    with session_scope() as session:
        return read.model_validate(services.get_or_404(session, model, obj_id))


def _versioned(response: Response, obj: Customer | Subscription | ServicePlan, read: type[R]) -> R:
    """The record as read, its version in the `ETag` header."""
    response.headers["ETag"] = services.version(obj)
    return read.model_validate(obj)


def _get_versioned(response: Response, model: type[services.V], obj_id: int, read: type[R]) -> R:
    with session_scope() as session:
        return _versioned(response, services.get_or_404(session, model, obj_id), read)


# --- customers -----------------------------------------------------------------


@router.get("/crm/customers")
def list_customers(
    query: Annotated[filters.CustomerFilter, Query()], who: Principal = require(P.CRM_READ)
) -> Page[schemas.CustomerRead]:
    """With `q`: the customers matching the term (crm.search), best match first; else by id."""
    if not query.q:
        return _list(query, schemas.CustomerRead)
    with session_scope() as session:
        stmt, order_by = search.search_customers(session, query.statement(), query.q)
        return page_of(session, stmt, query, schemas.CustomerRead.model_validate, order_by=order_by,
                       count_with_page=True)


@router.post("/crm/customers", **CREATED)
def create_customer(
    data: schemas.CustomerCreate, response: Response, who: Principal = require(P.CRM_WRITE)
) -> schemas.CustomerRead:
    with session_scope() as session:
        return _versioned(response, services.create_customer(session, data, who), schemas.CustomerRead)


@router.get("/crm/customers/{customer_id}")
def get_customer(
    customer_id: int, response: Response, who: Principal = require(P.CRM_READ)
) -> schemas.CustomerRead:
    return _get_versioned(response, Customer, customer_id, schemas.CustomerRead)


@router.patch("/crm/customers/{customer_id}", **VERSIONED)
def update_customer(
    customer_id: int, data: schemas.CustomerUpdate, response: Response, if_match: IfMatch = None,
    who: Principal = require(P.CRM_WRITE),
) -> schemas.CustomerRead:
    with session_scope() as session:
        customer = services.update_customer(session, customer_id, data, who, if_match)
        return _versioned(response, customer, schemas.CustomerRead)


@router.delete("/crm/customers/{customer_id}", **NO_CONTENT)
def delete_customer(customer_id: int, who: Principal = require(P.CRM_WRITE)) -> None:
    with session_scope() as session:
        services.delete_customer(session, customer_id, who)


# --- service plans -------------------------------------------------------------


@router.get("/crm/service-plans")
def list_plans(
    query: Annotated[filters.ServicePlanFilter, Query()], who: Principal = require(P.CRM_READ)
) -> Page[schemas.ServicePlanRead]:
    return _list(query, schemas.ServicePlanRead, *PLAN_LOAD)


@router.post("/crm/service-plans", **CREATED)
def create_plan(
    data: schemas.ServicePlanCreate, response: Response, who: Principal = require(P.PLANS_WRITE)
) -> schemas.ServicePlanRead:
    with session_scope() as session:
        return _versioned(response, services.create_plan(session, data, who), schemas.ServicePlanRead)


@router.get("/crm/service-plans/{plan_id}")
def get_plan(plan_id: int, response: Response, who: Principal = require(P.CRM_READ)) -> schemas.ServicePlanRead:
    return _get_versioned(response, ServicePlan, plan_id, schemas.ServicePlanRead)


@router.patch("/crm/service-plans/{plan_id}", **VERSIONED)
def update_plan(
    plan_id: int, data: schemas.ServicePlanUpdate, response: Response, if_match: IfMatch = None,
    who: Principal = require(P.PLANS_WRITE),
) -> schemas.ServicePlanRead:
    with session_scope() as session:
        plan = services.update_plan(session, plan_id, data, who, if_match)
        return _versioned(response, plan, schemas.ServicePlanRead)


@router.delete("/crm/service-plans/{plan_id}", **NO_CONTENT)
def delete_plan(plan_id: int, who: Principal = require(P.PLANS_WRITE)) -> None:
    with session_scope() as session:
        services.delete_plan(session, plan_id, who)


@router.get("/crm/service-plans/{plan_id}/profiles")
def list_plan_profiles(plan_id: int, who: Principal = require(P.CRM_READ)) -> list[schemas.ServicePlanProfileRead]:
    return _get(ServicePlan, plan_id, schemas.ServicePlanRead).profiles


@router.put("/crm/service-plans/{plan_id}/profiles/{vendor_family}", **VERSIONED)
def put_plan_profile(
    plan_id: int, vendor_family: VendorFamily, data: schemas.ProfileFields, response: Response,
    if_match: IfMatch = None, who: Principal = require(P.PLANS_WRITE),
) -> schemas.ServicePlanRead:
    profile = schemas.ServicePlanProfileIn(vendor_family=vendor_family, **data.model_dump())
    with session_scope() as session:
        plan = services.put_plan_profile(session, plan_id, profile, who, if_match)
        return _versioned(response, plan, schemas.ServicePlanRead)


@router.delete("/crm/service-plans/{plan_id}/profiles/{vendor_family}")
def delete_plan_profile(
    plan_id: int, vendor_family: VendorFamily, response: Response, who: Principal = require(P.PLANS_WRITE)
) -> schemas.ServicePlanRead:
    with session_scope() as session:
        plan = services.delete_plan_profile(session, plan_id, vendor_family, who)
        return _versioned(response, plan, schemas.ServicePlanRead)


# --- subscriptions -------------------------------------------------------------


@router.get("/crm/subscriptions")
def list_subscriptions(
    query: Annotated[filters.SubscriptionFilter, Query()], who: Principal = require(P.CRM_READ)
) -> Page[schemas.SubscriptionRead]:
    return _list(query, schemas.SubscriptionRead)


@router.post("/crm/subscriptions", **CREATED)
def create_subscription(
    data: schemas.SubscriptionCreate, response: Response, who: Principal = require(P.CRM_WRITE)
) -> schemas.SubscriptionRead:
    with session_scope() as session:
        return _versioned(response, services.create_subscription(session, data, who), schemas.SubscriptionRead)


@router.get("/crm/subscriptions/{subscription_id}")
def get_subscription(
    subscription_id: int, response: Response, who: Principal = require(P.CRM_READ)
) -> schemas.SubscriptionRead:
    return _get_versioned(response, Subscription, subscription_id, schemas.SubscriptionRead)


@router.patch("/crm/subscriptions/{subscription_id}", **VERSIONED)
def update_subscription(
    subscription_id: int, data: schemas.SubscriptionUpdate, response: Response, if_match: IfMatch = None,
    who: Principal = require(P.CRM_WRITE),
) -> schemas.SubscriptionRead:
    with session_scope() as session:
        subscription = services.update_subscription(session, subscription_id, data, who, if_match)
        return _versioned(response, subscription, schemas.SubscriptionRead)


@router.delete("/crm/subscriptions/{subscription_id}", **NO_CONTENT)
def delete_subscription(subscription_id: int, who: Principal = require(P.CRM_WRITE)) -> None:
    with session_scope() as session:
        services.delete_subscription(session, subscription_id, who)


# Invoices and payments: crm.billing.api (billing runs, allocations, refunds, credit notes).


# --- tickets -------------------------------------------------------------------


@router.get("/crm/tickets")
def list_tickets(
    query: Annotated[filters.TicketFilter, Query()], who: Principal = require(P.CRM_READ)
) -> Page[schemas.TicketRead]:
    return _list(query, schemas.TicketRead, *TICKET_LOAD)


@router.post("/crm/tickets", **CREATED)
def create_ticket(data: schemas.TicketCreate, who: Principal = require(P.TICKETS_WRITE)) -> schemas.TicketRead:
    with session_scope() as session:
        return schemas.TicketRead.model_validate(services.create_ticket(session, data, who))


@router.get("/crm/tickets/{ticket_id}")
def get_ticket(ticket_id: int, who: Principal = require(P.CRM_READ)) -> schemas.TicketDetail:
    """The ticket with its ONU's live state, signal history, jobs and intents (crm.tickets)."""
    with session_scope() as session:
        return tickets.ticket_detail(session, ticket_id, who)


@router.patch("/crm/tickets/{ticket_id}")
def update_ticket(
    ticket_id: int, data: schemas.TicketUpdate, who: Principal = require(P.TICKETS_WRITE)
) -> schemas.TicketRead:
    with session_scope() as session:
        return schemas.TicketRead.model_validate(services.update_ticket(session, ticket_id, data, who))


@router.delete("/crm/tickets/{ticket_id}", **NO_CONTENT)
def delete_ticket(ticket_id: int, who: Principal = require(P.TICKETS_WRITE)) -> None:
    with session_scope() as session:
        services.delete_ticket(session, ticket_id, who)


@router.get("/crm/tickets/{ticket_id}/comments")
def list_ticket_comments(ticket_id: int, who: Principal = require(P.CRM_READ)) -> list[schemas.TicketCommentRead]:
    return _get(Ticket, ticket_id, schemas.TicketRead).comments


@router.post("/crm/tickets/{ticket_id}/comments", **CREATED)
def add_ticket_comment(
    ticket_id: int, data: schemas.TicketCommentCreate, who: Principal = require(P.TICKETS_WRITE)
) -> schemas.TicketCommentRead:
    with session_scope() as session:
        comment = services.add_ticket_comment(session, ticket_id, data, who)
        return schemas.TicketCommentRead.model_validate(comment)
