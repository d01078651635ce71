"""Queue tasks for SNMP monitoring, run by `ponstack worker`.

- ``ponstack.schedule_polls`` (every minute): queue the status/optical polls that are due.
- ``ponstack.snmp_poll_olt``: poll one OLT (or some of its ONUs) through the Nornir task.
- ``ponstack.prune_history`` (daily): drop ONU samples older than the retention setting.
- ``ponstack.schedule_discoveries`` (every minute): queue the OLT discoveries (autofind) that are
  due (oms.discovery_schedule).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from core.db import current_database_url, session_scope
from core.queue import base_app
from oms.discovery_schedule import schedule_due_discoveries
from oms.models import Olt, PollStatus
from oms.monitoring.scheduling import (
    PRUNE_HISTORY,
    SCHEDULE_POLLS,
    SNMP_POLL_OLT,
    mark_polled,
    retention_days,
    schedule_due_polls,
)
from oms.monitoring.store import prune_history as delete_old_samples
from tasks.nornir_factory import build_nornir
from tasks.snmp import snmp_poll

log = logging.getLogger("ponstack.monitoring")


@base_app.periodic(cron="* * * * *", queueing_lock=SCHEDULE_POLLS)
@base_app.task(name=SCHEDULE_POLLS, pass_context=False)
def schedule_polls(timestamp: int) -> dict[str, int]:
    deferred = schedule_due_polls(current_database_url(), datetime.now(UTC))
    queued = sum(1 for _, job_id in deferred if job_id is not None)
    if deferred:
        log.info("SNMP polls due: %d, queued: %d (the rest were already waiting)", len(deferred), queued)
    return {"due": len(deferred), "queued": queued}


SCHEDULE_DISCOVERIES = "ponstack.schedule_discoveries"


@base_app.periodic(cron="* * * * *", queueing_lock=SCHEDULE_DISCOVERIES)
@base_app.task(name=SCHEDULE_DISCOVERIES, pass_context=False)
def schedule_discoveries(timestamp: int) -> dict[str, int]:
    jobs = schedule_due_discoveries(current_database_url(), datetime.now(UTC))
    if jobs:
        log.info("discoveries due: %d queued", len(jobs))
    return {"queued": len(jobs)}


@base_app.task(name=SNMP_POLL_OLT, pass_context=False)
def snmp_poll_olt(olt_id: int, poll_class: str, onu_ids: list[int] | None = None) -> dict[str, Any]:
    url = current_database_url()
    nr = build_nornir(url, num_workers=1, olt_ids=[olt_id])
    if not nr.inventory.hosts:
        return {"olt_id": olt_id, "error": f"OLT {olt_id} is inactive or was deleted"}
    with nr:
        results = nr.run(task=snmp_poll, poll_class=poll_class, database_url=url, onu_ids=onu_ids)
    outcome = next(iter(results.values()))[0]
    if onu_ids is None:
        _finish_scheduled_poll(url, olt_id, poll_class, outcome.exception)
    return dict(outcome.result) if isinstance(outcome.result, dict) else {"error": str(outcome.result)}


def _finish_scheduled_poll(url: str, olt_id: int, poll_class: str, exception: BaseException | None) -> None:
    now = datetime.now(UTC)
    with session_scope(url) as session:
        mark_polled(session, olt_id, poll_class, now)
        if exception is not None:  # the task broke before storing anything: say so on the OLT
            message = f"SNMP {poll_class} poll failed: {type(exception).__name__}: {exception}"
            session.execute(
                update(Olt)
                .where(Olt.id == olt_id)
                .values(last_poll_status=PollStatus.ERROR, last_poll_error=message[:2000], last_poll_at=now)
            )


@base_app.periodic(cron="17 3 * * *", queueing_lock=PRUNE_HISTORY)
@base_app.task(name=PRUNE_HISTORY, pass_context=False)
def prune_history(timestamp: int) -> dict[str, int]:
    with session_scope(current_database_url()) as session:
        days = retention_days(session)
        deleted = delete_old_samples(session, days)
    log.info("pruned %d ONU samples older than %d days", deleted, days)
    return {"deleted": deleted, "retention_days": days}
