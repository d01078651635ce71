"""Reconcile one OLT: read its real ONU list and compare it with the database's
desired state; report the differences and, when asked, repair the database side.

Repair never changes the OLT: an ONU configured on the OLT but unknown to us is
imported as active, an ONU we think is active but the OLT lacks becomes
`failed` (retryable authorization), and ONUs left `authorizing`/`removing` by a
crashed worker get the state the OLT shows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import session_scope
from oms.jobs import JobLog, finish, now
from oms.models import Job, JobStatus, Onu, OnuLifecycle, PonPort

PROVISIONED = (OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED)
IN_FLIGHT = (OnuLifecycle.AUTHORIZING, OnuLifecycle.REMOVING)


@dataclass
class ReconcileReport:
    olt_id: int
    repaired: bool
    ports_read: int = 0
    in_agreement: int = 0
    only_on_olt: list[str] = field(default_factory=list)  # "0/1/0:5 HWTC..." configured on the OLT, not in DB
    only_in_db: list[str] = field(default_factory=list)  # active in DB, absent from the OLT
    serial_mismatch: list[str] = field(default_factory=list)
    settled_in_flight: list[str] = field(default_factory=list)
    abandoned_jobs: list[int] = field(default_factory=list)  # "running" jobs whose worker died


def reconcile(url: str, device, job_id: int, log: JobLog, ports) -> JobStatus:  # type: ignore[no-untyped-def]
    """Job handler (see oms.lifecycle.HANDLERS); `ports` is the run's PortView."""
    from oms.lifecycle import read_onu, read_port  # local: lifecycle imports this module's handler

    with session_scope(url) as session:
        job = session.get_one(Job, job_id)
        olt_id, repair = job.olt_id, bool(job.params.get("repair"))
        pon_ports = list(session.execute(select(PonPort).where(PonPort.olt_id == olt_id)).scalars())
        report = ReconcileReport(olt_id=olt_id or 0, repaired=repair)
        device_onus: dict[tuple[int, int], str | None] = {}
        for port in pon_ports:
            for state in read_port(device, log, port):
                if state.serial is None:  # lists without serials (ZTE): ask the ONU's detail
                    detail = read_onu(device, log, port, state.onu_id)
                    state = detail if detail is not None else state
                device_onus[(port.id, state.onu_id)] = state.serial
            ports.used.pop(port.id, None)
            report.ports_read += 1
        _compare(session, olt_id, pon_ports, device_onus, report, repair)
        report.abandoned_jobs = _close_abandoned_jobs(session, olt_id, job_id)
    finish(url, job_id, JobStatus.SUCCEEDED, report=asdict(report))
    return JobStatus.SUCCEEDED


def _compare(session: Session, olt_id: int | None, pon_ports: list[PonPort],
             device_onus: dict[tuple[int, int], str | None], report: ReconcileReport, repair: bool) -> None:
    fsp = {p.id: p.fsp for p in pon_ports}
    rows = list(session.execute(select(Onu).where(Onu.olt_id == olt_id).with_for_update()).scalars())
    by_position = {(o.pon_port_id, o.onu_index): o for o in rows if o.onu_index is not None}
    for onu in rows:
        where = f"{fsp.get(onu.pon_port_id, '?') if onu.pon_port_id is not None else '?'}:{onu.onu_index}"
        position = (onu.pon_port_id, onu.onu_index)
        on_device = device_onus.get(position, "<absent>") if None not in position else "<absent>"  # type: ignore[arg-type]
        if onu.lifecycle_state in IN_FLIGHT:
            _settle(onu, on_device == onu.serial, report, repair)
        elif onu.lifecycle_state in PROVISIONED and on_device == "<absent>":
            report.only_in_db.append(f"{where} {onu.serial}")
            if repair:
                _mark_missing(onu)
        elif onu.lifecycle_state in PROVISIONED and on_device != onu.serial:
            report.serial_mismatch.append(f"{where} database {onu.serial}, OLT {on_device}")
            if repair:
                _mark_missing(onu)
        elif onu.lifecycle_state in PROVISIONED:
            report.in_agreement += 1
    for (port_id, onu_index), serial in sorted(device_onus.items()):
        known = by_position.get((port_id, onu_index))
        if known is not None and known.serial == serial and known.lifecycle_state in PROVISIONED + IN_FLIGHT:
            continue
        report.only_on_olt.append(f"{fsp[port_id]}:{onu_index} {serial}")
        if repair and serial:
            _import(session, olt_id, port_id, onu_index, serial)


def _settle(onu: Onu, present: bool, report: ReconcileReport, repair: bool) -> None:
    report.settled_in_flight.append(f"{onu.serial} ({onu.lifecycle_state.value} -> "
                                    f"{'active' if present else 'failed'})")
    if repair:
        if present:
            onu.lifecycle_state, onu.failure_reason = OnuLifecycle.ACTIVE, None
        else:
            _mark_missing(onu)


def _mark_missing(onu: Onu) -> None:
    onu.lifecycle_state, onu.onu_index = OnuLifecycle.FAILED, None
    onu.failure_reason = "not configured on the OLT (found by reconcile); authorize again"


def _import(session: Session, olt_id: int | None, port_id: int, onu_index: int, serial: str) -> None:
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


def _close_abandoned_jobs(session: Session, olt_id: int | None, reconcile_job_id: int) -> list[int]:
    """Jobs of this OLT still marked running cannot be running: this job holds the
    OLT's queue lock. Their worker died mid-job; the comparison above has settled
    their ONUs, so close them with that explanation."""
    abandoned = list(
        session.execute(
            select(Job).where(Job.olt_id == olt_id, Job.status == JobStatus.RUNNING, Job.id != reconcile_job_id)
        ).scalars()
    )
    for job in abandoned:
        job.status, job.finished_at = JobStatus.NEEDS_RECONCILE, now()
        job.error = f"worker stopped during the job; ONU state settled by reconcile job {reconcile_job_id}"
    return [job.id for job in abandoned]
