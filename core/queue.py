"""The job queue: procrastinate on the shared PostgreSQL (no broker to run).

Task functions are registered by the packages that own them (`tasks.worker`)
and deferred by name here, so that core and the domain packages never import
the code that executes on devices. The worker itself (supervision, stalled jobs)
is started by the composition layer (`ponstack.worker`).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import procrastinate

from core.db import libpq_url

TASK_MODULES = ["tasks.worker", "tasks.monitoring_jobs", "tasks.acs_jobs", "crm.billing.jobs", "crm.lifecycle_jobs"]

# Tasks register on this app; per-database copies share its task registry.
base_app = procrastinate.App(connector=procrastinate.PsycopgConnector(), import_paths=TASK_MODULES)

_open_lock = threading.Lock()


@functools.cache
def _opened_app(url: str) -> procrastinate.App:
    # A task-less app: deferring by name must go through this app's own connection,
    # while tasks registered on base_app would defer through base_app's.
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=libpq_url(url)))
    app.open()
    return app


def queue_app(url: str) -> procrastinate.App:
    """An app connected to `url`, opened once per process for deferring jobs."""
    with _open_lock:
        return _opened_app(url)


def defer(url: str, task_name: str, lock: str | None = None, **kwargs: Any) -> int:
    """Queue `task_name`; jobs sharing `lock` run one at a time, in order."""
    return int(queue_app(url).configure_task(name=task_name, lock=lock).defer(**kwargs))
