"""Queue task settling subscription transitions (crm.activation), run by `ponstack worker`.
(Here rather than in `tasks/`: tasks may not import crm; listed in core.queue.TASK_MODULES.)

``ponstack.crm_settle_subscriptions``: queued right after a transition's OMS job under the same
OLT lock (so it runs once the job has ended), and every minute, which also completes the
activations whose pre-registered ONU discovery authorized on its own."""

from __future__ import annotations

import logging

from core.db import current_database_url
from core.queue import base_app
from crm.activation import SETTLE_TASK, settle_all

log = logging.getLogger("ponstack.crm.lifecycle")


@base_app.periodic(cron="* * * * *", queueing_lock=SETTLE_TASK)
@base_app.task(name=SETTLE_TASK, pass_context=False)
def settle_subscriptions(timestamp: int | None = None) -> dict[str, int]:
    done = settle_all(current_database_url(), "lifecycle")
    if done["completed"] or done["failed"]:
        log.info("subscription transitions: %d completed, %d failed", len(done["completed"]), len(done["failed"]))
    return {key: len(ids) for key, ids in done.items()}
