"""Probes: /health/live (the process answers) and /health/ready (schema valid)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from core.checks import validate_schema

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    result = await run_in_threadpool(validate_schema, request.app.state.database_url)
    body = {"status": "ready" if result.ok else "not ready", "schema": result.as_dict()}
    return JSONResponse(body, status_code=200 if result.ok else 503)
