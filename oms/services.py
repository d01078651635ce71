"""Requests for device work: validate, record the job (the outbox row), queue it.

Jobs are queued per OLT under the lock ``olt:<id>``, so one OLT never sees two
CLI sessions from us while different OLTs proceed in parallel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.queue import defer
from oms.errors import Conflict, NotFound, OmsError
from oms.jobs import now
from oms.models import BulkRun, Job, JobKind, JobStatus, Olt, Onu, OnuLifecycle

RUN_OLT_JOBS = "ponstack.run_olt_jobs"

ALLOWED_STATES: dict[JobKind, set[OnuLifecycle]] = {
    JobKind.AUTHORIZE: {OnuLifecycle.DISCOVERED, OnuLifecycle.FAILED, OnuLifecycle.PREPROVISIONED,
                        OnuLifecycle.REMOVED},
    JobKind.REMOVE: {OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED, OnuLifecycle.FAILED},
    JobKind.REBOOT: {OnuLifecycle.ACTIVE},
    JobKind.SUSPEND: {OnuLifecycle.ACTIVE},
    JobKind.RESUME: {OnuLifecycle.SUSPENDED},
    JobKind.RENAME: {OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED},
    JobKind.REPLACE: {OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED},
    JobKind.MOVE: {OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED},
}
TRANSIENT_STATE = {JobKind.AUTHORIZE: OnuLifecycle.AUTHORIZING, JobKind.REMOVE: OnuLifecycle.REMOVING}
OPEN_JOB_STATES = (JobStatus.QUEUED, JobStatus.RUNNING)


def lock_onu(session: Session, onu_id: int) -> Onu:
    onu = session.execute(select(Onu).where(Onu.id == onu_id).with_for_update()).scalar_one_or_none()
    if onu is None:
        raise NotFound(f"ONU {onu_id} does not exist")
    return onu


def onu_id_by_serial(session: Session, serial: str) -> int:
    onu_id = session.execute(select(Onu.id).where(Onu.serial == serial.upper())).scalar_one_or_none()
    if onu_id is None:
        raise NotFound(f"no ONU with serial {serial.upper()}")
    return onu_id


def check_actionable(session: Session, onu: Onu, kind: JobKind) -> None:
    open_job = session.execute(
        select(Job.id, Job.kind, Job.status).where(Job.onu_id == onu.id, Job.status.in_(OPEN_JOB_STATES))
    ).first()
    refusal = refusal_reason(onu, kind, open_job)
    if refusal is not None:
        raise Conflict(refusal)


def refusal_reason(onu: Onu, kind: JobKind, open_job: Any | None) -> str | None:
    """Why `kind` cannot run on `onu` now (None: it can). `open_job` is its unfinished job, if any."""
    if open_job is not None:
        return f"ONU {onu.serial} already has job {open_job.id} ({open_job.kind.value}, {open_job.status.value})"
    if onu.lifecycle_state not in ALLOWED_STATES[kind]:
        return f"cannot {kind.value} ONU {onu.serial}: it is {onu.lifecycle_state.value}"
    if onu.pon_port_id is None:
        return f"cannot {kind.value} ONU {onu.serial}: it has not been seen on any PON port yet"
    if kind is not JobKind.AUTHORIZE and kind is not JobKind.REMOVE and onu.onu_index is None:
        return f"cannot {kind.value} ONU {onu.serial}: it has no ONU id on the OLT"
    return None


def request_onu_action(
    session: Session, onu_id: int, kind: JobKind, requested_by: str,
    params: dict[str, Any] | None = None, bulk_run_id: int | None = None,
) -> Job:
    """Lock the ONU, check the action is allowed now, record the job. Caller commits, then `enqueue`."""
    onu = lock_onu(session, onu_id)
    check_actionable(session, onu, kind)
    if kind in TRANSIENT_STATE:
        onu.lifecycle_state = TRANSIENT_STATE[kind]
    job = Job(kind=kind, status=JobStatus.QUEUED, olt_id=onu.olt_id, onu_id=onu.id,
              params=params or {}, requested_by=requested_by, bulk_run_id=bulk_run_id)
    session.add(job)
    session.flush()
    return job


def enqueue(url: str, jobs: Iterable[Job]) -> None:
    """Queue jobs, one queue job per OLT (its share of a bulk run) under that OLT's lock."""
    by_olt: dict[int, list[int]] = defaultdict(list)
    for job in jobs:
        assert job.olt_id is not None
        by_olt[job.olt_id].append(job.id)
    for olt_id, job_ids in by_olt.items():
        try:
            queue_id = defer(url, RUN_OLT_JOBS, lock=f"olt:{olt_id}", olt_id=olt_id, job_ids=job_ids)
        except Exception as exc:
            fail_unqueued(url, job_ids, f"could not queue the job: {exc}")
            raise OmsError(f"could not queue jobs {job_ids}: {exc}") from exc
        _set_queue_id(url, job_ids, queue_id)


def _set_queue_id(url: str, job_ids: list[int], queue_id: int) -> None:
    with session_scope(url) as session:
        for job in session.execute(select(Job).where(Job.id.in_(job_ids))).scalars():
            job.queue_job_id = queue_id


def fail_unqueued(url: str, job_ids: list[int], reason: str) -> None:
    """Close jobs that never reached a device and give their ONUs a retryable state."""
    with session_scope(url) as session:
        for job in session.execute(select(Job).where(Job.id.in_(job_ids))).scalars():
            if job.status is not JobStatus.QUEUED:
                continue
            job.status, job.error, job.finished_at = JobStatus.FAILED, reason, now()
            onu = session.get(Onu, job.onu_id) if job.onu_id else None
            if onu is not None and onu.lifecycle_state in TRANSIENT_STATE.values():
                onu.lifecycle_state, onu.failure_reason = OnuLifecycle.FAILED, reason


def request_and_enqueue(url: str, onu_id: int, kind: JobKind, requested_by: str,
                        params: dict[str, Any] | None = None) -> int:
    with session_scope(url) as session:
        job = request_onu_action(session, onu_id, kind, requested_by, params)
    enqueue(url, [job])
    return job.id


def request_bulk(url: str, onu_ids: list[int], kind: JobKind, requested_by: str) -> tuple[int, list[str]]:
    """One bulk-run record and one job per ONU; ONUs that cannot run now are reported, not fatal.
    A fixed number of statements whatever the number of ONUs."""
    refused: list[str] = []
    with session_scope(url) as session:
        run = BulkRun(kind=kind, status=JobStatus.RUNNING, requested_by=requested_by,
                      params={"onu_ids": onu_ids}, total=0)
        session.add(run)
        session.flush()
        onus = {o.id: o for o in session.execute(
            select(Onu).where(Onu.id.in_(onu_ids)).order_by(Onu.id).with_for_update()).scalars()}
        open_jobs = {row.onu_id: row for row in session.execute(
            select(Job.onu_id, Job.id, Job.kind, Job.status)
            .where(Job.onu_id.in_(onu_ids), Job.status.in_(OPEN_JOB_STATES))
        )}
        jobs: list[Job] = []
        for onu_id in onu_ids:
            onu = onus.get(onu_id)
            reason = f"ONU {onu_id} does not exist" if onu is None else refusal_reason(onu, kind, open_jobs.get(onu_id))
            if reason is not None or onu is None:
                refused.append(reason or "")
                continue
            if kind in TRANSIENT_STATE:
                onu.lifecycle_state = TRANSIENT_STATE[kind]
            jobs.append(Job(kind=kind, status=JobStatus.QUEUED, olt_id=onu.olt_id, onu_id=onu.id, params={},
                            requested_by=requested_by, bulk_run_id=run.id))
        session.add_all(jobs)
        run.total = len(jobs)
        run_id = run.id
    enqueue(url, jobs)
    return run_id, refused


def request_olt_job(url: str, olt_id: int, kind: JobKind, requested_by: str, params: dict[str, Any]) -> int:
    """An OLT-wide job (reconcile), queued under the same per-OLT lock as ONU jobs."""
    with session_scope(url) as session:
        if session.get(Olt, olt_id) is None:
            raise NotFound(f"OLT {olt_id} does not exist")
        job = Job(kind=kind, status=JobStatus.QUEUED, olt_id=olt_id, params=params, requested_by=requested_by)
        session.add(job)
    enqueue(url, [job])
    return job.id
