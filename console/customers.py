"""Console pages of the CRM: customers (search, list, customer page), subscriptions and tickets.

Lists page and sort the one console way (`list_window`, `Listing`); their filters are the CRM
API's own filter models (crm.filters), so a page and `GET /crm/...` narrow rows identically, and
the customer search is crm.search's (trigram indexes, best match first). Counts are exact up to
core.paging's limit, an estimate beyond ("about N").

Changes go through the JSON API from the browser (console.js `data-api`): suspending and lifting
a subscription (crm.lifecycle_api), recording a payment (crm.billing.api), opening a ticket and
commenting on it (crm.api). CRM rows are not OLT-scoped, but an ONU shown here is: its live
state is shown only to a reader with network:read whose scope includes the ONU's OLT (as
crm.tickets does for the ticket API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from console.web import Listing, list_window, render, viewer
from core.access import Permission, Principal
from core.db import session_scope
from core.models import User
from core.paging import count_of
from crm import filters, search, tickets
from crm.billing import payments as billing
from crm.models import (
    Customer,
    CustomerStatus,
    Invoice,
    Payment,
    PaymentMethod,
    ServicePlan,
    Subscription,
    SubscriptionStatus,
    SubscriptionSuspension,
    SuspensionReason,
    Ticket,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from crm.services import Invalid, get_or_404
from oms.models import Onu, OnuLifecycle
from oms.scope import visible_only

router = APIRouter(include_in_schema=False)
P = Permission
F = TypeVar("F", bound=filters.CrmFilter)

#: unconfigured ONUs offered to an activation (the newest discovered, in the viewer's scope)
WAITING_SERIALS = 200
#: rows of each kind shown on the customer page (the newest); the rest through the lists
RECENT_ROWS = 20

CUSTOMER_SORTS: dict[str, Any] = {
    "code": Customer.code, "name": Customer.name, "status": Customer.status, "created": Customer.created_at,
}
SUBSCRIPTION_SORTS: dict[str, Any] = {
    "id": Subscription.id, "customer": Customer.name, "plan": ServicePlan.name, "status": Subscription.status,
    "started": Subscription.started_on,
}
#: priorities are stored as text: sort them by urgency, not alphabetically
PRIORITY_RANK = case({p: rank for rank, p in enumerate(TicketPriority)}, value=Ticket.priority)
TICKET_FILTERS = ("q", "status", "priority", "assigned_to_id", "customer_id", "category")
TICKET_SORTS: dict[str, Any] = {
    "id": Ticket.id, "subject": Ticket.subject, "status": Ticket.status, "priority": PRIORITY_RANK,
    "updated": Ticket.updated_at,
}


# --- shared helpers ---------------------------------------------------------------------------


def _filter(model: type[F], request: Request, names: tuple[str, ...]) -> F:
    """The API's filter model from the page's query (empty fields: no filter); a bad value is a
    422 page naming the field, not an unfiltered list."""
    sent = {name: request.query_params[name] for name in names if request.query_params.get(name, "") != ""}
    try:
        return model.model_validate(sent)
    except ValidationError as exc:
        fields = ", ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise Invalid(f"bad filter value ({fields})") from exc


def _ordered(stmt: Select[Any], column: Any, descending: bool, tie: Any) -> Select[Any]:
    """`stmt` sorted by `column`, ties by `tie` in the same direction (stable pages)."""
    if descending:
        return stmt.order_by(column.desc().nulls_last(), tie.desc())
    return stmt.order_by(column.asc().nulls_last(), tie.asc())


def ago(seconds: float | None) -> str:
    """'4 min ago' for the age of a reading; an em dash when it was never read."""
    if seconds is None:
        return "—"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds)} s ago"


def _age(read_at: datetime | None, now: datetime) -> float | None:
    return None if read_at is None else max(0.0, (now - read_at).total_seconds())


# --- customers ---------------------------------------------------------------------------------


@router.get("/console/customers")
def customer_list(request: Request, who: Principal = viewer(P.CRM_READ)) -> HTMLResponse:
    query = _filter(filters.CustomerFilter, request, ("q", "status"))
    sort_keys = (*CUSTOMER_SORTS, "relevance") if query.q else tuple(CUSTOMER_SORTS)
    sort, descending, offset, limit = list_window(request, sort_keys, "relevance" if query.q else "name")
    with session_scope() as session:
        stmt = query.statement()
        ranking: list[Any] = []
        if query.q:
            stmt, ranking = search.search_customers(session, stmt, query.q)
        count, estimated = count_of(session, stmt)
        if sort == "relevance":
            stmt = stmt.order_by(*ranking)
        else:
            stmt = _ordered(stmt, CUSTOMER_SORTS[sort], descending, Customer.id)
        rows = list(session.scalars(stmt.limit(limit).offset(offset)))
    params = {"q": query.q or "", "status": query.status.value if query.status else ""}
    listing = Listing("/console/customers", params, sort, descending, offset, limit, count, rows, estimated)
    return render(request, "customers_list.html", who, title="Customers", listing=listing,
                  statuses=list(CustomerStatus))


@dataclass
class OnuLive:
    """A subscription's ONU as the customer page shows it (`visible` False: out of the reader's scope)."""

    id: int
    serial: str
    visible: bool
    status: str = ""
    lifecycle_state: str = ""
    rx_dbm: float | None = None
    tx_dbm: float | None = None
    age_s: float | None = None


@dataclass
class SubscriptionRow:
    subscription: Subscription
    plan: ServicePlan
    suspensions: list[SubscriptionSuspension]
    onu: OnuLive | None


def _onu_live(onu: Onu, who: Principal, now: datetime) -> OnuLive:
    if not (who.can(P.NETWORK_READ) and who.sees_olt(onu.olt_id)):
        return OnuLive(onu.id, "", False)
    return OnuLive(onu.id, onu.serial, True, onu.status.value, onu.lifecycle_state.value, onu.rx_dbm,
                   onu.tx_dbm, _age(onu.optical_read_at, now))


def _subscription_rows(session: Session, customer_id: int, who: Principal) -> list[SubscriptionRow]:
    """The customer's subscriptions with plan, suspension reasons and ONU (three queries, not per row)."""
    pairs = session.execute(select(Subscription, ServicePlan).join(ServicePlan)
                            .where(Subscription.customer_id == customer_id).order_by(Subscription.id)).all()
    ids = [s.id for s, _ in pairs]
    reasons: dict[int, list[SubscriptionSuspension]] = {i: [] for i in ids}
    for suspension in session.scalars(select(SubscriptionSuspension).where(
            SubscriptionSuspension.subscription_id.in_(ids)).order_by(SubscriptionSuspension.id)):
        reasons[suspension.subscription_id].append(suspension)
    now = session.execute(select(func.now())).scalar_one()  # the database's clock, as the readings'
    onus = {o.subscription_id: _onu_live(o, who, now)
            for o in session.scalars(select(Onu).where(Onu.subscription_id.in_(ids)))}
    return [SubscriptionRow(s, plan, reasons[s.id], onus.get(s.id)) for s, plan in pairs]


def _newest(session: Session, stmt: Select[Any], id_column: Any) -> tuple[list[Any], int]:
    """The newest RECENT_ROWS rows of `stmt` and how many there are in all."""
    count, _ = count_of(session, stmt)
    return list(session.scalars(stmt.order_by(id_column.desc()).limit(RECENT_ROWS))), count


@router.get("/console/customers/{customer_id}")
def customer_page(request: Request, customer_id: int, who: Principal = viewer(P.CRM_READ)) -> HTMLResponse:
    with session_scope() as session:
        customer = get_or_404(session, Customer, customer_id)
        context: dict[str, Any] = {"customer": customer,
                                   "subscriptions": _subscription_rows(session, customer.id, who)}
        context["tickets"], context["ticket_count"] = _newest(
            session, select(Ticket).where(Ticket.customer_id == customer.id), Ticket.id)
        if who.can(P.BILLING_READ):
            context.update(_billing_context(session, customer.id))
        if who.can(P.CRM_WRITE):
            context["plans"] = list(session.scalars(select(ServicePlan).where(ServicePlan.is_active.is_(True))
                                                    .order_by(ServicePlan.name)))
            context["waiting_serials"] = _waiting_serials(session, who)
    return render(request, "customers_page.html", who, title=customer.name, ago=ago, **context,
                  suspension_reasons=list(SuspensionReason), payment_methods=list(PaymentMethod),
                  ticket_categories=list(TicketCategory), ticket_priorities=list(TicketPriority))


def _waiting_serials(session: Session, who: Principal) -> list[str]:
    """Serials discovery found unconfigured and not serving anyone, newest first (the activation
    form suggests them)."""
    stmt = (select(Onu.serial).where(Onu.lifecycle_state == OnuLifecycle.DISCOVERED, Onu.subscription_id.is_(None))
            .order_by(Onu.discovered_at.desc().nulls_last()).limit(WAITING_SERIALS))
    return list(session.scalars(visible_only(stmt, who, Onu.olt_id)))


def _billing_context(session: Session, customer_id: int) -> dict[str, Any]:
    invoices, invoice_count = _newest(session, select(Invoice).where(Invoice.customer_id == customer_id),
                                      Invoice.id)
    paid, payment_count = _newest(session, select(Payment).where(Payment.customer_id == customer_id), Payment.id)
    return {"balance": billing.balance(session, customer_id), "invoices": invoices,
            "invoice_count": invoice_count, "payments": paid, "payment_count": payment_count,
            "open_amount": billing.open_amount}


# --- subscriptions -----------------------------------------------------------------------------


@router.get("/console/subscriptions")
def subscription_list(request: Request, who: Principal = viewer(P.CRM_READ)) -> HTMLResponse:
    query = _filter(filters.SubscriptionFilter, request, ("status", "plan_id", "customer_id"))
    sort, descending, offset, limit = list_window(request, tuple(SUBSCRIPTION_SORTS), "id", True)
    with session_scope() as session:
        stmt = query.statement()
        count, estimated = count_of(session, stmt)
        page = (_ordered(stmt, SUBSCRIPTION_SORTS[sort], descending, Subscription.id)
                .join(Customer, Customer.id == Subscription.customer_id)
                .join(ServicePlan, ServicePlan.id == Subscription.plan_id)
                .add_columns(Customer, ServicePlan).limit(limit).offset(offset))
        triples = session.execute(page).all()
        ids = [row[0].id for row in triples]
        reasons = _reasons_by_subscription(session, ids)
        onus = _visible_onus(session, ids, who)
        rows = [(s, c, p, reasons.get(s.id, []), onus.get(s.id)) for s, c, p in triples]
        plans = list(session.scalars(select(ServicePlan).order_by(ServicePlan.name)))
    params = {"status": query.status.value if query.status else "", "plan_id": str(query.plan_id or ""),
              "customer_id": str(query.customer_id or "")}
    listing = Listing("/console/subscriptions", params, sort, descending, offset, limit, count, rows, estimated)
    return render(request, "customers_subscriptions.html", who, title="Subscriptions", listing=listing,
                  statuses=list(SubscriptionStatus), plans=plans)


def _visible_onus(session: Session, subscription_ids: list[int], who: Principal) -> dict[int, tuple[int, str]]:
    """(ONU id, serial) by subscription, for the ONUs the reader may see."""
    if not who.can(P.NETWORK_READ):
        return {}
    rows = session.execute(select(Onu.subscription_id, Onu.id, Onu.serial, Onu.olt_id)
                           .where(Onu.subscription_id.in_(subscription_ids)))
    return {row.subscription_id: (row.id, row.serial) for row in rows if who.sees_olt(row.olt_id)}


def _reasons_by_subscription(session: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for subscription_id, reason in session.execute(
            select(SubscriptionSuspension.subscription_id, SubscriptionSuspension.reason)
            .where(SubscriptionSuspension.subscription_id.in_(ids)).order_by(SubscriptionSuspension.reason)):
        found.setdefault(subscription_id, []).append(reason.value)
    return found


# --- tickets -----------------------------------------------------------------------------------


@router.get("/console/tickets")
def ticket_list(request: Request, who: Principal = viewer(P.CRM_READ)) -> HTMLResponse:
    query = _filter(filters.TicketFilter, request, TICKET_FILTERS)
    sort, descending, offset, limit = list_window(request, tuple(TICKET_SORTS), "id", True)
    with session_scope() as session:
        stmt = query.statement()
        count, estimated = count_of(session, stmt)
        page = (_ordered(stmt, TICKET_SORTS[sort], descending, Ticket.id)
                .outerjoin(Customer, Customer.id == Ticket.customer_id)
                .outerjoin(User, User.id == Ticket.assigned_to_id)
                .add_columns(Customer.name, User.username).limit(limit).offset(offset))
        rows = list(session.execute(page).all())
        users = _assignable(session)
    params = {name: str(value) for name, value in query.model_dump(include=set(TICKET_FILTERS)).items()
              if value is not None}
    listing = Listing("/console/tickets", params, sort, descending, offset, limit, count, rows, estimated)
    return render(request, "tickets_list.html", who, title="Tickets", listing=listing, users=users,
                  statuses=list(TicketStatus), priorities=list(TicketPriority), categories=list(TicketCategory))


def _assignable(session: Session) -> list[tuple[int, str]]:
    """Who a ticket may be assigned to (and filtered by): the active users, by name."""
    return [(row.id, row.username) for row in session.execute(
        select(User.id, User.username).where(User.is_active.is_(True)).order_by(User.username))]


@router.get("/console/tickets/{ticket_id}")
def ticket_page(request: Request, ticket_id: int, who: Principal = viewer(P.CRM_READ)) -> HTMLResponse:
    with session_scope() as session:
        detail = tickets.ticket_detail(session, ticket_id, who)
        customer = session.get(Customer, detail.customer_id) if detail.customer_id else None
        users = _assignable(session)
    names = dict(users)
    return render(request, "tickets_page.html", who, title=f"Ticket {detail.id}: {detail.subject}",
                  ticket=detail, customer=customer, users=users, names=names, ago=ago,
                  statuses=list(TicketStatus), priorities=list(TicketPriority))
