"""Nornir task `snmp_poll`: poll one OLT over SNMP and store what it answered.

The SNMP work of a whole process runs on ONE asyncio loop in a background
thread (`shared_loop`), with one SnmpEngine for that loop (engines cannot be
shared between loops, and creating one per poll is slow). Nornir's worker
threads hand their OLT's poll to that loop and wait for it, so a threaded run
polls many OLTs at once while each OLT keeps its own max_outstanding and
max_requests_per_s.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from nornir.core.task import Result, Task
from pysnmp.entity.engine import SnmpEngine
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db import session_scope
from oms.models import Olt, OltSnmpSettings, Onu, PollClass, PollStatus, PonPort, SnmpOidMap
from oms.monitoring.collector import (
    MetricError,
    PollResult,
    SnmpTarget,
    _get,
    _open_session,
    _store_rows,
    close_engine_for_loop,
    engine_for_loop,
    poll_olt,
)
from oms.monitoring.indexes import INDEX_FORMATS, Position, Suffix, encode_index
from oms.monitoring.oidmap import OidMapEntry, validate_entry
from oms.monitoring.settings import target_for_olt
from oms.monitoring.store import StoreStats, store_poll_result

T = TypeVar("T")

#: a poll still running after this long is abandoned and recorded as an error
POLL_TIMEOUT_S = 600.0
#: varbinds per GET when reading single ONUs (agents refuse PDUs above ~1500 bytes)
VARBINDS_PER_GET = 16


class SnmpLoop:
    """An asyncio loop running in a daemon thread; other threads submit coroutines to it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="ponstack-snmp", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float) -> T:
        """Run `coro` on the loop and wait for it; on timeout it is cancelled and TimeoutError raised."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout_s)
        except TimeoutError:
            future.cancel()
            raise

    def close(self) -> None:
        async def release() -> None:
            close_engine_for_loop()

        if self.loop.is_running():
            self.run(release(), timeout_s=10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
        if not self.loop.is_running():
            self.loop.close()


_shared: SnmpLoop | None = None
_shared_pid = 0
_shared_lock = threading.Lock()


def shared_loop() -> SnmpLoop:
    """This process's SNMP loop (started on first use; a forked child starts its own)."""
    global _shared, _shared_pid
    with _shared_lock:
        if _shared is None or _shared_pid != os.getpid():
            _shared, _shared_pid = SnmpLoop(), os.getpid()
        return _shared


def close_shared_loop() -> None:
    global _shared
    with _shared_lock:
        if _shared is not None and _shared_pid == os.getpid():
            _shared.close()
        _shared = None


# --- reading single ONUs ----------------------------------------------------------------------


def _onu_entries(entries: Iterable[OidMapEntry], poll_class: str, result: PollResult) -> list[OidMapEntry]:
    usable = []
    for entry in entries:
        if not entry.enabled or entry.poll_class != poll_class:
            continue
        if entry.index_format not in INDEX_FORMATS or INDEX_FORMATS[entry.index_format].level != "onu":
            continue  # port, board and OLT metrics are not per ONU
        problems = validate_entry(entry)
        if problems:
            result.errors.append(MetricError(entry.metric, entry.oid, "invalid_oid_map", "; ".join(problems)))
            continue
        result.polled_metrics.append(entry.metric)
        usable.append(entry)
    return usable


@dataclass
class _Instance:
    entry: OidMapEntry
    suffix: Suffix
    oid: str


def _instances(entries: Sequence[OidMapEntry], positions: Sequence[Position]) -> list[_Instance]:
    found = []
    for entry in entries:
        for position in positions:
            suffix = encode_index(entry.index_format, position)
            found.append(_Instance(entry, suffix, f"{entry.oid}.{'.'.join(map(str, suffix))}"))
    return found


async def _read_chunk(
    session: Any, chunk: list[_Instance], result: PollResult
) -> dict[str, dict[Suffix, Any]]:
    values, fault = await _get(session, [instance.oid for instance in chunk])
    rows: dict[str, dict[Suffix, Any]] = {}
    if fault is not None:
        for metric, oid in {(i.entry.metric, i.entry.oid) for i in chunk}:
            result.errors.append(MetricError(metric, oid, fault.kind, fault.message))
        return rows
    for instance in chunk:
        if instance.oid in values:
            rows.setdefault(instance.entry.metric, {})[instance.suffix] = values[instance.oid]
    return rows


async def get_instances(
    engine: SnmpEngine,
    target: SnmpTarget,
    entries: Iterable[OidMapEntry],
    poll_class: str | PollClass,
    positions: Sequence[Position],
    varbinds_per_get: int = VARBINDS_PER_GET,
) -> PollResult:
    """Read the ONU metrics of `poll_class` for just these ONU positions, with GETs of the
    exact instances (no walk). Device faults end up in result.errors, never raised."""
    poll_class = str(getattr(poll_class, "value", poll_class))
    result = PollResult(target=target.label, poll_class=poll_class, started_at=datetime.now(UTC))
    usable = _onu_entries(entries, poll_class, result)
    instances = _instances(usable, positions)
    if not instances:
        result.finished_at = datetime.now(UTC)
        return result
    try:
        session = await _open_session(engine, target)
    except Exception as exc:  # bad host name, bad credentials config: recorded against the OLT
        for entry in usable:
            result.errors.append(MetricError(entry.metric, entry.oid, "transport", f"{target.label}: {exc}"))
        result.finished_at = datetime.now(UTC)
        return result
    chunks = [instances[i : i + varbinds_per_get] for i in range(0, len(instances), varbinds_per_get)]
    try:
        answers = await asyncio.gather(*(_read_chunk(session, chunk, result) for chunk in chunks))
    finally:
        session.close()
    by_metric = {entry.metric: entry for entry in usable}
    for rows_by_metric in answers:
        for metric, rows in rows_by_metric.items():
            _store_rows(result, by_metric[metric], rows)
    result.finished_at = datetime.now(UTC)
    return result


# --- what to poll -----------------------------------------------------------------------------


@dataclass
class PollPlan:
    olt_id: int
    olt_name: str
    target: SnmpTarget
    entries: list[OidMapEntry]
    #: for a "poll now" of single ONUs: their positions (None: the whole OLT)
    positions: list[Position] | None = None
    #: ONUs configured on the OLT (with an ONU id on a port): none, and its ONU tables are empty
    onus_configured: int = 0
    missing_onus: list[int] = field(default_factory=list)


class NotPollable(Exception):
    """The OLT cannot be polled as configured (not a device fault: nothing is recorded)."""


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def oid_map_entries(session: Session, family: str) -> list[OidMapEntry]:
    rows = session.execute(select(SnmpOidMap).where(SnmpOidMap.vendor_family == family)).scalars()
    entries = []
    for row in rows:
        entry = OidMapEntry.from_row(row)
        entry.vendor_family, entry.metric, entry.poll_class = (
            _plain(entry.vendor_family),
            _plain(entry.metric),
            _plain(entry.poll_class),
        )
        entries.append(entry)
    return entries


def _onu_positions(session: Session, olt_id: int, onu_ids: Sequence[int]) -> dict[int, Position]:
    rows = session.execute(
        select(Onu.id, PonPort.frame, PonPort.slot, PonPort.port, Onu.onu_index)
        .join(PonPort, Onu.pon_port_id == PonPort.id)
        .where(PonPort.olt_id == olt_id, Onu.id.in_(list(onu_ids)), Onu.onu_index.is_not(None))
    )
    return {onu_id: Position(frame, slot, port, index) for onu_id, frame, slot, port, index in rows}


def load_plan(session: Session, olt_id: int, onu_ids: Sequence[int] | None = None) -> PollPlan:
    olt = session.get(Olt, olt_id)
    if olt is None:
        raise NotPollable(f"OLT {olt_id} does not exist")
    settings: OltSnmpSettings | None = olt.snmp
    if settings is None or not settings.enabled:
        raise NotPollable(f"OLT {olt.name}: SNMP is not configured or not enabled")
    entries = oid_map_entries(session, _plain(olt.family))
    if not entries:
        raise NotPollable(f"OLT {olt.name}: no SNMP OID maps for vendor family {_plain(olt.family)}")
    plan = PollPlan(olt.id, olt.name, target_for_olt(olt, settings), entries)
    plan.onus_configured = session.scalar(select(func.count()).select_from(Onu).where(
        Onu.olt_id == olt.id, Onu.onu_index.is_not(None))) or 0
    if onu_ids is not None:
        found = _onu_positions(session, olt.id, onu_ids)
        if not found:
            raise NotPollable(f"OLT {olt.name}: none of the ONUs {list(onu_ids)} is authorized on it")
        plan.positions = list(found.values())
        plan.missing_onus = sorted(set(onu_ids) - set(found))
    return plan


# --- running and storing ----------------------------------------------------------------------


async def _poll(plan: PollPlan, poll_class: str) -> PollResult:
    engine = engine_for_loop()
    try:
        if plan.positions is None:
            return await poll_olt(engine, plan.target, plan.entries, poll_class, no_onus=plan.onus_configured == 0)
        return await get_instances(engine, plan.target, plan.entries, poll_class, plan.positions)
    except Exception as exc:  # a bug or an unexpected library error: recorded against this OLT only
        return _failed_result(plan, poll_class, "internal", f"{type(exc).__name__}: {exc}")


def _failed_result(plan: PollPlan, poll_class: str, kind: str, message: str) -> PollResult:
    now = datetime.now(UTC)
    result = PollResult(plan.target.label, poll_class, now, now)
    result.errors.append(MetricError("*", "", kind, message))
    return result


def run_poll(plan: PollPlan, poll_class: str, timeout_s: float = POLL_TIMEOUT_S) -> PollResult:
    """Run one OLT's poll on the shared loop (blocking the calling thread)."""
    try:
        return shared_loop().run(_poll(plan, poll_class), timeout_s)
    except TimeoutError:
        message = f"{plan.target.label}: poll took over {timeout_s:g} s"
        return _failed_result(plan, poll_class, "timeout", message)


def store_result(session: Session, plan: PollPlan, result: PollResult) -> StoreStats:
    """Store a poll; a poll of single ONUs does not count as the OLT's scheduled poll."""
    if plan.positions is None:
        return store_poll_result(session, plan.olt_id, result)
    before = session.execute(
        select(Olt.last_status_poll_at, Olt.last_optical_poll_at).where(Olt.id == plan.olt_id)
    ).one()
    stats = store_poll_result(session, plan.olt_id, result)
    session.execute(
        update(Olt)
        .where(Olt.id == plan.olt_id)
        .values(last_status_poll_at=before[0], last_optical_poll_at=before[1])
    )
    return stats


def summary(plan: PollPlan, result: PollResult, stats: StoreStats) -> dict[str, Any]:
    duration = (result.finished_at or result.started_at) - result.started_at
    return {
        "olt_id": plan.olt_id,
        "olt": plan.olt_name,
        "poll_class": result.poll_class,
        "status": result.status.value,
        "onus_updated": stats.onus_updated,
        "samples_written": stats.samples_written,
        "ports_updated": stats.ports_updated,
        "unmatched_indexes": stats.unmatched_positions + sum(result.foreign_indexes.values()),
        "errors": len(result.errors),
        "error": result.error_text(),
        "onus_requested": None if plan.positions is None else len(plan.positions),
        "onus_not_found": plan.missing_onus,
        "duration_s": round(duration.total_seconds(), 3),
    }


def snmp_poll(
    task: Task,
    poll_class: str,
    database_url: str,
    onu_ids: list[int] | None = None,
    timeout_s: float = POLL_TIMEOUT_S,
) -> Result:
    """Poll this host's OLT for `poll_class` (all ONUs, or just `onu_ids`) and store the readings.

    failed=True when the poll status is error or the OLT cannot be polled; device faults never raise.
    """
    poll_class = str(getattr(poll_class, "value", poll_class))
    olt_id = int(task.host.data["olt_id"])
    try:
        with session_scope(database_url) as session:
            plan = load_plan(session, olt_id, onu_ids)
    except NotPollable as exc:
        return Result(host=task.host, failed=True, result={"olt_id": olt_id, "error": str(exc)})
    result = run_poll(plan, poll_class, timeout_s)
    with session_scope(database_url) as session:
        stats = store_result(session, plan, result)
    return Result(
        host=task.host,
        failed=result.status is PollStatus.ERROR,
        result=summary(plan, result, stats),
    )
