"""A subscription's lifecycle over HTTP.

- Activation, plan change, cancellation and retry (crm.activation): the answer (202) says
  where the subscription stands, the OMS jobs queued (follow them at `GET /jobs/{id}`) and the
  ACS intents created; the status changes once the network side succeeded
  (`GET /crm/subscriptions/{id}/lifecycle`).
- Suspending and restoring by reason (crm.lifecycle): the answer lists the reasons in force and
  the OMS jobs queued for the ONU."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, StringConstraints
from sqlalchemy import select

from core.access import Permission, Principal, require
from core.db import current_database_url, session_scope
from core.inputs import InputModel
from crm import activation, lifecycle
from crm.models import Subscription, SuspensionReason
from crm.schemas import ActivateIn, ChangePlanIn, LifecycleRead
from oms.errors import get_or_404
from oms.models import Onu

router = APIRouter(tags=["crm"])


class SuspendIn(InputModel):
    reason: SuspensionReason
    note: Annotated[str, StringConstraints(max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""


class LiftIn(InputModel):
    reason: SuspensionReason


class SuspensionsOut(BaseModel):
    subscription_id: int
    reasons: list[SuspensionReason]
    jobs: list[int]
    intents: list[int] = []  # ACS intents (the plan's `suspend_wifi`: Wi-Fi off, then on again)


@router.get("/crm/subscriptions/{subscription_id}/suspensions", response_model=SuspensionsOut)
def list_suspensions(subscription_id: int, who: Principal = require(Permission.CRM_READ)) -> SuspensionsOut:
    with session_scope() as session:
        get_or_404(session, Subscription, subscription_id, "subscription")
        reasons = lifecycle.reasons_of(session, subscription_id)
    return SuspensionsOut(subscription_id=subscription_id, reasons=[SuspensionReason(r) for r in reasons], jobs=[])


@router.post("/crm/subscriptions/{subscription_id}/suspensions", response_model=SuspensionsOut, status_code=202)
def suspend_subscription(subscription_id: int, body: SuspendIn,
                         who: Principal = require(Permission.CRM_WRITE)) -> SuspensionsOut:
    """Add a reason; the first one suspends the ONU on the OLT (a queued OMS job)."""
    with session_scope() as session:
        change = lifecycle.suspend(session, subscription_id, body.reason.value, actor=who.username, note=body.note)
    jobs = lifecycle.queue_network_changes(current_database_url(), [change], who.username)
    return SuspensionsOut(subscription_id=subscription_id, reasons=[SuspensionReason(r) for r in change.reasons],
                          jobs=jobs, intents=change.intents)


@router.post("/crm/subscriptions/{subscription_id}/suspensions/lift", response_model=SuspensionsOut,
             status_code=202)
def lift_suspension(subscription_id: int, body: LiftIn,
                    who: Principal = require(Permission.CRM_WRITE)) -> SuspensionsOut:
    """Remove a reason; when none remains the ONU is resumed on the OLT (a queued OMS job)."""
    with session_scope() as session:
        change = lifecycle.lift(session, subscription_id, body.reason.value, actor=who.username)
    jobs = lifecycle.queue_network_changes(current_database_url(), [change], who.username)
    return SuspensionsOut(subscription_id=subscription_id, reasons=[SuspensionReason(r) for r in change.reasons],
                          jobs=jobs, intents=change.intents)


# --- activation, plan change, cancellation --------------------------------------------------


def _lifecycle(subscription_id: int, transition: activation.Transition | None = None,
               jobs: list[int] | None = None) -> LifecycleRead:
    with session_scope() as session:
        subscription = get_or_404(session, Subscription, subscription_id, "subscription")
        onu_id = session.scalar(select(Onu.id).where(Onu.subscription_id == subscription_id))
        return LifecycleRead(
            subscription_id=subscription.id, status=subscription.status, plan_id=subscription.plan_id, onu_id=onu_id,
            network_action=subscription.network_action, network_state=subscription.network_state,
            network_job_id=subscription.network_job_id, network_error=subscription.network_error,
            wifi_ssid=subscription.wifi_ssid, has_wifi_passphrase=subscription.wifi_passphrase is not None,
            jobs=jobs or [], intents=transition.intents if transition else [],
        )


def _queued(subscription_id: int, transition: activation.Transition) -> LifecycleRead:
    return _lifecycle(subscription_id, transition, activation.queue_transition(current_database_url(), transition))


@router.get("/crm/subscriptions/{subscription_id}/lifecycle", response_model=LifecycleRead)
def get_lifecycle(subscription_id: int, who: Principal = require(Permission.CRM_READ)) -> LifecycleRead:
    return _lifecycle(subscription_id)


@router.post("/crm/subscriptions/{subscription_id}/activate", response_model=LifecycleRead, status_code=202)
def activate_subscription(subscription_id: int, body: ActivateIn,
                          who: Principal = require(Permission.CRM_WRITE)) -> LifecycleRead:
    """Authorize the ONU (unless active already); once it is, the WAN and Wi-Fi intents are
    created and the subscription becomes active."""
    onu = activation.OnuChoice(body.onu_id, body.serial)
    wifi = activation.WifiChoice(body.wifi_ssid,
                                 body.wifi_passphrase.get_secret_value() if body.wifi_passphrase else None)
    with session_scope() as session:
        transition = activation.activate(session, subscription_id, who.username, onu, wifi)
    return _queued(subscription_id, transition)


@router.post("/crm/subscriptions/{subscription_id}/change-plan", response_model=LifecycleRead, status_code=202)
def change_subscription_plan(subscription_id: int, body: ChangePlanIn,
                             who: Principal = require(Permission.CRM_WRITE)) -> LifecycleRead:
    """Another plan (billing prorates it), with a new WAN intent when the WAN changes. When the
    ONU's OLT profiles or VLANs change with it, a `reprofile` job pushes them first and the
    plan changes once it succeeded (`GET .../lifecycle` follows it; a failure can be retried)."""
    with session_scope() as session:
        transition = activation.change_plan(session, subscription_id, body.plan_id, who.username)
    return _queued(subscription_id, transition)


@router.post("/crm/subscriptions/{subscription_id}/cancel", response_model=LifecycleRead, status_code=202)
def cancel_subscription(subscription_id: int, who: Principal = require(Permission.CRM_WRITE)) -> LifecycleRead:
    """Remove the ONU's service from the OLT; then the ONU is released and the subscription cancelled."""
    with session_scope() as session:
        transition = activation.cancel(session, subscription_id, who.username)
    return _queued(subscription_id, transition)


@router.post("/crm/subscriptions/{subscription_id}/retry", response_model=LifecycleRead, status_code=202)
def retry_transition(subscription_id: int, who: Principal = require(Permission.CRM_WRITE)) -> LifecycleRead:
    """Ask again for the network side of the transition that failed (409 when none did)."""
    with session_scope() as session:
        transition = activation.retry(session, subscription_id, who.username)
    return _queued(subscription_id, transition)
