"""Nornir task: run queued ONU jobs of one OLT over one CLI session."""

from __future__ import annotations

from nornir.core.task import Result, Task

from oms.lifecycle import PortView, run_job
from oms.models import JobStatus
from tasks.device import NornirDeviceSession


def run_onu_jobs(task: Task, job_ids: list[int], database_url: str) -> Result:
    device = NornirDeviceSession(task)
    ports = PortView()
    outcome = {job_id: run_job(database_url, device, job_id, ports) for job_id in job_ids}
    failed = any(status not in (None, JobStatus.SUCCEEDED) for status in outcome.values())
    summary = {job_id: (status.value if status else "skipped") for job_id, status in outcome.items()}
    return Result(host=task.host, result=summary, failed=failed)
