"""The ACS's queue tasks, by name (run by `tasks/acs_jobs.py` in the worker).

- ``ponstack.acs_dispatch``: advance the due intents; queued when an intent is created or a
  device informs, and every minute. One waits at a time (queueing lock), one runs at a time (lock).
- ``ponstack.acs_poll_informs`` (every minute): the fallback for a GenieACS without the
  extension: devices whose `_lastInform` moved.
- ``ponstack.acs_campaigns`` (every minute): release the next wave of each running campaign.
- ``ponstack.acs_reconcile`` (hourly): read applied settings back and mark drift.
"""

from __future__ import annotations

from procrastinate.exceptions import AlreadyEnqueued

from core.queue import queue_app

ACS_DISPATCH = "ponstack.acs_dispatch"
ACS_POLL_INFORMS = "ponstack.acs_poll_informs"
ACS_CAMPAIGNS = "ponstack.acs_campaigns"
ACS_RECONCILE = "ponstack.acs_reconcile"
DISPATCH_LOCK = "acs:dispatch"


def kick_dispatcher(url: str) -> int | None:
    """Queue a dispatch run now (after a commit that made intents due); None when one already waits."""
    deferrer = queue_app(url).configure_task(name=ACS_DISPATCH, lock=DISPATCH_LOCK, queueing_lock=DISPATCH_LOCK)
    try:
        return int(deferrer.defer())
    except AlreadyEnqueued:
        return None
