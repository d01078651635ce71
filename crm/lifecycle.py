"""Suspension of a subscription by reason (DotMac's rule, acs-crm-console-anchors §b).

Several reasons may hold at once (non-payment, customer request, fraud, admin). The first
reason suspends the service on the network, the last one lifted restores it; a payment lifts
only `non_payment`, so an admin suspension keeps the service down. The network side is the
OMS's suspend/resume job for the subscription's ONU, queued after the commit; the
subscription's status follows the reasons.

The suspension history (`subscription_suspension_periods`) follows the reasons too: the first
reason opens a period (on the day of the suspension), the last one lifted closes it (on the day
of the lift, the first day of service again); reasons added or lifted in between join the open
period's `reasons`. A period is `billable` when non-payment or fraud held at any time during it
(BILLABLE_REASONS): billing's `billing.suspended_days` = credit then bills all of its days; only a
period held solely at the customer's request or by an admin is credited (crm.billing.runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.audit import audit
from crm.activation import wifi_intents
from crm.models import (
    Subscription,
    SubscriptionStatus,
    SubscriptionSuspension,
    SubscriptionSuspensionPeriod,
    SuspensionReason,
)
from oms.errors import get_or_404
from oms.models import JobKind, Onu, OnuLifecycle

#: reasons whose days are billed whatever the policy (a period with one of them is `billable`)
BILLABLE_REASONS = frozenset({SuspensionReason.NON_PAYMENT.value, SuspensionReason.FRAUD.value})


@dataclass
class NetworkChange:
    """What to queue on the OMS once the caller committed (`queue_network_changes`)."""

    onu_id: int | None
    kind: JobKind | None
    reasons: list[str] = field(default_factory=list)
    intents: list[int] = field(default_factory=list)  # ACS intents created (the plan's `suspend_wifi`)


def reasons_of(session: Session, subscription_id: int) -> list[str]:
    return sorted(r.value for r in session.scalars(
        select(SubscriptionSuspension.reason).where(SubscriptionSuspension.subscription_id == subscription_id)))


def open_period(session: Session, subscription_id: int) -> SubscriptionSuspensionPeriod | None:
    return session.scalar(select(SubscriptionSuspensionPeriod).where(
        SubscriptionSuspensionPeriod.subscription_id == subscription_id,
        SubscriptionSuspensionPeriod.ended_on.is_(None)))


def _record_reason(session: Session, subscription_id: int, reason: str, on: date, actor: str) -> None:
    """The reason joins the open period, or opens one (the first reason)."""
    period = open_period(session, subscription_id)
    if period is None:
        session.add(SubscriptionSuspensionPeriod(subscription_id=subscription_id, started_on=on, reasons=[reason],
                                                 billable=reason in BILLABLE_REASONS, created_by=actor))
    elif reason not in period.reasons:
        period.reasons = sorted([*period.reasons, reason])
        period.billable = period.billable or reason in BILLABLE_REASONS


def _close_period(session: Session, subscription_id: int, on: date, actor: str) -> None:
    period = open_period(session, subscription_id)
    if period is not None:
        period.ended_on, period.ended_by = max(on, period.started_on), actor


def suspend(session: Session, subscription_id: int, reason: str = "non_payment", actor: str = "",
            note: str = "", on: date | None = None) -> NetworkChange:
    """Add a suspension reason; the first one suspends the subscription (and its ONU) and opens
    a suspension period on `on` (default today)."""
    subscription = get_or_404(session, Subscription, subscription_id, "subscription", lock=True)
    wanted = SuspensionReason(reason)
    before = reasons_of(session, subscription_id)
    if wanted.value in before or subscription.status in (SubscriptionStatus.CANCELLED, SubscriptionStatus.PENDING):
        return NetworkChange(None, None, before)
    session.add(SubscriptionSuspension(subscription_id=subscription_id, reason=wanted, note=note,
                                       created_by=actor or "system"))
    _record_reason(session, subscription_id, wanted.value, on or date.today(), actor or "system")
    change = NetworkChange(None, None, sorted([*before, wanted.value]))
    if not before:
        subscription.status = SubscriptionStatus.SUSPENDED
        change.onu_id, change.kind = _onu_in(session, subscription_id, OnuLifecycle.ACTIVE), JobKind.SUSPEND
        change.intents = _wifi_on_acs(session, subscription, enabled=False, actor=actor or "system")
    audit(session, actor or "system", "subscription.suspend", "subscription", subscription_id,
          {"reasons": before}, {"reasons": change.reasons, "added": wanted.value, "intents": change.intents})
    session.flush()
    return change


def lift(session: Session, subscription_id: int, reason: str = "non_payment", actor: str = "",
         on: date | None = None) -> NetworkChange:
    """Remove one suspension reason; when none remains the subscription is active again and its
    suspension period closes on `on` (default today)."""
    subscription = get_or_404(session, Subscription, subscription_id, "subscription", lock=True)
    wanted = SuspensionReason(reason)
    before = reasons_of(session, subscription_id)
    if wanted.value not in before:
        return NetworkChange(None, None, before)
    session.execute(delete(SubscriptionSuspension).where(
        SubscriptionSuspension.subscription_id == subscription_id, SubscriptionSuspension.reason == wanted))
    change = NetworkChange(None, None, [r for r in before if r != wanted.value])
    if not change.reasons:
        _close_period(session, subscription_id, on or date.today(), actor or "system")
    if not change.reasons and subscription.status is SubscriptionStatus.SUSPENDED:
        subscription.status = SubscriptionStatus.ACTIVE
        change.onu_id, change.kind = _onu_in(session, subscription_id, OnuLifecycle.SUSPENDED), JobKind.RESUME
        change.intents = _wifi_on_acs(session, subscription, enabled=True, actor=actor or "system")
    audit(session, actor or "system", "subscription.lift", "subscription", subscription_id,
          {"reasons": before}, {"reasons": change.reasons, "lifted": wanted.value, "intents": change.intents})
    session.flush()
    return change


def _wifi_on_acs(session: Session, subscription: Subscription, enabled: bool, actor: str) -> list[int]:
    """Where the plan says so (`suspend_wifi`), the ACS turns the served ONU's Wi-Fi off with the
    suspension and on again with the restoration, in the same transaction."""
    if not subscription.plan.suspend_wifi:
        return []
    onu = session.scalar(select(Onu).where(Onu.subscription_id == subscription.id,
                                           Onu.lifecycle_state.in_((OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED))))
    return wifi_intents(session, subscription, onu, actor, enabled=enabled) if onu is not None else []


def _onu_in(session: Session, subscription_id: int, state: OnuLifecycle) -> int | None:
    return session.scalar(select(Onu.id).where(Onu.subscription_id == subscription_id, Onu.lifecycle_state == state))


def queue_network_changes(url: str, changes: list[NetworkChange], actor: str) -> list[int]:
    """Queue the OMS jobs of committed changes (a job per ONU to suspend or resume)."""
    from oms.services import request_and_enqueue

    return [request_and_enqueue(url, c.onu_id, c.kind, actor) for c in changes if c.onu_id and c.kind]


def sync_network(url: str, subscription_ids: list[int], actor: str) -> list[int]:
    """After a commit that suspended or restored subscriptions (dunning, a payment): queue the
    OMS job that brings each subscription's ONU to the state its subscription now says (suspend
    an active ONU of a suspended subscription, resume a suspended ONU of an active one)."""
    from core.db import session_scope

    wanted = {SubscriptionStatus.SUSPENDED: (OnuLifecycle.ACTIVE, JobKind.SUSPEND),
              SubscriptionStatus.ACTIVE: (OnuLifecycle.SUSPENDED, JobKind.RESUME)}
    changes = []
    with session_scope(url) as session:
        rows = session.execute(select(Subscription.id, Subscription.status)
                               .where(Subscription.id.in_(subscription_ids)))
        for subscription_id, status in rows:
            if status in wanted:
                state, kind = wanted[status]
                changes.append(NetworkChange(_onu_in(session, subscription_id, state), kind))
    return queue_network_changes(url, changes, actor)
