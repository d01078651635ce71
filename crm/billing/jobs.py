"""Queue tasks for billing, run by `ponstack worker` on the same queue as everything else.
(Here rather than in `tasks/`: tasks may not import crm, tests/test_architecture.py; listed in
core.queue.TASK_MODULES.)

- ``ponstack.billing_daily`` (daily 02:05): billing runs for today and the two days before
  (a day missed while no worker ran is caught up; billing_items make a repeat a no-op).
- ``ponstack.dunning_daily`` (daily 02:35): reminders, suspensions for non-payment, restorations.
- ``ponstack.send_notifications`` (every 5 minutes): the e-mail outbox.

Two workers: each periodic task has a queueing_lock (one queued at a time), and the database
keeps the work idempotent anyway (billing_items' unique key, invoices locked SKIP LOCKED by
dunning, notifications locked SKIP LOCKED while sending)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.db import current_database_url, session_scope
from core.queue import base_app
from crm import lifecycle
from crm.billing.dunning import run_dunning
from crm.billing.notifications import send_pending
from crm.billing.runs import run_billing

log = logging.getLogger("ponstack.billing")

BILLING_DAILY = "ponstack.billing_daily"
DUNNING_DAILY = "ponstack.dunning_daily"
SEND_NOTIFICATIONS = "ponstack.send_notifications"
CATCH_UP_DAYS = 2


def _today(timestamp: int) -> date:
    return datetime.fromtimestamp(timestamp, UTC).date()


@base_app.periodic(cron="5 2 * * *", queueing_lock=BILLING_DAILY)
@base_app.task(name=BILLING_DAILY, pass_context=False, queueing_lock=BILLING_DAILY)
def billing_daily(timestamp: int) -> dict[str, Any]:
    today = _today(timestamp)
    created = 0
    for back in range(CATCH_UP_DAYS, -1, -1):
        with session_scope(current_database_url()) as session:
            created += run_billing(session, today - timedelta(days=back), "scheduler").invoices_created
    log.info("billing runs up to %s: %d invoices", today, created)
    return {"today": today.isoformat(), "invoices_created": created}


@base_app.periodic(cron="35 2 * * *", queueing_lock=DUNNING_DAILY)
@base_app.task(name=DUNNING_DAILY, pass_context=False, queueing_lock=DUNNING_DAILY)
def dunning_daily(timestamp: int) -> dict[str, Any]:
    url = current_database_url()
    with session_scope(url) as session:
        result = run_dunning(session, _today(timestamp), "scheduler")
    lifecycle.sync_network(url, [*result["suspended"], *result["lifted"]], "scheduler")
    return {"reminders": result["reminders"], "suspended": len(result["suspended"]), "lifted": len(result["lifted"])}


@base_app.periodic(cron="*/5 * * * *", queueing_lock=SEND_NOTIFICATIONS)
@base_app.task(name=SEND_NOTIFICATIONS, pass_context=False, queueing_lock=SEND_NOTIFICATIONS)
def send_notifications(timestamp: int) -> dict[str, int]:
    with session_scope(current_database_url()) as session:
        return send_pending(session)
