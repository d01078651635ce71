"""The dispatcher: moves intents from the outbox to the ACS and follows each until the
device confirms it.

One step per intent (`advance`), in its own short transactions, never holding a database
transaction across an HTTP wait:

- pending: find the device on the ACS, resolve the mapped paths against what the ACS has
  discovered, mark the intent `sent` and commit *before* pushing (so a worker killed after
  sending knows it sent), push, record the outcome;
- sent: follow up: the task still queued on the ACS, faulted, or gone; when its task id is
  unknown (the push's answer was lost) look the task up by its `uniqueKey` before ever
  sending again; when the task is gone, read the device back and compare.

`applied` is set only after a read-back shows the written values (GenieACS reports "done"
for writes it silently skipped). Secret parameters cannot be compared: CPEs report them
blank (GenieACS seed/default.js never refreshes KeyPassphrase for that reason).

At most one intent per device is in flight; `dispatch` keeps under the settings' rate.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from acs.connection import load_settings
from acs.genieacs import AcsClient
from acs.intents import secrets_of
from acs.mappings import Plan, Write, intent_fields, object_roots, plan, rows_for, same_value
from acs.models import AcsDevice, AcsIntent, DataModel, IntentKind, IntentStatus
from core.db import session_scope
from oms.models import Onu, OnuType
from vendor_cli.serials import serial_hex

FOLLOW_UP = timedelta(seconds=30)
#: sends before a value the device does not take is reported as not written
NOT_WRITTEN_ATTEMPTS = 2
DEVICE_UNKNOWN_RETRY = timedelta(minutes=5)
#: how long a task may wait on the ACS for the device's next session
TASK_EXPIRY_S = 24 * 3600
_RPC_TASKS: dict[IntentKind, dict[str, Any]] = {
    IntentKind.REBOOT: {"name": "reboot"},
    IntentKind.FACTORY_RESET: {"name": "factoryReset"},
}


@dataclass
class DispatchReport:
    advanced: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def due_intents(session: Session, now: datetime, limit: int) -> list[int]:
    """Open intents due now, oldest first, at most one per device: a pending intent waits
    while another intent of its ONU is sent."""
    other = aliased(AcsIntent)
    in_flight = exists().where(and_(other.onu_id == AcsIntent.onu_id, other.status == IntentStatus.SENT,
                                    other.id != AcsIntent.id))
    rows = session.execute(
        select(AcsIntent.id, AcsIntent.onu_id)
        .where(AcsIntent.status.in_((IntentStatus.PENDING, IntentStatus.SENT)), AcsIntent.next_attempt_at <= now)
        .where((AcsIntent.status == IntentStatus.SENT) | ~in_flight)
        .order_by(AcsIntent.next_attempt_at, AcsIntent.id).limit(limit * 4)
    ).all()
    chosen: dict[int, int] = {}
    for intent_id, onu_id in rows:
        chosen.setdefault(onu_id, intent_id)
    return list(chosen.values())[:limit]


class RateCap:
    """At most `per_second` starts a second, shared by the dispatcher's threads."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.next_start = time.monotonic()
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_start)
            self.next_start = start + self.interval
        time.sleep(max(0.0, start - now))


def dispatch(url: str, client: AcsClient, *, limit: int = 200, rate_per_second: float | None = None,
             workers: int = 8, now: datetime | None = None) -> DispatchReport:
    """Advance every due intent once: `workers` devices at a time (each intent is mostly
    waiting on the ACS and its device), starting at most `rate_per_second` a second."""
    with session_scope(url) as session:
        ids = due_intents(session, now or datetime.now(UTC), limit)
        cap = RateCap(rate_per_second or load_settings(session).rate_per_second)
    report = DispatchReport()

    def step(intent_id: int) -> str:
        cap.wait()
        return advance(url, client, intent_id)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="acs-dispatch") as pool:
        for status in pool.map(step, ids):
            report.advanced += 1
            report.by_status[status] = report.by_status.get(status, 0) + 1
    return report


def advance(url: str, client: AcsClient, intent_id: int) -> str:
    """One step of one intent; returns its status afterwards."""
    with session_scope(url) as session:
        intent = session.get(AcsIntent, intent_id, with_for_update={"skip_locked": True})
        if intent is None or intent.status not in (IntentStatus.PENDING, IntentStatus.SENT):
            return intent.status.value if intent else "gone"
        step = _Step(session, client, intent)
        if not step.find_device():
            return intent.status.value
        if intent.status is IntentStatus.SENT:
            step.follow_up()
            return intent.status.value
        task = step.prepare()
    if task is None:
        return _status(url, intent_id)
    return _push(url, client, intent_id, task)


def _push(url: str, client: AcsClient, intent_id: int, task: dict[str, Any]) -> str:
    with session_scope(url) as session:
        intent = session.get(AcsIntent, intent_id)
        assert intent is not None and intent.device_id is not None
        device_id, timeout_ms = intent.device_id, load_settings(session).connection_request_timeout_ms
    answer = client.push(device_id, task, connection_request=True, timeout_ms=timeout_ms)
    with session_scope(url) as session:
        intent = session.get(AcsIntent, intent_id, with_for_update=True)
        assert intent is not None
        step = _Step(session, client, intent)
        step.record_push(answer)
        return intent.status.value


def _status(url: str, intent_id: int) -> str:
    with session_scope(url) as session:
        intent = session.get(AcsIntent, intent_id)
        return intent.status.value if intent else "gone"


class _Step:
    def __init__(self, session: Session, client: AcsClient, intent: AcsIntent) -> None:
        self.session, self.client, self.intent = session, client, intent
        self.now = datetime.now(UTC)

    # --- the device ------------------------------------------------------------------
    def find_device(self) -> bool:
        intent = self.intent
        if intent.device_id:
            return True
        known = self.session.scalar(select(AcsDevice).where(AcsDevice.onu_id == intent.onu_id))
        if known is None:
            onu = self.session.get(Onu, intent.onu_id)
            assert onu is not None
            # GPON ONTs report their serial as text (ZTEG...) or in hex (Huawei: 48575443...).
            found = self.client.find_device(onu.serial) or self.client.find_device(serial_hex(onu.serial))
            if found is None:
                intent.last_outcome = "device_unknown"
                intent.last_error = (f"the ACS does not know a CPE with serial {onu.serial} yet; "
                                     "the intent is sent when the device first informs")
                intent.next_attempt_at = self.now + DEVICE_UNKNOWN_RETRY
                return False
            known = link_device(self.session, found.device_id, onu.serial, onu_id=onu.id,
                                oui=found.oui, product_class=found.product_class)
        intent.device_id = known.device_id
        return True

    # --- pending -> sent ------------------------------------------------------------------
    def prepare(self) -> dict[str, Any] | None:
        """The task to send (the intent marked sent and committed by the caller), or None when
        the intent finished here (nothing to write, or a problem found before sending)."""
        intent = self.intent
        if intent.kind in _RPC_TASKS:
            task = dict(_RPC_TASKS[intent.kind])
        elif intent.kind is IntentKind.FIRMWARE:
            task = {"name": "download", "fileType": "1 Firmware Upgrade Image", "fileName": intent.desired["file_name"]}
        else:
            mapped = self._plan()
            if mapped.problems:
                self._finish(IntentStatus.FAILED, "not_sent", "; ".join(mapped.problems))
                return None
            # Every mapped value is sent: GenieACS itself skips values equal to its cached copy, and
            # the read-back below finds a device whose value differs from that copy.
            self._remember_writes(mapped.writes)
            task = {"name": "setParameterValues", "parameterValues": [[w.path, w.value] for w in mapped.writes]}
        task.update(uniqueKey=intent.unique_key, expiry=TASK_EXPIRY_S)
        intent.status = IntentStatus.SENT
        intent.attempts += 1
        intent.sent_at = self.now
        intent.acs_task_id = None
        intent.next_attempt_at = self.now + FOLLOW_UP
        return task

    def _plan(self) -> Plan:
        intent = self.intent
        data_model, vendor, model = self._model()
        variant = intent.desired.get("band", "") if intent.kind is IntentKind.WIFI else ""
        rows = rows_for(self.session, data_model, intent.kind, vendor, model, variant)
        assert intent.device_id is not None
        device = self.client.parameters(intent.device_id, object_roots(rows)) if rows else {}
        return plan(rows, intent_fields(intent.kind, intent.desired, secrets_of(intent)), _values(device))

    def _model(self) -> tuple[DataModel, str, str]:
        onu = self.session.get(Onu, self.intent.onu_id)
        onu_type = self.session.get(OnuType, onu.onu_type_id) if onu and onu.onu_type_id else None
        if onu_type is not None:
            return DataModel(onu_type.tr069_data_model.value), onu_type.vendor, onu_type.model
        device = self.session.scalar(select(AcsDevice).where(AcsDevice.device_id == self.intent.device_id))
        vendor = _vendor_of_oui(device.oui if device else None)
        return DataModel.TR098, vendor, (device.product_class or "") if device else ""

    def _remember_writes(self, writes: list[Write]) -> None:
        self.intent.result = {
            **self.intent.result,
            "writes": [{"field": w.field, "path": w.path, "value": "***" if w.write_only else w.value}
                       for w in writes],
        }

    def _read_device(self, paths: list[str]) -> dict[str, Any] | None:
        assert self.intent.device_id is not None
        return read_device(self.client, self.intent.device_id, paths, f"{self.intent.unique_key}:read",
                           load_settings(self.session).connection_request_timeout_ms)

    # --- the push's answer ----------------------------------------------------------------
    def record_push(self, answer: Any) -> None:
        intent = self.intent
        outcome = answer.outcome.value
        intent.last_outcome = outcome
        intent.acs_task_id = answer.task_id or intent.acs_task_id
        intent.last_error = answer.detail or None
        if outcome == "applied":
            self._verify()
        elif outcome == "faulted":
            self._faulted(answer.fault)
        else:
            # queued / connection request failed / device busy / unknown: followed up later
            intent.next_attempt_at = self.now + FOLLOW_UP

    # --- sent: follow up ------------------------------------------------------------------
    def follow_up(self) -> None:
        intent = self.intent
        assert intent.device_id is not None
        if intent.acs_task_id is None:
            queued = self.client.find_task_by_unique_key(intent.device_id, intent.unique_key)
            if queued is not None:
                intent.acs_task_id = str(queued["_id"])
                intent.next_attempt_at = self.now + FOLLOW_UP
                return
        elif (queued := self.client.task(intent.acs_task_id)) is not None:
            fault = self.client.fault_of(intent.device_id, intent.acs_task_id)
            if fault is not None:
                self._faulted(fault)
            elif intent.sent_at and self.now - intent.sent_at > timedelta(seconds=TASK_EXPIRY_S):
                self._finish(IntentStatus.FAILED, "expired", "the device did not contact the ACS in time")
            else:
                intent.next_attempt_at = self.now + FOLLOW_UP
            return
        self._verify()

    def _verify(self) -> None:
        """The task ran (or its answer was lost and it is no longer queued): read back."""
        intent = self.intent
        if intent.kind in _RPC_TASKS or intent.kind is IntentKind.FIRMWARE:
            self._finish(IntentStatus.APPLIED, "applied", None)
            return
        if intent.kind in (IntentKind.PING, IntentKind.TRACEROUTE):
            self._diagnostics_result()
            return
        compared = [w for w in self._plan().writes if not w.write_only]  # secrets read back blank
        device = self._read_device([w.path for w in compared])
        if device is None:
            intent.last_outcome = "read_back_pending"
            intent.next_attempt_at = self.now + FOLLOW_UP
            return
        missing = [w.path for w in compared if not same_value(device.get(w.path), w.value)]
        if not missing:
            self._finish(IntentStatus.APPLIED, "applied", None)
        elif intent.attempts < NOT_WRITTEN_ATTEMPTS and intent.last_outcome != "faulted":
            # GenieACS skips values equal to its (possibly stale) copy; the read just refreshed
            # that copy, so sending again writes what was skipped.
            intent.status = IntentStatus.PENDING
            intent.next_attempt_at = self.now
            intent.result = {**intent.result, "not_written": missing}
        else:
            self._finish(IntentStatus.FAILED, "not_written",
                         "the ACS reported success but the device does not hold the value of: " + ", ".join(missing)
                         + " (GenieACS skips paths it has not discovered, read-only ones and values equal to its"
                         " cached copy)")

    def _diagnostics_result(self) -> None:
        intent = self.intent
        mapped = self._plan()
        assert intent.device_id is not None
        root = sorted({p.split(".*", 1)[0].rsplit(".", 1)[0] for p in mapped.reads.values()})[0]
        answer = self.client.push(intent.device_id, {"name": "refreshObject", "objectName": root,
                                                     "uniqueKey": f"{intent.unique_key}:read", "expiry": 300},
                                  connection_request=True,
                                  timeout_ms=load_settings(self.session).connection_request_timeout_ms)
        if answer.outcome.value != "applied":
            intent.next_attempt_at = self.now + FOLLOW_UP
            return
        device = _values(self.client.parameters(intent.device_id, [root]))
        result = {name: _read(path, device) for name, path in mapped.reads.items()}
        state = str(result.get("state") or "")
        intent.result = {**intent.result, "diagnostics": result}
        if state.startswith("Complete"):
            self._finish(IntentStatus.APPLIED, "applied", None)
        elif state.startswith("Error"):
            self._finish(IntentStatus.FAILED, "diagnostics_error", f"the device reported {state}")
        else:
            intent.next_attempt_at = self.now + timedelta(seconds=5)

    def _faulted(self, fault: Any) -> None:
        intent = self.intent
        code, message = getattr(fault, "code", "fault"), getattr(fault, "message", str(fault))
        intent.result = {**intent.result, "fault": {"code": code, "message": message}}
        if intent.device_id and intent.acs_task_id:
            # Deleting the task deletes its fault too, so the ACS stops retrying a rejected value.
            self.client.delete_task(intent.acs_task_id)
        self._finish(IntentStatus.FAILED, "faulted", f"{code}: {message}")

    def _finish(self, status: IntentStatus, outcome: str, error: str | None) -> None:
        self.intent.status = status
        self.intent.last_outcome = outcome
        self.intent.last_error = error
        self.intent.finished_at = datetime.now(UTC)  # after the read-back, not when the step began


def read_device(client: AcsClient, device_id: str, paths: list[str], unique_key: str,
                timeout_ms: int) -> dict[str, Any] | None:
    """The device's own values of `paths` (path -> value), read by a getParameterValues in a
    session it opens now (which also refreshes GenieACS's copy); None when it cannot be
    reached now. GenieACS's cached copy alone would miss a change made on the device."""
    if not paths:
        return {}
    task = {"name": "getParameterValues", "parameterNames": paths, "uniqueKey": unique_key, "expiry": 300}
    answer = client.push(device_id, task, connection_request=True, timeout_ms=timeout_ms)
    if answer.outcome.value != "applied":
        if answer.task_id:
            client.delete_task(answer.task_id)  # a read is worth nothing later: don't leave it queued
        return None
    return _values(client.values(device_id, paths))


def link_device(session: Session, device_id: str, serial: str, *, onu_id: int | None,
                oui: str | None = None, product_class: str | None = None) -> AcsDevice:
    """The ACS device row for `device_id`, created or linked to `onu_id` when it was not."""
    device = session.scalar(select(AcsDevice).where(AcsDevice.device_id == device_id).with_for_update())
    if device is None:
        device = AcsDevice(device_id=device_id, serial=serial, oui=oui, product_class=product_class,
                           last_events=[], informs=0)
        session.add(device)
    if onu_id is not None and device.onu_id is None:
        device.onu_id = onu_id
        device.linked_at = datetime.now(UTC)
    session.flush()
    return device


def _values(parameters: dict[str, Any]) -> dict[str, Any]:
    """path -> plain value, whatever shape the client returns (values or objects with `.value`)."""
    return {path: getattr(value, "value", value) for path, value in parameters.items()}


def _read(path: str, device: dict[str, Any]) -> Any:
    if "*" not in path:
        return device.get(path)
    prefix, _, leaf = path.partition(".*.")
    return [value for key, value in sorted(device.items())
            if key.startswith(prefix + ".") and key.endswith("." + leaf)]


# The OUIs of the CPE trees in lab/genieacs/trees (DeviceID.OUI), for a device with no ONU type.
_OUI_VENDORS = {"00259E": "Huawei", "E0247F": "Huawei", "202BC1": "Huawei", "C0B101": "ZTE", "9075BC": "Nokia"}


def _vendor_of_oui(oui: str | None) -> str:
    return _OUI_VENDORS.get((oui or "").upper(), "")
