"""OLT-wide jobs: connection test, discovery (autofind) and reconcile. Like ONU
actions they run only in the worker, under the OLT's lock, with every exchange
stored; the connection test and discovery refuse a device that does not look
like the vendor family on its row."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from sqlalchemy import select

from core.db import session_scope
from oms.device import DeviceSession, OltRun, joined, read_identity
from oms.discovery import apply_autofind
from oms.errors import OmsError
from oms.jobs import Claim, JobLog
from oms.lifecycle import Handler, JobOutcome
from oms.models import Job, JobKind, JobStatus, Olt
from oms.reconcile import reconcile


def _olt(url: str, job_id: int) -> tuple[Olt, Job]:
    with session_scope(url) as session:
        job = session.get_one(Job, job_id)
        olt = session.get_one(Olt, job.olt_id)
        session.expunge_all()
        return olt, job


def test_connection(url: str, device: DeviceSession, claimed: Claim, log: JobLog, run: OltRun,
                    job_id: int) -> JobOutcome:
    olt, _ = _olt(url, job_id)
    started = time.perf_counter()
    version = read_identity(device, log, run, olt.family.value)
    log.finish(JobStatus.SUCCEEDED, ok=True, version=asdict(version),
               elapsed_s=round(time.perf_counter() - started, 3))
    return JobOutcome(JobStatus.SUCCEEDED)


def discover(url: str, device: DeviceSession, claimed: Claim, log: JobLog, run: OltRun, job_id: int) -> JobOutcome:
    """Read the OLT's autofind list into the database; pre-provisioned ONUs it shows are
    queued for authorization (after this job: they wait for the OLT's lock)."""
    from oms.services import enqueue, request_onu_action

    olt, _ = _olt(url, job_id)
    read_identity(device, log, run, olt.family.value)
    commands = device.driver.cmd_autofind()
    with log.step("autofind", commands) as step:
        step.output = joined(device.send(commands))
    found = device.driver.parse_autofind(step.output)
    jobs: list[Job] = []
    with session_scope(url) as session:
        report = apply_autofind(session, olt.id, found)
        for onu_id in report.ready_to_authorize:
            try:
                with session.begin_nested():
                    jobs.append(request_onu_action(session, onu_id, JobKind.AUTHORIZE, "discovery"))
            except OmsError:
                continue  # it already has an open job
        session.flush()
        result: dict[str, Any] = {**asdict(report), "authorization_jobs": [j.id for j in jobs]}
        log.finish_in(session, JobStatus.SUCCEEDED, report=result)
    if jobs:
        enqueue(url, jobs)
    return JobOutcome(JobStatus.SUCCEEDED)


def reconcile_job(url: str, device: DeviceSession, claimed: Claim, log: JobLog, run: OltRun,
                  job_id: int) -> JobOutcome:
    olt, job = _olt(url, job_id)
    read_identity(device, log, run, olt.family.value)  # reachable, and the family its row says
    repair = bool(job.params.get("repair"))
    if repair:
        _settle_abandoned(url, device, run, olt.id, job_id)
    report = reconcile(url, device, log, run, olt.id, repair)
    if report.ports_read == 0:
        log.finish(JobStatus.FAILED, f"OLT {olt.name} has no known PON port: run a discovery first",
                   report=asdict(report))
        return JobOutcome(JobStatus.FAILED)
    log.finish(JobStatus.SUCCEEDED, report=asdict(report))
    return JobOutcome(JobStatus.SUCCEEDED)


def _settle_abandoned(url: str, device: DeviceSession, run: OltRun, olt_id: int, reconcile_job_id: int) -> None:
    """Jobs of this OLT still marked running cannot be running (this job holds the OLT's
    lock): their worker died. Settle them the way a retried job would be."""
    from oms.jobs import claim
    from oms.lifecycle import handler_for

    with session_scope(url) as session:
        abandoned = list(session.execute(
            select(Job.id).where(Job.olt_id == olt_id, Job.status == JobStatus.RUNNING,
                                 Job.id != reconcile_job_id).order_by(Job.id)
        ).scalars())
    for job_id in abandoned:
        claimed = claim(url, job_id)
        if claimed is not None and claimed.abandoned:
            handler_for(claimed.kind)(url, device, claimed, JobLog(url, job_id), run, job_id)


OLT_HANDLERS: dict[JobKind, Handler] = {
    JobKind.TEST_CONNECTION: test_connection,
    JobKind.DISCOVER: discover,
    JobKind.RECONCILE: reconcile_job,
}
