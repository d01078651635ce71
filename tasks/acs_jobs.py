"""Queue tasks of the ACS integration, run by `ponstack worker` (names in acs/jobs.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from acs import campaigns
from acs.connection import acs_client, load_settings
from acs.dispatcher import dispatch
from acs.events import ingest, polled_events
from acs.jobs import ACS_CAMPAIGNS, ACS_DISPATCH, ACS_POLL_INFORMS, ACS_RECONCILE, DISPATCH_LOCK, kick_dispatcher
from acs.reconcile import reconcile
from core.db import current_database_url, session_scope
from core.queue import base_app

log = logging.getLogger("ponstack.acs")
#: a dispatch run stops after this long, so the next queued one picks up what remains
DISPATCH_BUDGET = timedelta(seconds=50)


@base_app.periodic(cron="* * * * *", queueing_lock=DISPATCH_LOCK)
@base_app.task(name=ACS_DISPATCH, lock=DISPATCH_LOCK, pass_context=False)
def acs_dispatch(timestamp: int | None = None) -> dict[str, Any]:
    url = current_database_url()
    with session_scope(url) as session:
        settings = load_settings(session)
    started, totals = datetime.now(UTC), {"advanced": 0}
    with acs_client(settings) as client:
        while datetime.now(UTC) - started < DISPATCH_BUDGET:
            report = dispatch(url, client, rate_per_second=settings.rate_per_second)
            totals["advanced"] += report.advanced
            for status, count in report.by_status.items():
                totals[status] = totals.get(status, 0) + count
            if report.advanced == 0:
                break
    return totals


@base_app.periodic(cron="* * * * *", queueing_lock=ACS_POLL_INFORMS)
@base_app.task(name=ACS_POLL_INFORMS, queueing_lock=ACS_POLL_INFORMS, pass_context=False)
def acs_poll_informs(timestamp: int) -> dict[str, int]:
    """Devices that informed in the last two minutes, for a GenieACS without our extension."""
    url = current_database_url()
    with session_scope(url) as session:
        settings = load_settings(session)
    with acs_client(settings) as client:
        devices = client.devices_informed_since(datetime.now(UTC) - timedelta(minutes=2))
    with session_scope(url) as session:
        report = ingest(session, polled_events(devices))
    if report.intents_due:
        kick_dispatcher(url)
    return {"devices": report.events, "linked": report.linked, "intents_due": report.intents_due}


@base_app.periodic(cron="* * * * *", queueing_lock=ACS_CAMPAIGNS)
@base_app.task(name=ACS_CAMPAIGNS, queueing_lock=ACS_CAMPAIGNS, pass_context=False)
def acs_campaigns(timestamp: int) -> dict[str, int]:
    url = current_database_url()
    released = 0
    with session_scope(url) as session:
        for campaign_id in campaigns.running_campaigns(session):
            released += campaigns.step(session, campaign_id)
    if released:
        kick_dispatcher(url)
    return {"released": released}


@base_app.periodic(cron="41 * * * *", queueing_lock=ACS_RECONCILE)
@base_app.task(name=ACS_RECONCILE, queueing_lock=ACS_RECONCILE, pass_context=False)
def acs_reconcile(timestamp: int) -> dict[str, int]:
    url = current_database_url()
    with session_scope(url) as session:
        settings = load_settings(session)
    with acs_client(settings) as client:
        report = reconcile(url, client, reapply=settings.reapply_drift)
    if report.reapplied:
        kick_dispatcher(url)
    return {"checked": report.checked, "drifted": report.drifted, "reapplied": report.reapplied}
