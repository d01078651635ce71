"""Drift: the device no longer holds what its last applied intent wrote.

For each ONU and slot, the latest applied WAN or Wi-Fi intent is the desired state. Its
non-secret values are read from the ACS's copy of the device and compared; a difference
marks the intent `drifted_at` and, where the settings say so, re-applies it as a new intent
(reason `reconcile`). Secrets cannot be compared (CPEs report them blank).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acs.connection import load_settings
from acs.dispatcher import read_device
from acs.genieacs import AcsClient
from acs.intents import create_intent, secrets_of
from acs.mappings import same_value
from acs.models import OPEN_STATUSES, AcsIntent, IntentKind, IntentReason, IntentStatus
from core.db import session_scope
from core.errors import DomainError

COMPARED_KINDS = (IntentKind.WAN_PPPOE, IntentKind.WAN_DHCP, IntentKind.WAN_BRIDGE, IntentKind.WIFI)


@dataclass
class ReconcileReport:
    checked: int = 0
    drifted: int = 0
    reapplied: int = 0
    unreadable: int = 0


def desired_states(session: Session, limit: int = 10_000) -> list[int]:
    """The latest applied intent per ONU and slot, where no newer intent is open."""
    latest = (select(func.max(AcsIntent.id))
              .where(AcsIntent.kind.in_(COMPARED_KINDS), AcsIntent.status == IntentStatus.APPLIED)
              .group_by(AcsIntent.onu_id, AcsIntent.slot))
    open_slots = select(AcsIntent.onu_id, AcsIntent.slot).where(AcsIntent.status.in_(OPEN_STATUSES))
    rows = session.execute(
        select(AcsIntent.id, AcsIntent.onu_id, AcsIntent.slot).where(AcsIntent.id.in_(latest)).limit(limit)
    ).all()
    busy = {(onu_id, slot) for onu_id, slot in session.execute(open_slots).all()}
    return [intent_id for intent_id, onu_id, slot in rows if (onu_id, slot) not in busy]


def reconcile(url: str, client: AcsClient, *, reapply: bool, limit: int = 10_000) -> ReconcileReport:
    """Read back the latest applied intents (the devices' own values) and mark drift."""
    report = ReconcileReport()
    with session_scope(url) as session:
        ids = desired_states(session, limit)
        timeout_ms = load_settings(session).connection_request_timeout_ms
    for intent_id in ids:
        with session_scope(url) as session:
            _check(session, client, intent_id, reapply, timeout_ms, report)
    return report


def _check(session: Session, client: AcsClient, intent_id: int, reapply: bool, timeout_ms: int,
           report: ReconcileReport) -> None:
    intent = session.get(AcsIntent, intent_id, with_for_update=True)
    if intent is None or intent.device_id is None:
        return
    written = [w for w in intent.result.get("writes", []) if w.get("value") != "***"]
    if not written:
        return
    report.checked += 1
    try:
        values = read_device(client, intent.device_id, [w["path"] for w in written], f"{intent.unique_key}:read",
                             timeout_ms)
    except DomainError:  # an unreachable ACS leaves the state as it was; the next run retries
        values = None
    if values is None:
        report.unreadable += 1
        return
    drifted = [w["path"] for w in written if not same_value(values.get(w["path"]), w["value"])]
    if not drifted:
        intent.drifted_at = None
        return
    report.drifted += 1
    intent.drifted_at = datetime.now(UTC)
    intent.result = {**intent.result, "drift": drifted}
    if reapply:
        create_intent(session, intent.onu_id, intent.kind, {**intent.desired, **secrets_of(intent)},
                      reason=IntentReason.RECONCILE, actor="reconcile", reason_ref=f"drift of intent {intent.id}")
        report.reapplied += 1
