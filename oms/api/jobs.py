"""Jobs: what each device action did, step by step (commands, verbatim answers, timings)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import session_scope
from oms.errors import NotFound
from oms.models import Job, JobKind, JobStatus
from oms.schemas import JobOut, JobSummary, http_errors

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("", response_model=list[JobSummary])
def list_jobs(
    olt_id: int | None = None,
    onu_id: int | None = None,
    status: JobStatus | None = None,
    kind: JobKind | None = None,
    bulk_run_id: int | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
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
    with http_errors(), session_scope() as session:
        job = session.execute(
            select(Job).where(Job.id == job_id).options(selectinload(Job.steps))
        ).scalar_one_or_none()
        if job is None:
            raise NotFound(f"job {job_id} does not exist")
        return JobOut.model_validate(job)
