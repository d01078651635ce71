"""Reconcile one OLT: read its real ONU list and compare it with the database's
desired state; report the differences and, when asked, repair the database side.

Repair never changes the OLT: an ONU configured on the OLT but unknown to us is
imported as active, an ONU we think is active but the OLT lacks becomes `failed`
(retryable authorization). Without repair nothing is written. ONUs that a job is
still to act on (queued) are reported, never changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import session_scope
from oms.device import DeviceSession, OltRun, read_port_serials
from oms.jobs import JobLog, now
from oms.models import Job, JobStatus, Onu, OnuLifecycle, PonPort

PROVISIONED = (OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED)
IN_FLIGHT = (OnuLifecycle.AUTHORIZING, OnuLifecycle.REMOVING)
ABSENT = "<absent>"


@dataclass
class ReconcileReport:
    olt_id: int
    repaired: bool
    ports_read: int = 0
    in_agreement: int = 0
    only_on_olt: list[str] = field(default_factory=list)  # "0/1/0:5 HWTC..." configured on the OLT, not in DB
    only_in_db: list[str] = field(default_factory=list)  # active in DB, absent from the OLT
    serial_mismatch: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)  # ONUs a job is acting on, with what the OLT shows
    settled_in_flight: list[str] = field(default_factory=list)  # ...left transient with no job (repaired)

    @property
    def clean(self) -> bool:
        return not (self.only_on_olt or self.only_in_db or self.serial_mismatch or self.in_flight)


def reconcile(url: str, device: DeviceSession, log: JobLog, run: OltRun, olt_id: int,
              repair: bool) -> ReconcileReport:
    with session_scope(url) as session:
        pon_ports = list(session.execute(select(PonPort).where(PonPort.olt_id == olt_id)).scalars())
        report = ReconcileReport(olt_id=olt_id, repaired=repair)
        device_onus: dict[tuple[int, int], str | None] = {}
        for port in pon_ports:
            for state in read_port_serials(device, log, port):
                device_onus[(port.id, state.onu_id)] = state.serial
            run.forget(port)
            report.ports_read += 1
        _compare(session, olt_id, pon_ports, device_onus, report, repair)
        if not repair:
            session.rollback()  # a report changes nothing
    return report


def _compare(session: Session, olt_id: int, pon_ports: list[PonPort],
             device_onus: dict[tuple[int, int], str | None], report: ReconcileReport, repair: bool) -> None:
    fsp = {p.id: p.fsp for p in pon_ports}
    rows = list(session.execute(select(Onu).where(Onu.olt_id == olt_id).with_for_update()).scalars())
    open_jobs = _open_jobs(session, [o.id for o in rows])
    by_position = {(o.pon_port_id, o.onu_index): o for o in rows if o.onu_index is not None}
    for onu in rows:
        position = (onu.pon_port_id, onu.onu_index)
        where = f"{fsp.get(onu.pon_port_id or -1, '?')}:{onu.onu_index}"
        on_device = device_onus.get(position, ABSENT) if None not in position else ABSENT  # type: ignore[arg-type]
        if onu.id in open_jobs:
            report.in_flight.append(_in_flight(onu, open_jobs[onu.id], device_onus, fsp))
        elif onu.lifecycle_state in IN_FLIGHT:
            _settle(onu, device_onus, report, repair)
        elif onu.lifecycle_state in PROVISIONED and on_device == ABSENT:
            report.only_in_db.append(f"{where} {onu.serial}")
            if repair:
                _mark_missing(onu)
        elif onu.lifecycle_state in PROVISIONED and on_device != onu.serial:
            report.serial_mismatch.append(f"{where} database {onu.serial}, OLT {on_device}")
            if repair:
                _mark_missing(onu)
        elif onu.lifecycle_state in PROVISIONED:
            report.in_agreement += 1
    in_flight_ids = {o.id for o in rows if o.id in open_jobs}
    for (port_id, onu_index), serial in sorted(device_onus.items()):
        known = by_position.get((port_id, onu_index))
        if known is not None and known.serial == serial and known.lifecycle_state in PROVISIONED:
            continue
        if any(o.serial == serial and o.id in in_flight_ids for o in rows):
            continue  # reported with its job
        report.only_on_olt.append(f"{fsp[port_id]}:{onu_index} {serial}")
        if repair and serial:
            _import(session, olt_id, port_id, onu_index, serial)


def _open_jobs(session: Session, onu_ids: list[int]) -> dict[int, Job]:
    jobs = session.execute(
        select(Job).where(Job.onu_id.in_(onu_ids), Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
    ).scalars()
    return {job.onu_id: job for job in jobs if job.onu_id is not None}


def _in_flight(onu: Onu, job: Job, device_onus: dict[tuple[int, int], str | None], fsp: dict[int, str]) -> str:
    plan = job.result.get("plan") or {}
    port_id, index = plan.get("port_id"), plan.get("onu_index")
    seen = device_onus.get((port_id, index)) if port_id is not None and index is not None else None
    shows = (f"the OLT has it at {fsp.get(int(port_id or 0), '?')}:{index}" if seen == onu.serial
             else "the OLT does not show it at the job's position" if plan else "not pushed yet")
    state = "running, its worker stopped" if job.status is JobStatus.RUNNING else job.status.value
    return f"{onu.serial} ({onu.lifecycle_state.value}): job {job.id} {job.kind.value} {state}; {shows}"


def _settle(onu: Onu, device_onus: dict[tuple[int, int], str | None], report: ReconcileReport,
            repair: bool) -> None:
    """An ONU left transient with no job acting on it: the OLT says where it ended."""
    found = next(((port_id, index) for (port_id, index), serial in device_onus.items() if serial == onu.serial), None)
    ends = OnuLifecycle.ACTIVE if found else (
        OnuLifecycle.REMOVED if onu.lifecycle_state is OnuLifecycle.REMOVING else OnuLifecycle.DISCOVERED)
    report.settled_in_flight.append(f"{onu.serial} ({onu.lifecycle_state.value} -> {ends.value})")
    if repair:
        onu.lifecycle_state, onu.failure_reason = ends, None
        if found:
            onu.pon_port_id, onu.onu_index = found
        else:
            onu.onu_index = None


def _mark_missing(onu: Onu) -> None:
    onu.lifecycle_state, onu.onu_index = OnuLifecycle.FAILED, None
    onu.failure_reason = "not configured on the OLT (found by reconcile); authorize again"


def _import(session: Session, olt_id: int, port_id: int, onu_index: int, serial: str) -> None:
    occupant = session.execute(
        select(Onu).where(Onu.pon_port_id == port_id, Onu.onu_index == onu_index, Onu.serial != serial)
    ).scalar_one_or_none()
    if occupant is not None:
        _mark_missing(occupant)
        session.flush()
    onu = session.execute(select(Onu).where(Onu.serial == serial)).scalar_one_or_none()
    if onu is None:
        onu = Onu(serial=serial, lifecycle_state=OnuLifecycle.ACTIVE, discovered_at=now(),
                  description="imported by reconcile")
        session.add(onu)
    onu.olt_id, onu.pon_port_id, onu.onu_index = olt_id, port_id, onu_index
    onu.lifecycle_state, onu.failure_reason, onu.authorized_at = OnuLifecycle.ACTIVE, None, onu.authorized_at or now()
    session.flush()
