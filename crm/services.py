"""CRM business rules. Every change is flushed (so database constraints report
here, as CrmError) and audited in the caller's transaction, with the authenticated
principal (core.access) as its actor. Customers, subscriptions and service plans carry
a version (`version`, their ETag): an update naming an older one is refused (412)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from core.access import Principal
from core.audit import audit
from core.concurrency import check_if_match, etag
from core.db import Base, TimestampMixin
from core.errors import DomainError
from crm import schemas
from crm.models import (
    Customer,
    CustomerStatus,
    Invoice,
    Payment,
    ServicePlan,
    Subscription,
    SubscriptionStatus,
    Ticket,
    TicketComment,
)
from oms import in_use
from oms.errors import Conflict as OmsConflict
from oms.models import Onu, PlanOltProfile

M = TypeVar("M", bound=Base)
V = TypeVar("V", Customer, Subscription, ServicePlan)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


# --- errors --------------------------------------------------------------------


class CrmError(DomainError):
    status = 422


class NotFound(CrmError):
    status = 404


class Conflict(CrmError):
    status = 409


class Invalid(CrmError):
    status = 422


# --- plumbing ------------------------------------------------------------------


LABELS: dict[type[Base], str] = {
    Customer: "customer",
    ServicePlan: "service plan",
    Subscription: "subscription",
    Invoice: "invoice",
    Payment: "payment",
    Ticket: "ticket",
    TicketComment: "ticket comment",
}

READ_SCHEMAS: dict[type[Base], type[BaseModel]] = {
    Customer: schemas.CustomerRead,
    ServicePlan: schemas.ServicePlanRead,
    Subscription: schemas.SubscriptionRead,
    Invoice: schemas.InvoiceRead,
    Payment: schemas.PaymentRead,
    Ticket: schemas.TicketRead,
    TicketComment: schemas.TicketCommentRead,
}


def describe(obj: Base) -> str:
    label = LABELS.get(type(obj), type(obj).__name__)
    obj_id = getattr(obj, "id", None)
    return f"{label} {obj_id}" if obj_id is not None else f"new {label}"


def snapshot(obj: Base) -> dict[str, Any]:
    """The object as the API shows it, so secrets never reach the audit log."""
    return READ_SCHEMAS[type(obj)].model_validate(obj).model_dump(mode="json")


def record(
    session: Session,
    who: Principal,
    action: str,
    obj: Base,
    before: dict[str, Any] | None,
    message: str = "",
) -> None:
    after = None if action == "delete" else snapshot(obj)
    obj_type = LABELS[type(obj)].replace(" ", "_")
    audit(
        session,
        who.username,
        action,
        obj_type,
        getattr(obj, "id", None),
        before,
        after,
        message=message,
        request_id=who.request_id,
    )


def version(obj: Customer | Subscription | ServicePlan) -> str:
    """The ETag of a record: it changes whenever the record (or a plan's profiles) does."""
    return etag(type(obj).__tablename__, obj.id, obj.updated_at)


def for_update(session: Session, model: type[V], obj_id: int, if_match: str | None) -> V:
    """The record, locked until commit, after checking `If-Match` against its version: two
    operators sending the same ETag at once cannot both write (the second gets 412)."""
    obj = get_or_404(session, model, obj_id, lock=True)
    check_if_match(if_match, version(obj), describe(obj))
    return obj


def get_or_404(session: Session, model: type[M], obj_id: int, lock: bool = False) -> M:
    """`lock` holds the row until commit, for changes whose rules read other rows (payments vs. status)."""
    obj = session.get(model, obj_id, with_for_update=lock)
    if obj is None:
        raise NotFound(f"{LABELS.get(model, model.__name__)} {obj_id} not found")
    return obj


def require(session: Session, model: type[M], obj_id: int, field: str, lock: bool = False) -> M:
    """Look up an object named in a request body: a missing one makes the body invalid."""
    obj = session.get(model, obj_id, with_for_update=lock)
    if obj is None:
        raise Invalid(f"{field}: {LABELS.get(model, model.__name__)} {obj_id} does not exist")
    return obj


_KEY_DETAIL = re.compile(r"Key \((?P<columns>[^)]*)\)=\((?P<values>.*)\) (?P<rest>.*)")
_TABLE = re.compile(r'table "(?P<table>[^"]+)"')


def constraint_error(exc: IntegrityError, what: str) -> CrmError:
    """Turn a PostgreSQL constraint violation into an error naming the field."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    diag = getattr(exc.orig, "diag", None)
    detail = getattr(diag, "message_detail", None) or ""
    key = _KEY_DETAIL.match(detail)
    table = _TABLE.search(detail)
    if sqlstate == "23505" and key:
        return Conflict(f"{what}: {key['columns']} {key['values']!r} already exists")
    if sqlstate == "23503" and key and "still referenced" in key["rest"]:
        return Conflict(f"{what} is still referenced by {table['table'] if table else 'other rows'}")
    if sqlstate == "23503" and key:
        return Invalid(f"{what}: {key['columns']} {key['values']} does not exist")
    if sqlstate == "23514":
        return Invalid(f"{what}: violates {getattr(diag, 'constraint_name', 'a check constraint')}")
    return Conflict(f"{what}: {getattr(diag, 'message_primary', None) or exc.orig}")


def flush(session: Session, what: str) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise constraint_error(exc, what) from exc


def _apply(obj: Base, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(obj, field, value)


def _create(session: Session, who: Principal, obj: M) -> M:
    session.add(obj)
    flush(session, describe(obj))
    record(session, who, "create", obj, None)
    return obj


def _finish_update(
    session: Session, who: Principal, obj: M, before: dict[str, Any], message: str = ""
) -> M:
    flush(session, describe(obj))
    after = snapshot(obj)
    changed = after != before
    if changed and isinstance(obj, TimestampMixin) and after.get("updated_at") == before.get("updated_at"):
        # only rows hanging off it changed (a plan's profiles): its version moves on all the same
        obj.updated_at = func.now()
        flush(session, describe(obj))
    if changed or message:
        record(session, who, "update", obj, before, message)
    return obj


def _delete(session: Session, who: Principal, obj: Base) -> None:
    before = snapshot(obj)
    what = describe(obj)
    session.delete(obj)
    flush(session, what)
    record(session, who, "delete", obj, before)


# --- customers -----------------------------------------------------------------


def create_customer(session: Session, data: schemas.CustomerCreate, who: Principal) -> Customer:
    return _create(session, who, Customer(**data.model_dump()))


def update_customer(
    session: Session, customer_id: int, data: schemas.CustomerUpdate, who: Principal, if_match: str | None = None
) -> Customer:
    customer = for_update(session, Customer, customer_id, if_match)
    before = snapshot(customer)
    _apply(customer, data.changes())
    return _finish_update(session, who, customer, before)


def delete_customer(session: Session, customer_id: int, who: Principal) -> None:
    customer = get_or_404(session, Customer, customer_id)
    if customer.subscriptions:
        raise Conflict(
            f"customer {customer_id} has {len(customer.subscriptions)} subscription(s); "
            "cancel and delete them first"
        )
    _delete(session, who, customer)


# --- service plans -------------------------------------------------------------


def _profile_row(profile: schemas.ServicePlanProfileIn) -> PlanOltProfile:
    return PlanOltProfile(**profile.model_dump())


def _sync_profiles(plan: ServicePlan, wanted: Sequence[schemas.ServicePlanProfileIn]) -> None:
    """Update rows in place (the (plan, vendor family) pair is unique, and the
    flush would insert a replacement before deleting the old row)."""
    existing = {p.vendor_family: p for p in plan.profiles}
    for family in set(existing) - {p.vendor_family for p in wanted}:
        _refuse_in_use(in_use.check_plan_family_unused, object_session(plan), plan.id, plan.name, family.value)
    wanted_by_family = {p.vendor_family: p for p in wanted}
    for family, row in existing.items():
        if family not in wanted_by_family:
            plan.profiles.remove(row)
    for family, profile in wanted_by_family.items():
        if family in existing:
            _apply(existing[family], profile.model_dump())
        else:
            plan.profiles.append(_profile_row(profile))


def create_plan(session: Session, data: schemas.ServicePlanCreate, who: Principal) -> ServicePlan:
    plan = ServicePlan(
        **data.model_dump(exclude={"profiles"}), profiles=[_profile_row(p) for p in data.profiles]
    )
    return _create(session, who, plan)


def update_plan(
    session: Session, plan_id: int, data: schemas.ServicePlanUpdate, who: Principal, if_match: str | None = None
) -> ServicePlan:
    plan = for_update(session, ServicePlan, plan_id, if_match)
    before = snapshot(plan)
    _apply(plan, data.changes(exclude=frozenset({"profiles"})))
    if data.profiles is not None:
        _sync_profiles(plan, data.profiles)
    return _finish_update(session, who, plan, before)


def put_plan_profile(
    session: Session, plan_id: int, profile: schemas.ServicePlanProfileIn, who: Principal,
    if_match: str | None = None,
) -> ServicePlan:
    """Create or replace the plan's mapping for one vendor family."""
    plan = for_update(session, ServicePlan, plan_id, if_match)
    before = snapshot(plan)
    others = [schemas.ServicePlanProfileIn.model_validate(p, from_attributes=True) for p in plan.profiles]
    kept = [p for p in others if p.vendor_family != profile.vendor_family]
    _sync_profiles(plan, [*kept, profile])
    return _finish_update(session, who, plan, before)


def delete_plan_profile(session: Session, plan_id: int, family: str, who: Principal) -> ServicePlan:
    plan = get_or_404(session, ServicePlan, plan_id)
    row = next((p for p in plan.profiles if p.vendor_family == family), None)
    if row is None:
        raise NotFound(f"service plan {plan_id} has no profile for vendor family {family}")
    before = snapshot(plan)
    _refuse_in_use(in_use.check_plan_family_unused, session, plan.id, plan.name, str(family))
    plan.profiles.remove(row)
    return _finish_update(session, who, plan, before)


def delete_plan(session: Session, plan_id: int, who: Principal) -> None:
    plan = get_or_404(session, ServicePlan, plan_id)
    _refuse_in_use(in_use.check_plan_unused, session, plan.id, plan.name)
    _delete(session, who, plan)


def _refuse_in_use(check: Any, *args: Any) -> None:
    """The OMS says whether ONUs depend on it (oms.in_use); its refusal becomes a CRM conflict."""
    try:
        check(*args)
    except OmsConflict as exc:
        raise Conflict(str(exc)) from exc


# --- subscriptions -------------------------------------------------------------

SUBSCRIPTION_TRANSITIONS: dict[SubscriptionStatus, frozenset[SubscriptionStatus]] = {
    SubscriptionStatus.PENDING: frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELLED}),
    SubscriptionStatus.ACTIVE: frozenset({SubscriptionStatus.SUSPENDED, SubscriptionStatus.CANCELLED}),
    SubscriptionStatus.SUSPENDED: frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELLED}),
    SubscriptionStatus.CANCELLED: frozenset(),  # terminal: a returning customer gets a new subscription
}


def _check_plan_on_sale(plan: ServicePlan, subscription: Subscription) -> None:
    if not plan.is_active:
        raise Conflict(f"{describe(subscription)}: service plan {plan.id} is not active (no longer sold)")


def change_subscription_status(subscription: Subscription, new: SubscriptionStatus) -> None:
    """Move a subscription through its lifecycle, stamping start and end dates."""
    old = subscription.status or SubscriptionStatus.PENDING
    if new == old:
        return
    if new not in SUBSCRIPTION_TRANSITIONS[old]:
        raise Conflict(f"{describe(subscription)} cannot go from {old.value} to {new.value}")
    customer = subscription.customer
    if new == SubscriptionStatus.ACTIVE and customer.status != CustomerStatus.ACTIVE:
        raise Conflict(
            f"{describe(subscription)} cannot be activated: customer {customer.id} is {customer.status.value}"
        )
    subscription.status = new
    if new == SubscriptionStatus.ACTIVE and subscription.started_on is None:
        subscription.started_on = date.today()
    if new == SubscriptionStatus.CANCELLED and subscription.ended_on is None:
        subscription.ended_on = date.today()


def _check_dates(subscription: Subscription) -> None:
    start, end = subscription.started_on, subscription.ended_on
    if start and end and end < start:
        raise Invalid(f"{describe(subscription)}: ended_on {end} is before started_on {start}")


def create_subscription(
    session: Session, data: schemas.SubscriptionCreate, who: Principal
) -> Subscription:
    subscription = Subscription(
        customer=require(session, Customer, data.customer_id, "customer_id"),
        plan=require(session, ServicePlan, data.plan_id, "plan_id"),
        status=SubscriptionStatus.PENDING,
        pppoe_username=data.pppoe_username,
        pppoe_password=data.pppoe_password.get_secret_value() if data.pppoe_password else None,
        started_on=data.started_on,
        ended_on=data.ended_on,
    )
    _check_plan_on_sale(subscription.plan, subscription)
    change_subscription_status(subscription, data.status)
    _check_dates(subscription)
    return _create(session, who, subscription)


def _password_message(data: schemas.SubscriptionUpdate) -> str:
    if "pppoe_password" not in data.model_fields_set:
        return ""
    return "pppoe password changed" if data.pppoe_password else "pppoe password cleared"


def update_subscription(
    session: Session, subscription_id: int, data: schemas.SubscriptionUpdate, who: Principal,
    if_match: str | None = None,
) -> Subscription:
    subscription = for_update(session, Subscription, subscription_id, if_match)
    before = snapshot(subscription)
    if data.plan_id is not None and data.plan_id != subscription.plan_id:
        if subscription.status == SubscriptionStatus.CANCELLED:
            raise Conflict(f"subscription {subscription_id} is cancelled; its plan cannot change")
        subscription.plan = require(session, ServicePlan, data.plan_id, "plan_id")
        _check_plan_on_sale(subscription.plan, subscription)
    _apply(subscription, data.changes(exclude=frozenset({"plan_id", "status", "pppoe_password"})))
    if "pppoe_password" in data.model_fields_set:
        secret = data.pppoe_password
        subscription.pppoe_password = secret.get_secret_value() if secret else None
    if data.status is not None:
        _check_no_network_side(session, subscription, data.status)
        change_subscription_status(subscription, data.status)
    _check_dates(subscription)
    return _finish_update(session, who, subscription, before, _password_message(data))


#: what POST /crm/subscriptions/{id}/<route> does as jobs (crm.activation) once an ONU serves it
LIFECYCLE_ROUTES = {SubscriptionStatus.ACTIVE: "activate", SubscriptionStatus.CANCELLED: "cancel"}


def _check_no_network_side(session: Session, subscription: Subscription, new: SubscriptionStatus) -> None:
    """Activating or cancelling a subscription with an ONU changes the network first: a plain
    status write is only for records without one (an import, a correction)."""
    route = LIFECYCLE_ROUTES.get(new)
    if route is None or new == subscription.status:
        return
    has_onu = session.scalar(select(Onu.id).where(Onu.subscription_id == subscription.id)) is not None
    if has_onu or subscription.network_state is not None:
        raise Conflict(f"{describe(subscription)} has an ONU or a transition under way: use "
                       f"POST /crm/subscriptions/{subscription.id}/{route} (the network side runs as a job)")


def delete_subscription(session: Session, subscription_id: int, who: Principal) -> None:
    subscription = get_or_404(session, Subscription, subscription_id)
    if subscription.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED):
        raise Conflict(
            f"subscription {subscription_id} is {subscription.status.value}; cancel it before deleting it"
        )
    _delete(session, who, subscription)


# Invoices and payments: crm.billing (runs, numbering, allocations, refunds, credit notes).


# --- tickets -------------------------------------------------------------------


def create_ticket(session: Session, data: schemas.TicketCreate, who: Principal) -> Ticket:
    ticket = Ticket(**data.model_dump(), comments=[])
    _check_ticket_subscription(session, ticket)
    return _create(session, who, ticket)


def update_ticket(session: Session, ticket_id: int, data: schemas.TicketUpdate, who: Principal) -> Ticket:
    ticket = get_or_404(session, Ticket, ticket_id)
    before = snapshot(ticket)
    _apply(ticket, data.changes())
    _check_ticket_subscription(session, ticket)
    return _finish_update(session, who, ticket, before)


def _check_ticket_subscription(session: Session, ticket: Ticket) -> None:
    """A ticket's subscription is its customer's (the customer is taken from it when not given)."""
    if ticket.subscription_id is None:
        return
    owner = session.scalar(select(Subscription.customer_id).where(Subscription.id == ticket.subscription_id))
    if owner is None:
        return  # the foreign key answers: subscription_id does not exist
    if ticket.customer_id is None:
        ticket.customer_id = owner
    elif ticket.customer_id != owner:
        raise Invalid(f"subscription {ticket.subscription_id} belongs to customer {owner}, "
                      f"not to customer {ticket.customer_id}")


def delete_ticket(session: Session, ticket_id: int, who: Principal) -> None:
    _delete(session, who, get_or_404(session, Ticket, ticket_id))


def add_ticket_comment(
    session: Session, ticket_id: int, data: schemas.TicketCommentCreate, who: Principal
) -> TicketComment:
    ticket = get_or_404(session, Ticket, ticket_id)
    comment = TicketComment(body=data.body, author_id=data.author_id)
    ticket.comments.append(comment)
    return _create(session, who, comment)
