"""The dashboard (to be completed): the SmartOLT cards, OLTs, PON outages, recent jobs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console.web import render, viewer
from core.access import Permission, Principal

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(request: Request, who: Principal = viewer(Permission.NETWORK_READ)) -> HTMLResponse:
    return render(request, "dashboard.html", who, title="Dashboard")
