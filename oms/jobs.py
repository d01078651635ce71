"""Job records: each device action's steps (commands, verbatim answers, timings)
are written as they happen, in their own short transactions, so progress is
visible while a job runs and survives a crashed worker. Everything written for a
job goes through its JobLog, which redacts the job's secrets first."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from core.db import get_engine, session_scope
from oms.models import BulkRun, Job, JobKind, JobStatus, JobStep, StepStatus
from oms.redaction import Redactor

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
    """Appends steps to one job and closes it; secrets added with `redact` never reach
    the database in clear text (steps, result, error)."""

    def __init__(self, url: str, job_id: int, first_attempt: bool = False) -> None:
        self.url = url
        self.job_id = job_id
        self.redactor = Redactor()
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

    def redact(self, secrets: Any) -> None:
        self.redactor.add(secrets)

    def finish(self, status: JobStatus, error: str | None = None, **result: Any) -> None:
        with get_engine(self.url).begin() as conn:
            self.finish_in(conn, status, error, **result)

    def finish_in(self, executor: Connection | Session, status: JobStatus, error: str | None = None,
                  **result: Any) -> None:
        """Close the job inside `executor`'s transaction: the one that commits the job's
        database change, so that both land together."""
        executor.execute(_FINISH, {"job_id_": self.job_id, "status_": status.value, "finished_": now(),
                                   "error_": self.redactor.value(error), "result_": self.redactor.value(result)})

    def record(self, **result: Any) -> None:
        """Merge keys into the job's result now (e.g. the ONU id chosen, before the push)."""
        with get_engine(self.url).begin() as conn:
            conn.execute(_RECORD, {"job_id_": self.job_id, "result_": self.redactor.value(result)})

    def _store(self, record: StepRecord, started_at: datetime, duration_ms: float) -> None:
        self._seq += 1
        redact = self.redactor
        with get_engine(self.url).begin() as conn:  # Core: a step is one short statement on the hot path
            conn.execute(_INSERT_STEP, {
                "job_id": self.job_id, "seq": self._seq, "name": record.name, "status": record.status.value,
                "commands": redact.lines(record.commands), "output": redact.text(record.output),
                "error": redact.text(record.error) if record.error else None,
                "started_at": started_at, "duration_ms": round(duration_ms, 3),
            })


@dataclass(frozen=True)
class Claim:
    kind: JobKind
    attempt: int
    abandoned: bool  # it was `running` already: the worker that ran it died (we hold the OLT's lock)
    params: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)


_CLAIM = text("""
    WITH previous AS (SELECT id, status FROM jobs WHERE id = :job_id AND status IN ('queued', 'running') FOR UPDATE)
    UPDATE jobs SET status = 'running', started_at = :now, attempts = jobs.attempts + 1
    FROM previous WHERE jobs.id = previous.id
    RETURNING jobs.kind, jobs.attempts, previous.status AS previous_status, jobs.params, jobs.result
""")


def claim(url: str, job_id: int) -> Claim | None:
    """Claim a job to run: a queued one, or one left running by a worker that died (the
    caller holds the OLT's lock, so nothing else can be running it). None when it is final.
    One statement: it runs once per job on the hot path."""
    with get_engine(url).begin() as conn:
        row = conn.execute(_CLAIM, {"job_id": job_id, "now": now()}).first()
    if row is None:
        return None
    return Claim(JobKind(row.kind), row.attempts, row.previous_status == JobStatus.RUNNING.value,
                 row.params or {}, row.result or {})


# Statements run for every job, built once (their SQL is compiled and cached once).
_INSERT_STEP = insert(JobStep)
_RESULT_PATCH = bindparam("result_", type_=JSONB)
_FINISH = (
    update(Job)
    .where(Job.id == bindparam("job_id_"))
    .values(status=bindparam("status_"), error=bindparam("error_"), finished_at=bindparam("finished_"),
            result=Job.result.op("||")(_RESULT_PATCH))
    .execution_options(synchronize_session=False)  # run inside ORM sessions: no Job objects to update
)
_RECORD = update(Job).where(Job.id == bindparam("job_id_")).values(result=Job.result.op("||")(_RESULT_PATCH))


def close_finished_bulk_runs(url: str, job_ids: list[int]) -> None:
    """Mark the bulk runs of these jobs finished once every job in them is final."""
    with session_scope(url) as session:
        run_ids = session.execute(
            select(Job.bulk_run_id).where(Job.id.in_(job_ids), Job.bulk_run_id.is_not(None)).distinct()
        ).scalars()
        for run_id in sorted(r for r in run_ids if r is not None):
            close_if_done(session, run_id)


def close_if_done(session: Session, run_id: int) -> None:
    """Close a bulk run whose jobs are all final (a run with no job at all is done at once).
    The run's row is locked first: runs split over several OLTs finish in several workers,
    and the last one to finish must see every other's outcome."""
    run = session.execute(select(BulkRun).where(BulkRun.id == run_id).with_for_update()).scalar_one()
    if run.finished_at is not None:
        return
    statuses = set(session.execute(select(Job.status).where(Job.bulk_run_id == run_id)).scalars())
    if statuses <= FINAL_STATES:
        run.status = JobStatus.SUCCEEDED if statuses <= {JobStatus.SUCCEEDED} else JobStatus.FAILED
        run.finished_at = now()
