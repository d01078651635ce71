"""Queue tasks executed by `ponstack worker` (procrastinate, on the shared database).

Each task builds a fresh Nornir for the OLTs it touches; device work on one
OLT is serialised by the queue lock ``olt:<id>`` given when the job is deferred.
"""

from __future__ import annotations

import logging

from core.db import current_database_url, session_scope
from core.queue import base_app
from oms.jobs import close_finished_bulk_runs
from oms.models import JobKind
from oms.services import RUN_OLT_JOBS, enqueue, fail_unqueued, request_onu_action
from tasks.discovery import discover
from tasks.nornir_factory import build_nornir, register_connection_plugins
from tasks.onu_jobs import run_onu_jobs

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

DISCOVER_OLT = "ponstack.discover_olt"


@base_app.task(name=RUN_OLT_JOBS, pass_context=False)
def run_olt_jobs(olt_id: int, job_ids: list[int]) -> None:
    url = current_database_url()
    try:
        nr = build_nornir(url, num_workers=1, olt_ids=[olt_id])
        if not nr.inventory.hosts:
            fail_unqueued(url, job_ids, f"OLT {olt_id} is inactive or was deleted")
            return
        with nr:
            result = nr.run(task=run_onu_jobs, job_ids=job_ids, database_url=url)
        crashed = [r.exception for r in result.values() if r.exception is not None]
        if crashed:
            raise crashed[0]
    except Exception as exc:
        # Whatever broke, no job of this batch may stay queued (an ONU "pending" forever).
        fail_unqueued(url, job_ids, f"worker error before the job ran: {exc!r}")
        raise
    finally:
        close_finished_bulk_runs(url, job_ids)


@base_app.task(name=DISCOVER_OLT, pass_context=False)
def discover_olt(olt_id: int) -> dict[str, object]:
    url = current_database_url()
    nr = build_nornir(url, num_workers=1, olt_ids=[olt_id])
    with nr:
        results = nr.run(task=discover, database_url=url)
    report = dict(next(iter(results.values()))[0].result or {})
    _authorize_preprovisioned(url, report.get("ready_to_authorize", []))
    return report


def _authorize_preprovisioned(url: str, onu_ids: list[int]) -> None:
    """Pre-provisioned ONUs found by discovery are authorized with their stored settings."""
    jobs = []
    with session_scope(url) as session:
        for onu_id in onu_ids:
            jobs.append(request_onu_action(session, onu_id, JobKind.AUTHORIZE, "discovery"))
    if jobs:
        enqueue(url, jobs)
