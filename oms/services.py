"""Requests for device work: validate, record the job (the outbox row), queue it.

Jobs are queued per OLT under the lock ``olt:<id>``, so one OLT never sees two
CLI sessions from us while different OLTs proceed in parallel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, joinedload

from core.db import session_scope
from core.queue import defer
from oms.errors import Conflict, NotFound, OmsError
from oms.jobs import close_if_done, now
from oms.models import BulkRun, Job, JobKind, JobStatus, Olt, Onu, OnuLifecycle, PonPort
from oms.provisioning_context import build_context

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
    # an ONU configured again comes back enabled: a suspended one would lose its suspension
    JobKind.REPROFILE: {OnuLifecycle.ACTIVE},
}
#: the state an ONU is in while its job is queued or running (never after the job ended)
TRANSIENT_STATE = {JobKind.AUTHORIZE: OnuLifecycle.AUTHORIZING, JobKind.REMOVE: OnuLifecycle.REMOVING}
OPEN_JOB_STATES = (JobStatus.QUEUED, JobStatus.RUNNING)
OLT_JOBS = (JobKind.TEST_CONNECTION, JobKind.DISCOVER, JobKind.RECONCILE)


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
    job = _onu_job(onu, kind, requested_by, params, bulk_run_id)
    session.add(job)
    session.flush()
    return job


def _onu_job(onu: Onu, kind: JobKind, requested_by: str, params: dict[str, Any] | None,
             bulk_run_id: int | None = None) -> Job:
    """The job row; the ONU enters the kind's transient state, and the job remembers the
    state to go back to if it fails."""
    params = {**(params or {}), "previous_state": onu.lifecycle_state.value}
    if kind in TRANSIENT_STATE:
        onu.lifecycle_state = TRANSIENT_STATE[kind]
        onu.failure_reason = None
    return Job(kind=kind, status=JobStatus.QUEUED, olt_id=onu.olt_id, onu_id=onu.id, params=params,
               requested_by=requested_by, bulk_run_id=bulk_run_id)


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
    """Close jobs that never reached a device; their ONUs go back to where they were."""
    with session_scope(url) as session:
        for job in session.execute(select(Job).where(Job.id.in_(job_ids)).with_for_update()).scalars():
            if job.status is not JobStatus.QUEUED:
                continue
            job.status, job.error, job.finished_at = JobStatus.FAILED, reason, now()
            onu = session.get(Onu, job.onu_id, with_for_update=True) if job.onu_id else None
            if onu is not None:
                restore_onu(onu, job, reason)
        for run_id in {j.bulk_run_id for j in session.execute(select(Job).where(Job.id.in_(job_ids))).scalars()}:
            if run_id is not None:
                close_if_done(session, run_id)


def restore_onu(onu: Onu, job: Job, reason: str) -> None:
    """A job that failed without changing the OLT: its ONU back in the state it came from."""
    previous = job.params.get("previous_state")
    if onu.lifecycle_state in TRANSIENT_STATE.values():
        onu.lifecycle_state = OnuLifecycle(previous) if previous else OnuLifecycle.FAILED
    onu.failure_reason = reason


def request_and_enqueue(url: str, onu_id: int, kind: JobKind, requested_by: str,
                        params: dict[str, Any] | None = None) -> int:
    with session_scope(url) as session:
        job = request_onu_action(session, onu_id, kind, requested_by, params)
    enqueue(url, [job])
    return job.id


def request_bulk(url: str, onu_ids: list[int], kind: JobKind, requested_by: str,
                 check: Callable[[list[Onu]], None] | None = None) -> tuple[int, list[str]]:
    """One bulk-run record and one job per ONU; ONUs that cannot run now, or whose plan
    already fails (no plan, no type mapping, a profile missing on the OLT), are reported,
    not queued. Reference data is read once per OLT, whatever the number of ONUs.
    `check` sees the ONUs once they are locked and may raise to refuse the whole run
    (nothing is then recorded or queued): the bulk API's preview-token check."""
    refused: list[str] = []
    cache: dict[Any, Any] = {}
    with session_scope(url) as session:
        run = BulkRun(kind=kind, status=JobStatus.RUNNING, requested_by=requested_by,
                      params={"onu_ids": onu_ids}, total=0)
        session.add(run)
        session.flush()
        onus = {o.id: o for o in session.execute(
            select(Onu).where(Onu.id.in_(onu_ids)).order_by(Onu.id)
            .options(joinedload(Onu.pon_port).joinedload(PonPort.olt), joinedload(Onu.onu_type))
            .with_for_update(of=Onu)).unique().scalars()}
        if check is not None:
            check(list(onus.values()))
        open_jobs = {row.onu_id: row for row in session.execute(
            select(Job.onu_id, Job.id, Job.kind, Job.status)
            .where(Job.onu_id.in_(onu_ids), Job.status.in_(OPEN_JOB_STATES))
        )}
        jobs: list[Job] = []
        for onu_id in onu_ids:
            onu = onus.get(onu_id)
            reason = f"ONU {onu_id} does not exist" if onu is None else (
                refusal_reason(onu, kind, open_jobs.get(onu_id)) or preflight(session, onu, kind, cache))
            if reason is not None or onu is None:
                refused.append(reason or "")
                continue
            jobs.append(_onu_job(onu, kind, requested_by, {}, run.id))
        session.add_all(jobs)
        run.total = len(jobs)
        run_id = run.id
        if not jobs:
            close_if_done(session, run_id)
    enqueue(url, jobs)
    return run_id, refused


def preflight(session: Session, onu: Onu, kind: JobKind, cache: dict[Any, Any] | None = None) -> str | None:
    """Why the job would fail before reaching the device (what its dry run reports), or None."""
    if kind not in (JobKind.AUTHORIZE, JobKind.MOVE):
        return None  # the other actions need nothing that authorization did not already check
    try:
        build_context(session, onu, kind.value, cache=cache)
    except OmsError as exc:
        return f"{onu.serial}: {exc}"
    return None


def request_olt_job(url: str, olt_id: int, kind: JobKind, requested_by: str,
                    params: dict[str, Any] | None = None) -> int:
    """An OLT-wide job (connection test, discovery, reconcile), queued under the same
    per-OLT lock as ONU jobs: one CLI session per OLT at a time, whoever asks."""
    assert kind in OLT_JOBS, kind
    with session_scope(url) as session:
        olt = session.get(Olt, olt_id)
        if olt is None:
            raise NotFound(f"OLT {olt_id} does not exist")
        if not olt.is_active and kind is not JobKind.TEST_CONNECTION:
            raise Conflict(f"OLT {olt.name} is inactive: activate it before a {kind.value.replace('_', ' ')}")
        job = Job(kind=kind, status=JobStatus.QUEUED, olt_id=olt_id, params=params or {},
                  requested_by=requested_by)
        session.add(job)
    enqueue(url, [job])
    return job.id


def job_status(url: str, job_id: int) -> JobStatus:
    with session_scope(url) as session:
        status = session.execute(select(Job.status).where(Job.id == job_id)).scalar_one_or_none()
    if status is None:
        raise NotFound(f"job {job_id} does not exist")
    return status


#: device jobs whose queue job ended (or never existed) although they are not final
_ORPHANS = text("""
    SELECT j.id FROM jobs j
    LEFT JOIN procrastinate_jobs q ON q.id = j.queue_job_id
    WHERE j.status IN ('queued', 'running')
      AND (q.id IS NULL OR q.status NOT IN ('todo', 'doing'))
      AND (j.queue_job_id IS NOT NULL OR j.created_at < now() - interval '5 minutes')
    ORDER BY j.id
""")


def requeue_orphans(url: str) -> list[int]:
    """Queue again the device jobs whose queue job ended without finishing them (its worker
    crashed while the database was away, say): the new queue job runs the queued ones and
    settles the running ones, under their OLT's lock."""
    with session_scope(url) as session:
        ids = list(session.execute(_ORPHANS).scalars())
        jobs = list(session.execute(select(Job).where(Job.id.in_(ids), Job.olt_id.is_not(None))).scalars())
        session.expunge_all()
    if jobs:
        enqueue(url, jobs)
    return [job.id for job in jobs]
