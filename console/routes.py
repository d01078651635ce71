"""The console's routers, in one list the application includes (`install_console`)."""

from __future__ import annotations

from fastapi import FastAPI

from console import (
    bulk,
    customers,
    dashboard,
    job_pages,
    lists,
    login,
    olt_pages,
    onu_pages,
    settings_pages,
    web,
)

ROUTERS = [login.router, dashboard.router, lists.router, olt_pages.router, job_pages.router, onu_pages.router,
           customers.router, settings_pages.router, bulk.router]


def install_console(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    web.install(app)
