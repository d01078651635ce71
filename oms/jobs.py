"""Job records: each device action's steps (commands, verbatim answers, timings)
are written as they happen, in their own short transactions, so progress is
visible while a job runs and survives a crashed worker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Update, func, insert, select, update

from core.db import get_engine, session_scope
from oms.models import BulkRun, Job, JobKind, JobStatus, JobStep, StepStatus

FINAL_STATES = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.COMPENSATED, JobStatus.NEEDS_RECONCILE,
                JobStatus.CANCELLED}


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class StepRecord:
    name: str
    commands: list[str] = field(default_factory=list)
    output: str = ""
    status: StepStatus = StepStatus.OK
    error: str | None = None


class JobLog:
    """Appends steps to one job."""

    def __init__(self, url: str, job_id: int, first_attempt: bool = False) -> None:
        self.url = url
        self.job_id = job_id
        self._seq = 0
        if not first_attempt:  # a retried job keeps the steps of its earlier attempts
            with session_scope(url) as session:
                self._seq = session.execute(
                    select(func.coalesce(func.max(JobStep.seq), 0)).where(JobStep.job_id == job_id)
                ).scalar_one()

    @contextmanager
    def step(self, name: str, commands: list[str] | None = None) -> Iterator[StepRecord]:
        """Time a step and store it whatever happens; an exception marks it failed and propagates."""
        record = StepRecord(name, list(commands or []))
        started_at, started = now(), time.perf_counter()
        try:
            yield record
        except Exception as exc:
            record.status, record.error = StepStatus.FAILED, record.error or str(exc)
            raise
        finally:
            self._store(record, started_at, (time.perf_counter() - started) * 1000)

    def note(self, name: str, output: str = "", status: StepStatus = StepStatus.OK, error: str | None = None) -> None:
        self._store(StepRecord(name, [], output, status, error), now(), 0.0)

    def _store(self, record: StepRecord, started_at: datetime, duration_ms: float) -> None:
        self._seq += 1
        with get_engine(self.url).begin() as conn:  # Core: a step is one short statement on the hot path
            conn.execute(
                insert(JobStep).values(
                    job_id=self.job_id, seq=self._seq, name=record.name, status=record.status,
                    commands=record.commands, output=record.output, error=record.error,
                    started_at=started_at, duration_ms=round(duration_ms, 3),
                )
            )


def mark_running(url: str, job_id: int) -> tuple[JobKind, int] | None:
    """Claim a queued job: its kind and attempt number, or None when it is no longer
    queued (cancelled or done)."""
    with get_engine(url).begin() as conn:
        claimed = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, started_at=now(), attempts=Job.attempts + 1)
            .returning(Job.kind, Job.attempts)
        ).first()
    return (claimed.kind, claimed.attempts) if claimed else None


def finish(url: str, job_id: int, status: JobStatus, error: str | None = None, **result: Any) -> None:
    with get_engine(url).begin() as conn:
        conn.execute(finish_statement(job_id, status, error, **result))


def finish_statement(job_id: int, status: JobStatus, error: str | None = None, **result: Any) -> Update:
    """The UPDATE that closes a job; run it inside the transaction that commits the
    job's database change, so that both land together."""
    return (
        update(Job)
        .where(Job.id == job_id)
        .values(status=status, error=error, finished_at=now(), result=Job.result.op("||")(result))
    )


def close_finished_bulk_runs(url: str, job_ids: list[int]) -> None:
    """Mark the bulk runs of these jobs finished once every job in them is final."""
    with session_scope(url) as session:
        run_ids = set(
            session.execute(select(Job.bulk_run_id).where(Job.id.in_(job_ids), Job.bulk_run_id.is_not(None)))
            .scalars()
        )
        for run_id in run_ids:
            statuses = set(session.execute(select(Job.status).where(Job.bulk_run_id == run_id)).scalars())
            if statuses and statuses <= FINAL_STATES:
                run = session.get_one(BulkRun, run_id)
                run.status = JobStatus.SUCCEEDED if statuses == {JobStatus.SUCCEEDED} else JobStatus.FAILED
                run.finished_at = now()
