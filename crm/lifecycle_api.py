"""Suspending and restoring a subscription by reason (crm.lifecycle): the answer lists the
reasons in force and the OMS jobs queued for the ONU (follow them at `GET /jobs/{id}`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, StringConstraints

from core.access import Permission, Principal, require
from core.db import current_database_url, session_scope
from core.inputs import InputModel
from crm import lifecycle
from crm.models import Subscription, SuspensionReason
from oms.errors import get_or_404

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
                          jobs=jobs)


@router.post("/crm/subscriptions/{subscription_id}/suspensions/lift", response_model=SuspensionsOut,
             status_code=202)
def lift_suspension(subscription_id: int, body: LiftIn,
                    who: Principal = require(Permission.CRM_WRITE)) -> SuspensionsOut:
    """Remove a reason; when none remains the ONU is resumed on the OLT (a queued OMS job)."""
    with session_scope() as session:
        change = lifecycle.lift(session, subscription_id, body.reason.value, actor=who.username)
    jobs = lifecycle.queue_network_changes(current_database_url(), [change], who.username)
    return SuspensionsOut(subscription_id=subscription_id, reasons=[SuspensionReason(r) for r in change.reasons],
                          jobs=jobs)
