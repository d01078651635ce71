"""Nornir task: run queued jobs of one OLT over one CLI session, then save the OLT's
configuration once if the run changed it.

`job_ids` is a list (one OLT's jobs) or a mapping olt_id -> list, so one Nornir run
can work through a bulk run on many OLTs in parallel:

    nr.run(task=run_jobs, job_ids={1: [10, 11], 2: [12]}, database_url=url)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from nornir.core.task import Result, Task

from core.db import session_scope
from core.system_settings import get_setting
from oms.device import OltRun, push
from oms.jobs import JobLog
from oms.lifecycle import JobOutcome, run_job
from oms.models import JobStatus
from vendor_cli.base import CliCommandError
from vendor_cli.session import DeviceUnreachable, NornirDeviceSession


def run_jobs(task: Task, job_ids: Sequence[int] | Mapping[int, Sequence[int]], database_url: str) -> Result:
    olt_id = task.host.data["olt_id"]
    mine = list(job_ids.get(olt_id, ()) if isinstance(job_ids, Mapping) else job_ids)
    device = NornirDeviceSession(task)
    run = OltRun()
    active = bool(task.host.data.get("active", True))
    outcome: dict[int, JobOutcome | None] = {
        job_id: run_job(database_url, device, job_id, run, olt_active=active) for job_id in mine
    }
    if run.changed_by is not None:
        save_configuration(database_url, device, run.changed_by)
    failed = any(o is not None and o.status is not JobStatus.SUCCEEDED for o in outcome.values())
    summary = {job_id: (o.status.value if o else "skipped") for job_id, o in outcome.items()}
    return Result(host=task.host, result=summary, failed=failed)


def save_configuration(url: str, device: NornirDeviceSession, job_id: int) -> None:
    """Write the running configuration to flash once after a run that changed it (a step
    of the last job that did), unless System Settings switch it off for the family."""
    family = device.driver.family.value
    with session_scope(url) as session:
        enabled = (get_setting(session, "provisioning.save_config", {}) or {}).get(family, True)
    if not enabled:
        return
    log = JobLog(url, job_id)
    try:
        push(device, log, "save configuration", device.driver.cmd_save())
        saved = True
    except (CliCommandError, DeviceUnreachable):  # recorded as a failed step; the change itself stands
        saved = False
    log.record(configuration_saved=saved)
