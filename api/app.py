"""The FastAPI application. It refuses to start on an invalid schema."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool

import acs.api
import crm.api
import crm.billing.api
import crm.lifecycle_api
from acs.connection import warn_if_exposed
from api import accounts, audit, health
from api.errors import install_error_handlers, path_ids_in_range
from api.health import WorkerHealth
from api.openapi import install_openapi
from console.routes import install_console
from core.checks import validate_schema
from core.db import session_scope, set_database_url
from oms.api import jobs, monitoring, olts, onus, provisioning, reference, snmp_settings, templates

log = logging.getLogger("ponstack.api")


ROUTERS = [
    crm.api.router,
    crm.lifecycle_api.router,
    crm.billing.api.router,
    acs.api.router,
    olts.router,
    onus.router,
    jobs.router,
    provisioning.router,
    templates.router,
    snmp_settings.router,
    monitoring.router,
    reference.router,
    accounts.router,
    audit.router,
]


class SchemaInvalid(RuntimeError):
    pass


def _warn_if_acs_exposed() -> None:
    with session_scope() as session:
        warn_if_exposed(session)


def create_app(database_url: str, started_at: float | None = None, worker: WorkerHealth | None = None) -> FastAPI:
    """The API; `worker` is the state of a worker sharing this process (`ponstack up`),
    reported by /health/ready."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        result = await run_in_threadpool(validate_schema, database_url)
        if not result.ok:
            raise SchemaInvalid(f"refusing to serve: schema invalid: {result.one_line()}")
        await run_in_threadpool(_warn_if_acs_exposed)
        if started_at is not None:
            log.info("ponstack API ready in %.2f s (schema %s)", time.monotonic() - started_at, result.revision)
        yield

    set_database_url(database_url)
    app = FastAPI(title="ponstack", version="0.1.0", lifespan=lifespan, dependencies=[Depends(path_ids_in_range)],
                  docs_url=None, redoc_url=None)
    app.state.database_url = database_url
    app.state.worker = worker
    app.include_router(health.router)
    for router in ROUTERS:
        app.include_router(router)
    install_error_handlers(app)
    install_console(app)  # after: its pages answer domain errors in HTML, the API's handler the rest
    install_openapi(app)
    return app
