"""A subscription's lifecycle as jobs: `pending -> active -> suspended -> active | cancelled`.

Activation and cancellation change the network first and the subscription's status after:
the request records the transition on the subscription (`network_action`, `network_state`
in_progress, `network_job_id`) and asks the OMS for the ONU's job (authorize, remove); `settle`
completes it once the ONU shows the job's result, or records the job's reason (`network_state`
failed, `network_error`) with the subscription where it was. `retry` asks again.

- Activation links the ONU (chosen among the discovered ones, or pre-registered by serial:
  the OMS's discovery authorizes a pre-registered ONU as soon as it sees it), has it
  authorized with the plan's OLT profiles unless it is already active, and, in the
  transaction that makes the subscription active, creates the ACS intents of its WAN (PPPoE
  with the subscription's credentials, DHCP or bridge: the plan's `wan_mode`) and Wi-Fi.
- Cancellation removes the ONU's service from the OLT, releases the ONU (its record and job
  history stay) and closes the subscription.
- A plan change records the plan history (billing prorates it) and changes the WAN intent
  when the WAN changes. When the new plan needs other OLT profiles or VLANs for an active
  ONU, the OMS's `reprofile` job pushes them first (the ONU configured again in place, undone
  on the device if it fails) and the plan changes once it succeeded.
- Suspension by reason is crm.lifecycle's.

Settling runs in the worker: a task queued right after the OMS job under the same OLT lock
(so it runs when the job has ended), and a periodic sweep (crm.lifecycle_jobs), which also
completes activations whose ONU discovery authorized on its own. Everything is idempotent and
each subscription is settled under its row lock (SKIP LOCKED), so two sweeps never collide.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from acs.intents import create_intent
from acs.models import AcsIntent, IntentKind, IntentReason, IntentStatus
from core.audit import audit
from core.errors import DomainError
from crm.models import (
    CustomerStatus,
    ServicePlan,
    Subscription,
    SubscriptionAction,
    SubscriptionStatus,
    TransitionState,
    WanMode,
)
from crm.services import Conflict, Invalid, change_subscription_status, get_or_404
from oms.models import Job, JobKind, JobStatus, Onu, OnuLifecycle, OnuType, PlanOltProfile
from oms.provisioning_context import plan_context
from oms.services import OPEN_JOB_STATES, preflight, request_onu_action

#: ONU states that carry a service on an OLT (what cancelling removes)
ON_OLT = (OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED, OnuLifecycle.FAILED)
#: ONU states with no service on any OLT
OFF_OLT = (OnuLifecycle.DISCOVERED, OnuLifecycle.PREPROVISIONED, OnuLifecycle.REMOVED)
#: the plan's OLT mapping fields an authorized ONU is configured with
OLT_FIELDS = ("line_profile", "traffic_profile_up", "traffic_profile_down", "tcont_profile", "service_vlan",
              "user_vlan", "gemport")
WAN_KINDS = {WanMode.PPPOE: IntentKind.WAN_PPPOE, WanMode.DHCP: IntentKind.WAN_DHCP,
             WanMode.BRIDGE: IntentKind.WAN_BRIDGE}


@dataclass
class Transition:
    """What a lifecycle request did: the OMS jobs to queue once the caller committed (`jobs`),
    and the ACS intents created in its transaction."""

    subscription_id: int
    jobs: list[Job] = field(default_factory=list)
    intents: list[int] = field(default_factory=list)
    olt_id: int | None = None  # the OLT whose lock orders the settle after the job


@dataclass(frozen=True)
class OnuChoice:
    onu_id: int | None = None
    serial: str | None = None


@dataclass(frozen=True)
class WifiChoice:
    ssid: str | None = None
    passphrase: str | None = None


# --- requests ----------------------------------------------------------------------------------


def activate(session: Session, subscription_id: int, actor: str, onu: OnuChoice | None = None,
             wifi: WifiChoice | None = None) -> Transition:
    """Start activating a pending subscription on `onu` (default: the ONU already linked)."""
    subscription = _locked(session, subscription_id)
    _check_not_busy(subscription)
    if subscription.status is not SubscriptionStatus.PENDING:
        raise Conflict(f"subscription {subscription_id} is {subscription.status.value}: only a pending "
                       "subscription is activated")
    if subscription.customer.status is not CustomerStatus.ACTIVE:
        raise Conflict(f"subscription {subscription_id} cannot be activated: customer "
                       f"{subscription.customer_id} is {subscription.customer.status.value}")
    _check_wan_credentials(subscription, subscription.plan)
    if wifi is not None:
        subscription.wifi_ssid = wifi.ssid or subscription.wifi_ssid
        subscription.wifi_passphrase = wifi.passphrase or subscription.wifi_passphrase
    chosen = _link_onu(session, subscription, onu or OnuChoice())
    _begin(session, subscription, SubscriptionAction.ACTIVATE, actor, onu_id=chosen.id)
    transition = Transition(subscription_id, olt_id=chosen.olt_id)
    if chosen.lifecycle_state is OnuLifecycle.ACTIVE:  # configured in this transaction
        transition.intents = _configure(session, subscription, chosen, actor)
    elif chosen.lifecycle_state is OnuLifecycle.AUTHORIZING:  # discovery already asked for it
        subscription.network_job_id = _open_job(session, chosen.id)
    elif chosen.lifecycle_state is OnuLifecycle.PREPROVISIONED and chosen.pon_port_id is None:
        chosen.failure_reason = None  # discovery authorizes it when it first sees it
    else:
        problem = preflight(session, chosen, JobKind.AUTHORIZE)
        if problem:
            raise Conflict(f"subscription {subscription_id} cannot be activated: {problem}")
        transition.jobs.append(_request(session, subscription, chosen, JobKind.AUTHORIZE, actor))
    return transition


def cancel(session: Session, subscription_id: int, actor: str) -> Transition:
    """Start cancelling: the ONU's service comes off the OLT, then the subscription closes."""
    subscription = _locked(session, subscription_id)
    if subscription.network_action is not SubscriptionAction.ACTIVATE:
        _check_not_busy(subscription)  # an activation still under way may be given up
    if subscription.status is SubscriptionStatus.CANCELLED:
        raise Conflict(f"subscription {subscription_id} is already cancelled")
    onu = _linked_onu(session, subscription.id)
    busy = _open_job(session, onu.id) if onu is not None else None
    if onu is not None and busy is not None:
        raise Conflict(f"subscription {subscription_id}: ONU {onu.serial} has job {busy} under way; "
                       "cancel when it has ended")
    _begin(session, subscription, SubscriptionAction.CANCEL, actor, onu_id=onu.id if onu else None)
    transition = Transition(subscription_id, olt_id=onu.olt_id if onu else None)
    if onu is not None and onu.lifecycle_state in ON_OLT:
        transition.jobs.append(_request(session, subscription, onu, JobKind.REMOVE, actor))
    else:
        _complete(session, subscription, onu, actor)
    return transition


def retry(session: Session, subscription_id: int, actor: str) -> Transition:
    """Ask again for the network side of the transition that failed."""
    subscription = _locked(session, subscription_id)
    if subscription.network_state is not TransitionState.FAILED or subscription.network_action is None:
        raise Conflict(f"subscription {subscription_id} has no failed transition to retry")
    if subscription.network_action is SubscriptionAction.ACTIVATE:
        return activate(session, subscription_id, actor)
    if subscription.network_action is SubscriptionAction.CHANGE_PLAN:
        return change_plan(session, subscription_id, _target_plan(session, subscription), actor)
    return cancel(session, subscription_id, actor)


def _target_plan(session: Session, subscription: Subscription) -> int:
    """The plan a plan change's job was pushing."""
    job = session.get(Job, subscription.network_job_id) if subscription.network_job_id else None
    plan_id = job.params.get("plan_id") if job is not None else None
    if not isinstance(plan_id, int):
        raise Conflict(f"subscription {subscription.id}: the failed plan change's job is gone; ask for the "
                       "plan change again")
    return plan_id


def change_plan(session: Session, subscription_id: int, plan_id: int, actor: str) -> Transition:
    """Move the subscription to another plan. When the ONU's OLT configuration changes with it,
    a `reprofile` job pushes it first and the plan changes when the job succeeded (`settle`);
    otherwise the plan history (prorated by billing) and a new WAN intent, when the WAN changes
    (mode, VLAN), are written in this transaction."""
    subscription = _locked(session, subscription_id)
    _check_not_busy(subscription)
    if subscription.status is SubscriptionStatus.CANCELLED:
        raise Conflict(f"subscription {subscription_id} is cancelled; its plan cannot change")
    new = session.get(ServicePlan, plan_id)
    if new is None:
        raise Invalid(f"plan_id: service plan {plan_id} does not exist")
    if new.id == subscription.plan_id:
        raise Conflict(f"subscription {subscription_id} is already on plan {new.name!r}")
    if not new.is_active:
        raise Conflict(f"service plan {new.id} is not active (no longer sold)")
    onu = _linked_onu(session, subscription.id)
    if onu is not None and onu.lifecycle_state in (OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED):
        _check_wan_credentials(subscription, new)
    transition = Transition(subscription_id, olt_id=onu.olt_id if onu else None)
    if onu is not None and onu.olt is not None and onu.lifecycle_state not in OFF_OLT \
            and _olt_settings_differ(session, subscription.plan, new, onu):
        _check_reprofile(session, subscription, new, onu)
        _begin(session, subscription, SubscriptionAction.CHANGE_PLAN, actor, onu_id=onu.id)
        job = request_onu_action(session, onu.id, JobKind.REPROFILE, actor,
                                 {"subscription_id": subscription.id, "plan_id": new.id})
        subscription.network_job_id = job.id
        transition.jobs.append(job)
        return transition
    transition.intents = _apply_plan_change(session, subscription, new, onu, actor)
    return transition


def _apply_plan_change(session: Session, subscription: Subscription, new: ServicePlan, onu: Onu | None,
                       actor: str) -> list[int]:
    """The plan history row, the new plan, and the WAN intent when the WAN changes."""
    from crm.billing.models import SubscriptionPlanChange

    old = subscription.plan
    serving = onu is not None and onu.lifecycle_state in (OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED)
    before = {"plan_id": old.id, "wan": _wan_summary(session, old, onu) if serving else None}
    session.add(SubscriptionPlanChange(subscription_id=subscription.id, from_plan_id=old.id, to_plan_id=new.id,
                                       effective_on=date.today()))
    subscription.plan = new
    intents: list[int] = []
    if serving and onu is not None and _wan_summary(session, new, onu) != before["wan"]:
        intents.append(_wan_intent(session, subscription, onu, actor))
    subscription.network_action, subscription.network_state, subscription.network_error = None, None, None
    session.flush()
    audit(session, actor, "subscription.change_plan", "subscription", subscription.id, before,
          {"plan_id": new.id, "wan": _wan_summary(session, new, onu) if serving else None, "intents": intents,
           "job_id": subscription.network_job_id})
    return intents


# --- settling ----------------------------------------------------------------------------------


def in_progress(session: Session, limit: int = 500) -> list[int]:
    return list(session.scalars(select(Subscription.id).where(
        Subscription.network_state == TransitionState.IN_PROGRESS).order_by(Subscription.id).limit(limit)))


def settle(session: Session, subscription_id: int, actor: str = "lifecycle") -> Transition | None:
    """Advance the subscription's transition: complete it if its network side is done, create
    the ACS intents of an activation whose ONU is now authorized, or record why it failed.
    None while nothing changed (or another worker holds the subscription)."""
    subscription = session.execute(
        select(Subscription).where(Subscription.id == subscription_id,
                                   Subscription.network_state == TransitionState.IN_PROGRESS)
        .with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if subscription is None or subscription.network_action is None:
        return None
    onu = _linked_onu(session, subscription.id)
    outcome = _network_outcome(session, subscription, onu)
    transition = Transition(subscription_id)
    try:
        with session.begin_nested():
            if outcome == "configure":
                assert onu is not None
                transition.intents = _configure(session, subscription, onu, actor)
            elif outcome == "done":
                transition.intents = _complete(session, subscription, onu, actor)
            elif outcome == "waiting":
                return None
            else:
                _fail(session, subscription, outcome, actor)
    except DomainError as exc:  # e.g. an intent the ONU's model refuses, the customer closed meanwhile
        _fail(session, subscription, str(exc), actor)
    return transition


def _network_outcome(session: Session, subscription: Subscription, onu: Onu | None) -> str:
    """"done", "configure" (create the ACS intents), "waiting", or the reason it failed."""
    action = subscription.network_action
    if onu is None:
        return "done" if action is SubscriptionAction.CANCEL else "the subscription has no ONU any more"
    open_job = _open_job(session, onu.id)
    if open_job is not None:
        subscription.network_job_id = subscription.network_job_id or open_job
        return "waiting"
    if action is SubscriptionAction.CHANGE_PLAN:
        return _job_outcome(session, subscription)
    if action is SubscriptionAction.ACTIVATE and onu.lifecycle_state is OnuLifecycle.ACTIVE:
        return _configuration_outcome(session, subscription, onu)
    if action is SubscriptionAction.CANCEL and onu.lifecycle_state in OFF_OLT:
        return "done"
    if onu.failure_reason:
        return f"ONU {onu.serial}: {onu.failure_reason}"
    if action is SubscriptionAction.ACTIVATE and onu.lifecycle_state is OnuLifecycle.PREPROVISIONED:
        return "waiting"  # until discovery first sees it (and authorizes it)
    return f"ONU {onu.serial} is {onu.lifecycle_state.value} and no job is running for it: retry"


def _job_outcome(session: Session, subscription: Subscription) -> str:
    """"done" when the transition's job succeeded, else why it did not."""
    job = session.get(Job, subscription.network_job_id) if subscription.network_job_id else None
    if job is None:
        return "the plan change's job is gone: retry"
    if job.status is JobStatus.SUCCEEDED:
        return "done"
    return f"job {job.id} {job.status.value}: {job.error or 'no reason given'}"


def _configuration_outcome(session: Session, subscription: Subscription, onu: Onu) -> str:
    """The authorized ONU's WAN and Wi-Fi: none asked yet ("configure"), all applied ("done",
    an intent superseded by a newer one counts as done), one failed (its reason), or "waiting"."""
    intents = _current_intents(session, subscription, onu)
    if not intents:
        return "configure"
    failed = [i for i in intents if i.status is IntentStatus.FAILED]
    if failed:
        return "; ".join(f"ACS {i.kind.value} intent {i.id} failed: {i.last_error or 'no reason given'}"
                         for i in failed)
    if all(i.status in (IntentStatus.APPLIED, IntentStatus.SUPERSEDED) for i in intents):
        return "done"
    return "waiting"


def _current_intents(session: Session, subscription: Subscription, onu: Onu) -> list[AcsIntent]:
    """The latest intent per slot (WAN, each radio) this subscription asked for the ONU."""
    rows = session.scalars(select(AcsIntent).where(
        AcsIntent.onu_id == onu.id, AcsIntent.reason == IntentReason.SUBSCRIPTION,
        AcsIntent.reason_ref == _reason_ref(subscription)).order_by(AcsIntent.id.desc()))
    latest: dict[str, AcsIntent] = {}
    for row in rows:
        latest.setdefault(row.slot, row)
    return list(latest.values())


def _configure(session: Session, subscription: Subscription, onu: Onu, actor: str) -> list[int]:
    """The ONU is authorized: ask the ACS for its WAN and Wi-Fi (applied, they complete the activation)."""
    intents = [_wan_intent(session, subscription, onu, actor), *_wifi_intents(session, subscription, onu, actor)]
    audit(session, actor, "subscription.activate.configure", "subscription", subscription.id, None,
          {"onu_id": onu.id, "intents": intents, "job_id": subscription.network_job_id})
    return intents


def _complete(session: Session, subscription: Subscription, onu: Onu | None, actor: str) -> list[int]:
    """The network side is done: the status changes (an activation's ONU is configured, a
    cancellation's ONU is released: it keeps its record and job history), or the plan (the
    OLT has the new plan's profiles). Answers the ACS intents this creates."""
    action = subscription.network_action
    if action is SubscriptionAction.CHANGE_PLAN:
        new = session.get(ServicePlan, _target_plan(session, subscription))
        assert new is not None  # plans in use cannot be deleted
        return _apply_plan_change(session, subscription, new, onu, actor)
    before = {"status": subscription.status.value, "network_action": action.value if action else None}
    if action is SubscriptionAction.ACTIVATE:
        change_subscription_status(subscription, SubscriptionStatus.ACTIVE)
    else:
        if onu is not None:
            onu.subscription_id = None
        change_subscription_status(subscription, SubscriptionStatus.CANCELLED)
    subscription.network_state, subscription.network_error = None, None
    session.flush()
    audit(session, actor, f"subscription.{action.value if action else 'settle'}", "subscription", subscription.id,
          before, {"status": subscription.status.value, "onu_id": onu.id if onu else None,
                   "job_id": subscription.network_job_id})
    return []


def _fail(session: Session, subscription: Subscription, reason: str, actor: str) -> None:
    subscription.network_state, subscription.network_error = TransitionState.FAILED, reason[:2000]
    session.flush()
    action = subscription.network_action.value if subscription.network_action else "transition"
    audit(session, actor, f"subscription.{action}.failed", "subscription", subscription.id, None,
          {"status": subscription.status.value, "error": subscription.network_error,
           "job_id": subscription.network_job_id})


# --- helpers -----------------------------------------------------------------------------------


def _locked(session: Session, subscription_id: int) -> Subscription:
    subscription = get_or_404(session, Subscription, subscription_id, lock=True)
    session.refresh(subscription)
    return subscription


def _check_not_busy(subscription: Subscription) -> None:
    if subscription.network_state is TransitionState.IN_PROGRESS:
        action = subscription.network_action.value if subscription.network_action else "a transition"
        job = f" (job {subscription.network_job_id})" if subscription.network_job_id else ""
        raise Conflict(f"subscription {subscription.id}: {action.replace('_', ' ')} is in progress{job}")


def _begin(session: Session, subscription: Subscription, action: SubscriptionAction, actor: str,
           onu_id: int | None) -> None:
    subscription.network_action, subscription.network_state = action, TransitionState.IN_PROGRESS
    subscription.network_job_id, subscription.network_error = None, None
    session.flush()
    audit(session, actor, f"subscription.{action.value}.requested", "subscription", subscription.id,
          {"status": subscription.status.value}, {"onu_id": onu_id, "plan_id": subscription.plan_id})


def _request(session: Session, subscription: Subscription, onu: Onu, kind: JobKind, actor: str) -> Job:
    job = request_onu_action(session, onu.id, kind, actor, {"subscription_id": subscription.id})
    subscription.network_job_id = job.id
    return job


def _open_job(session: Session, onu_id: int) -> int | None:
    return session.scalar(select(Job.id).where(Job.onu_id == onu_id, Job.status.in_(OPEN_JOB_STATES))
                          .order_by(Job.id.desc()).limit(1))


def _linked_onu(session: Session, subscription_id: int) -> Onu | None:
    return session.scalar(select(Onu).where(Onu.subscription_id == subscription_id)
                          .options(joinedload(Onu.olt), joinedload(Onu.onu_type)))


def _link_onu(session: Session, subscription: Subscription, choice: OnuChoice) -> Onu:
    """The ONU the subscription is activated on, linked to it: the one named (by id, or by
    serial: an unknown serial is pre-registered, for discovery to find), else the one linked."""
    linked = _linked_onu(session, subscription.id)
    if choice.onu_id is None and choice.serial is None:
        if linked is None:
            raise Conflict(f"subscription {subscription.id} has no ONU: give onu_id or serial")
        return linked
    onu = _chosen_onu(session, choice)
    if onu is None:
        assert choice.serial is not None
        onu = Onu(serial=choice.serial, lifecycle_state=OnuLifecycle.PREPROVISIONED)
        session.add(onu)
    elif onu.subscription_id not in (None, subscription.id):
        raise Conflict(f"ONU {onu.serial} serves subscription {onu.subscription_id}")
    elif onu.lifecycle_state in (OnuLifecycle.SUSPENDED, OnuLifecycle.REMOVING):
        raise Conflict(f"ONU {onu.serial} is {onu.lifecycle_state.value}: it cannot be activated now")
    if linked is not None and linked is not onu:
        if linked.lifecycle_state not in OFF_OLT:
            raise Conflict(f"subscription {subscription.id} already has ONU {linked.serial} "
                           f"({linked.lifecycle_state.value}) on the OLT")
        linked.subscription_id = None
        session.flush()
    onu.subscription_id = subscription.id
    session.flush()
    return onu


def _chosen_onu(session: Session, choice: OnuChoice) -> Onu | None:
    if choice.onu_id is not None:
        onu = session.get(Onu, choice.onu_id, with_for_update=True)
        if onu is None:
            raise Invalid(f"onu_id: ONU {choice.onu_id} does not exist")
        return onu
    return session.scalar(select(Onu).where(Onu.serial == choice.serial).with_for_update())


def _check_wan_credentials(subscription: Subscription, plan: ServicePlan) -> None:
    if plan.wan_mode is WanMode.PPPOE and not (subscription.pppoe_username and subscription.pppoe_password):
        raise Conflict(f"plan {plan.name!r} sets up PPPoE: give subscription {subscription.id} its "
                       "pppoe_username and pppoe_password first")


def _olt_profile(session: Session, plan_id: int, onu: Onu) -> PlanOltProfile | None:
    if onu.olt is None:
        return None
    return session.scalar(select(PlanOltProfile).where(PlanOltProfile.plan_id == plan_id,
                                                       PlanOltProfile.vendor_family == onu.olt.family))


def _olt_settings_differ(session: Session, old: ServicePlan, new: ServicePlan, onu: Onu) -> bool:
    """Whether the ONU's OLT configuration changes with the plan (profiles, VLANs, GEM port)."""
    before, after = _olt_profile(session, old.id, onu), _olt_profile(session, new.id, onu)
    assert onu.olt is not None
    if after is None:
        raise Conflict(f"service plan {new.name!r} has no profile mapping for {onu.olt.family.value} OLTs "
                       f"(ONU {onu.serial} is on {onu.olt.name})")
    return any(before is None or getattr(before, f) != getattr(after, f) for f in OLT_FIELDS)


def _check_reprofile(session: Session, subscription: Subscription, new: ServicePlan, onu: Onu) -> None:
    """Refuse now what the reprofile job would fail on: an ONU not active (a suspended one would
    come back enabled), a job under way, profiles missing on the OLT."""
    if onu.lifecycle_state is not OnuLifecycle.ACTIVE:
        raise Conflict(f"plan {new.name!r} needs other OLT settings for ONU {onu.serial}, which is "
                       f"{onu.lifecycle_state.value}: change the plan when the ONU is active")
    busy = _open_job(session, onu.id)
    if busy is not None:
        raise Conflict(f"subscription {subscription.id}: ONU {onu.serial} has job {busy} under way")
    try:
        plan_context(session, onu, new.id)
    except DomainError as exc:
        raise Conflict(f"plan {new.name!r} cannot be pushed to ONU {onu.serial}: {exc}") from exc


def _wan_values(session: Session, subscription: Subscription, plan: ServicePlan, onu: Onu
                ) -> tuple[IntentKind, dict[str, Any]]:
    values: dict[str, Any] = {}
    profile = _olt_profile(session, plan.id, onu)
    vlan = onu.desired.get("user_vlan") or (profile.user_vlan if profile else None)
    if vlan:
        values["vlan"] = vlan
    if plan.wan_mode is WanMode.PPPOE:
        values.update(username=subscription.pppoe_username, password=subscription.pppoe_password)
    return WAN_KINDS[plan.wan_mode], values


def _wan_summary(session: Session, plan: ServicePlan, onu: Onu | None) -> dict[str, Any] | None:
    """What a plan's WAN looks like for the ONU, without secrets (compared, and audited)."""
    if onu is None:
        return None
    profile = _olt_profile(session, plan.id, onu)
    return {"mode": plan.wan_mode.value,
            "vlan": onu.desired.get("user_vlan") or (profile.user_vlan if profile else None)}


def _wan_intent(session: Session, subscription: Subscription, onu: Onu, actor: str) -> int:
    kind, values = _wan_values(session, subscription, subscription.plan, onu)
    return create_intent(session, onu.id, kind, values, reason=IntentReason.SUBSCRIPTION, actor=actor,
                         reason_ref=_reason_ref(subscription)).id


def _wifi_intents(session: Session, subscription: Subscription, onu: Onu, actor: str) -> list[int]:
    return wifi_intents(session, subscription, onu, actor)


def wifi_intents(session: Session, subscription: Subscription, onu: Onu, actor: str,
                 enabled: bool | None = None) -> list[int]:
    """One intent per radio the ONU's model has (2.4 GHz when the model is unknown): the
    subscription's network, or with `enabled` False the radio off (a suspension), True the
    network switched on again."""
    bands = _bands(session, onu)
    if not bands:
        return []
    values: dict[str, Any] = {"enabled": False}
    if enabled is not False:
        if not subscription.wifi_ssid:
            subscription.wifi_ssid = default_ssid(subscription.customer.code)
        if not subscription.wifi_passphrase:
            subscription.wifi_passphrase = secrets.token_urlsafe(12)  # 16 printable characters
        values = {"ssid": subscription.wifi_ssid, "security": "wpa2", "passphrase": subscription.wifi_passphrase}
        if enabled:
            values["enabled"] = True
    return [create_intent(session, onu.id, IntentKind.WIFI, {**values, "band": band},
                          reason=IntentReason.SUBSCRIPTION, actor=actor,
                          reason_ref=_reason_ref(subscription)).id for band in bands]


def _bands(session: Session, onu: Onu) -> list[str]:
    onu_type = session.get(OnuType, onu.onu_type_id) if onu.onu_type_id else None
    if onu_type is None:
        return ["2.4GHz"]
    return [band for band, has in (("2.4GHz", onu_type.wifi_24ghz), ("5GHz", onu_type.wifi_5ghz)) if has]


def _reason_ref(subscription: Subscription) -> str:
    return f"subscription:{subscription.id}"


def default_ssid(customer_code: str) -> str:
    """An SSID from the customer's code: printable, at most 32 bytes."""
    text = "".join(c for c in customer_code if c.isprintable()) or "customer"
    ssid = f"WiFi-{text}"
    while len(ssid.encode("utf-8")) > 32:
        ssid = ssid[:-1]
    return ssid


# --- after the commit --------------------------------------------------------------------------

#: the queue task that settles transitions (crm.lifecycle_jobs)
SETTLE_TASK = "ponstack.crm_settle_subscriptions"


def queue_transition(url: str, transition: Transition) -> list[int]:
    """Once the request committed: queue its OMS jobs, then a settle under the same OLT lock
    (it runs when the jobs have ended), and wake the ACS dispatcher for new intents."""
    from acs.jobs import kick_dispatcher
    from core.queue import defer
    from oms.services import enqueue

    if transition.jobs:
        enqueue(url, transition.jobs)
        for olt_id in sorted({job.olt_id for job in transition.jobs if job.olt_id is not None}):
            defer(url, SETTLE_TASK, lock=f"olt:{olt_id}")
    if transition.intents:
        kick_dispatcher(url)
    return [job.id for job in transition.jobs]


def settle_all(url: str, actor: str = "lifecycle") -> dict[str, list[int]]:
    """Settle every transition in progress, each in its own transaction."""
    from acs.jobs import kick_dispatcher
    from core.db import session_scope

    with session_scope(url) as session:
        ids = in_progress(session)
    done: dict[str, list[int]] = {"completed": [], "configuring": [], "failed": [], "intents": []}
    outcome = {None: "completed", TransitionState.IN_PROGRESS: "configuring", TransitionState.FAILED: "failed"}
    for subscription_id in ids:
        with session_scope(url) as session:
            transition = settle(session, subscription_id, actor)
            if transition is None:
                continue
            state = session.get_one(Subscription, subscription_id).network_state
        done[outcome[state]].append(subscription_id)
        done["intents"].extend(transition.intents)
    if done["intents"]:
        kick_dispatcher(url)
    return done
