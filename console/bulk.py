"""Bulk authorization in the console (`/console/bulk`): pick unconfigured ONUs, preview the whole
plan, run it, watch each ONU's job.

The pages are views of the bulk API (oms.api.provisioning): the preview is its dry run (same
selection, same scope, same per-ONU plans and refusals) and the run is sent by the browser to
`POST /provisioning/bulk` (console.js), with exactly the serials previewed and the dry run's
`preview_token`, so a run whose selection changed since the preview is refused. The run page shows
`GET /provisioning/bulk/{id}` and follows it live (Server-Sent Events, as the job pages do)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from console.job_pages import sse_response
from console.web import render, templates, viewer
from core.access import Permission, Principal
from core.db import session_scope
from core.inputs import INT4_MAX
from oms.api import provisioning
from oms.errors import NotFound, OmsError
from oms.models import BulkRun, JobKind, Olt, Onu, OnuLifecycle, PonPort
from oms.schemas import BulkDryRunOut, BulkRequest, BulkRunOut
from oms.scope import visible_only

router = APIRouter(include_in_schema=False)
P = Permission

#: candidates listed at most on the selection page (narrow by OLT beyond that)
MAX_CANDIDATES = 500
RECENT_RUNS = 10


class InvalidSelection(OmsError):
    status = 422


@router.get("/console/bulk")
def bulk_page(request: Request, who: Principal = viewer(P.ONU_PROVISION)) -> HTMLResponse:
    """The unconfigured ONUs the user may authorize, to tick; optionally of one OLT."""
    olt_id = _olt_filter(request.query_params.get("olt_id", ""))
    with session_scope() as session:
        candidates = _candidates(session, who, olt_id)
        every_olt: Select[*tuple[Any, ...]] = select(Olt.id, Olt.name)
        olts = session.execute(visible_only(every_olt, who, Olt.id).order_by(Olt.name)).all()
        runs = list(session.scalars(select(BulkRun).where(BulkRun.requested_by == who.username)
                                    .order_by(BulkRun.id.desc()).limit(RECENT_RUNS)))
    return render(request, "bulk_select.html", who, title="Bulk authorization", candidates=candidates,
                  olts=olts, olt_id=olt_id, runs=runs, max_candidates=MAX_CANDIDATES)


def _olt_filter(raw: str) -> int | None:
    if raw == "":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= INT4_MAX:
        raise InvalidSelection(f"olt_id must be an OLT's id, not {raw[:40]!r}")
    return int(raw)


def _candidates(session: Session, who: Principal, olt_id: int | None) -> list[tuple[Onu, str, str]]:
    """(ONU, OLT name, port) of every visible unconfigured ONU: what autofind shows and nobody
    authorized (the API's unconfigured-ONU rule, over the user's OLTs)."""
    columns: Select[*tuple[Any, ...]] = select(Onu, Olt.name, PonPort.frame, PonPort.slot, PonPort.port)
    stmt = (
        visible_only(columns, who, Onu.olt_id)
        .join(Olt, Olt.id == Onu.olt_id).join(PonPort, PonPort.id == Onu.pon_port_id)
        .where(Onu.missing_since.is_(None),
               (Onu.lifecycle_state == OnuLifecycle.DISCOVERED)
               | ((Onu.lifecycle_state == OnuLifecycle.PREPROVISIONED) & Onu.last_seen_at.is_not(None)))
        .order_by(Olt.name, PonPort.frame, PonPort.slot, PonPort.port, Onu.serial).limit(MAX_CANDIDATES)
    )
    if olt_id is not None:
        stmt = stmt.where(Onu.olt_id == olt_id)
    return [(onu, name, f"{frame}/{slot}/{port}") for onu, name, frame, slot, port in session.execute(stmt)]


@router.get("/console/bulk/preview")
def bulk_preview(request: Request, who: Principal = viewer(P.ONU_PROVISION)) -> HTMLResponse:
    """The whole plan of the ticked ONUs (the bulk API's dry run), and the button that runs it."""
    serials = request.query_params.getlist("serial")
    preview = _dry_run(serials, who)
    runnable = [p.serial for p in preview.plans if p.error is None]
    # the run sends exactly this selection back with the preview's token: the API refuses it
    # (409, naming what changed) if an ONU left or joined it or changed state meanwhile
    return render(request, "bulk_preview.html", who, title="Bulk authorization: preview", preview=preview,
                  runnable=runnable, serials=serials, again=request.url.path + "?" + request.url.query)


def _dry_run(serials: list[str], who: Principal) -> BulkDryRunOut:
    if not serials:
        raise InvalidSelection("tick at least one ONU to preview")
    try:
        body = BulkRequest(kind=JobKind.AUTHORIZE, serials=serials, dry_run=True)
    except ValidationError as exc:
        raise InvalidSelection(f"bad selection: {exc.errors()[0]['msg']}") from exc
    answer = provisioning.bulk(body, Response(), who)
    assert isinstance(answer, BulkDryRunOut)  # a dry run answers the plans
    return answer


@router.get("/console/bulk/runs/latest")
def latest_run(request: Request, who: Principal = viewer(P.ONU_PROVISION)) -> Response:
    """The user's newest run: where the preview's Run button leads once the API queued it."""
    with session_scope() as session:
        run_id = session.scalar(select(BulkRun.id).where(BulkRun.requested_by == who.username)
                                .order_by(BulkRun.id.desc()).limit(1))
    if run_id is None:
        raise NotFound("you have not run any bulk action yet")
    return RedirectResponse(f"/console/bulk/runs/{run_id}", status_code=303)


@router.get("/console/bulk/runs/{run_id}")
def run_page(request: Request, run_id: int, who: Principal = viewer(P.NETWORK_READ)) -> HTMLResponse:
    run = _run(run_id, who)
    return render(request, "bulk_run.html", who, title=f"Bulk run {run_id}", run=run, progress=_run_html(run))


@router.get("/console/bulk/runs/{run_id}/stream")
async def run_stream(request: Request, run_id: int, who: Principal = viewer(P.NETWORK_READ)) -> Response:
    """SSE: the run's per-ONU progress until every job is final (then `done`)."""
    first = await run_in_threadpool(_run, run_id, who)

    def snapshot() -> tuple[bool, str]:
        run = _run(run_id, who)
        return run.done, _run_html(run)

    return sse_response(request, snapshot, (first.done, _run_html(first)))


def _run(run_id: int, who: Principal) -> BulkRunOut:
    """The run as the API shows it (its scope rule included); NotFound otherwise."""
    return provisioning.get_bulk_run(run_id, who)


def _run_html(run: BulkRunOut) -> str:
    return templates.env.get_template("bulk_run_progress.html").render(run=run, P=P)
