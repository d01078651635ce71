"""Probes: /health/live (the process answers) and /health/ready (schema valid, and the
in-process worker, when there is one, running and connected)."""

from __future__ import annotations

from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from core.access import PUBLIC
from core.checks import validate_schema

router = APIRouter(prefix="/health", tags=["health"], dependencies=[PUBLIC])  # probes need no login


class WorkerHealth(Protocol):
    def problems(self) -> list[str]: ...


@router.get("/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    result = await run_in_threadpool(validate_schema, request.app.state.database_url)
    worker: WorkerHealth | None = getattr(request.app.state, "worker", None)
    worker_problems = worker.problems() if worker is not None else []
    ok = result.ok and not worker_problems
    body: dict[str, object] = {"status": "ready" if ok else "not ready", "schema": result.as_dict()}
    if worker is not None:
        body["worker"] = {"ok": not worker_problems, "problems": worker_problems}
    return JSONResponse(body, status_code=200 if ok else 503)
