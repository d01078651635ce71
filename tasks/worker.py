"""Queue tasks executed by `ponstack worker` (procrastinate, on the shared database).

Each task builds a fresh Nornir for the OLT it touches; device work on one OLT is
serialised by the queue lock ``olt:<id>`` given when the job is deferred. A queue
job whose worker died is put back in the queue by the worker's stalled-job watch
(ponstack.worker) and runs again here: its device jobs, still `running`, are then
settled (see oms.lifecycle).
"""

from __future__ import annotations

import logging

from core.db import current_database_url
from core.queue import base_app
from oms.jobs import close_finished_bulk_runs
from oms.services import RUN_OLT_JOBS, fail_unqueued
from tasks.jobs import run_jobs
from tasks.nornir_factory import build_nornir, register_connection_plugins

log = logging.getLogger("ponstack.worker")


def _prewarm() -> None:
    """Import what the first device job would otherwise import (drivers, scrapli
    platforms, connection plugins), so that it starts as fast as the others."""
    import scrapli_community.huawei.smartax.huawei_smartax  # noqa: F401

    from core.models import VendorFamily
    from vendor_cli.registry import get_driver

    for family in VendorFamily:
        get_driver(family)
    register_connection_plugins()


_prewarm()


@base_app.task(name=RUN_OLT_JOBS, pass_context=False)
def run_olt_jobs(olt_id: int, job_ids: list[int]) -> None:
    url = current_database_url()
    try:
        nr = build_nornir(url, num_workers=1, olt_ids=[olt_id], include_inactive=True)
        if not nr.inventory.hosts:
            fail_unqueued(url, job_ids, f"OLT {olt_id} was deleted")
            return
        with nr:
            result = nr.run(task=run_jobs, job_ids=job_ids, database_url=url)
        crashed = [r.exception for r in result.values() if r.exception is not None]
        if crashed:
            raise crashed[0]
    except Exception as exc:
        # Whatever broke, no job of this batch may stay queued (an ONU "pending" forever).
        fail_unqueued(url, job_ids, f"worker error before the job ran: {exc!r}")
        raise
    finally:
        close_finished_bulk_runs(url, job_ids)
