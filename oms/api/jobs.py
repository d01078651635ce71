"""Jobs: what each device action did, step by step (commands, verbatim answers, timings)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.access import Permission, Principal, require
from core.db import session_scope
from core.paging import Page, page_of
from oms.errors import NotFound
from oms.jobs import FINAL_STATES
from oms.models import Job, JobStatus
from oms.schemas import JobFilter, JobOut, JobSummary
from oms.scope import check_visible, visible_only

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


@router.get("", response_model=Page[JobSummary])
def list_jobs(
    query: Annotated[JobFilter, Query()], who: Principal = require(Permission.NETWORK_READ)
) -> Page[JobSummary]:
    stmt = visible_only(select(Job), who, Job.olt_id)
    for column, value in (
        (Job.olt_id, query.olt_id),
        (Job.onu_id, query.onu_id),
        (Job.status, query.status),
        (Job.kind, query.kind),
        (Job.bulk_run_id, query.bulk_run_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    with session_scope() as session:
        return page_of(session, stmt, query, JobSummary.model_validate, order_by=[Job.id.desc()])


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: int, who: Principal = require(Permission.NETWORK_READ)) -> JobOut:
    with session_scope() as session:
        job = session.execute(
            select(Job).where(Job.id == job_id).options(selectinload(Job.steps))
        ).scalar_one_or_none()
        if job is None:
            raise NotFound(f"job {job_id} does not exist")
        check_visible(who, job.olt_id, "job", job_id)
        return JobOut.model_validate(job)
