"""Jobs: what each device action did, step by step (commands, verbatim answers, timings)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import session_scope
from core.inputs import Count, Id
from oms.errors import NotFound
from oms.jobs import FINAL_STATES
from oms.models import Job, JobKind, JobStatus
from oms.schemas import JobOut, JobSummary

router = APIRouter(prefix="/jobs", tags=["jobs"])

#: the longest an API call waits for its job (the worker does the device work meanwhile)
MAX_WAIT_S = 60.0


@dataclass(frozen=True)
class FinishedJob:
    id: int
    status: JobStatus
    error: str | None
    result: dict[str, Any]


def _final(job_id: int) -> FinishedJob | None:
    with session_scope() as session:
        row = session.execute(select(Job.status, Job.error, Job.result).where(Job.id == job_id)).one()
    return FinishedJob(job_id, row.status, row.error, row.result) if row.status in FINAL_STATES else None


async def wait_for_job(job_id: int, wait_s: float) -> FinishedJob | None:
    """The job once final, or None after `wait_s`. Polls the job row: no thread is held
    while waiting, and the device work happens in the worker."""
    deadline = time.monotonic() + min(wait_s, MAX_WAIT_S)
    pause = 0.05
    while True:
        job = await run_in_threadpool(_final, job_id)
        if job is not None or time.monotonic() >= deadline:
            return job
        await asyncio.sleep(min(pause, max(deadline - time.monotonic(), 0.0)))
        pause = min(pause * 1.5, 0.5)


@router.get("", response_model=list[JobSummary])
def list_jobs(
    olt_id: Id | None = None,
    onu_id: Id | None = None,
    status: JobStatus | None = None,
    kind: JobKind | None = None,
    bulk_run_id: Id | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: Count = 0,
) -> list[JobSummary]:
    stmt = select(Job)
    for column, value in (
        (Job.olt_id, olt_id),
        (Job.onu_id, onu_id),
        (Job.status, status),
        (Job.kind, kind),
        (Job.bulk_run_id, bulk_run_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    stmt = stmt.order_by(Job.id.desc()).limit(limit).offset(offset)
    with session_scope() as session:
        return [JobSummary.model_validate(job) for job in session.execute(stmt).scalars()]


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: int) -> JobOut:
    with session_scope() as session:
        job = session.execute(
            select(Job).where(Job.id == job_id).options(selectinload(Job.steps))
        ).scalar_one_or_none()
        if job is None:
            raise NotFound(f"job {job_id} does not exist")
        return JobOut.model_validate(job)
