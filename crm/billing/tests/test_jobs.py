"""The scheduled billing and dunning tasks, called as the worker calls them (two at once)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from core.db import session_scope, set_database_url
from core.queue import base_app
from crm.billing import jobs
from crm.billing.tests.helpers import customer, plan, subscription
from crm.models import Invoice


def test_tasks_are_registered_periodic_with_locks() -> None:
    periodic = {task.task.name for task in base_app.periodic_registry.periodic_tasks.values()}
    assert {jobs.BILLING_DAILY, jobs.DUNNING_DAILY, jobs.SEND_NOTIFICATIONS} <= periodic


def test_two_workers_running_the_daily_billing_at_once_bill_once(db_url: str) -> None:
    set_database_url(db_url)
    with session_scope(db_url) as s:
        for n in range(30):
            subscription(s, customer(s, f"J{n}"), plan(s, f"P{n}"), date(2025, 6, 4 + n % 3))
    stamp = int(datetime(2026, 3, 6, 2, 5, tzinfo=UTC).timestamp())  # catches up March 4 and 5
    results: list[dict[str, object]] = []
    threads = [threading.Thread(target=lambda: results.append(jobs.billing_daily(stamp))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(int(str(r["invoices_created"])) for r in results) == 30
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 30
    assert jobs.dunning_daily(stamp)["reminders"] == 0
