"""Console pages of jobs: one job with its steps (`/console/jobs/{id}`) and its live progress
as Server-Sent Events (`/console/jobs/{id}/stream`), which console.js follows after an action
that queued a job (`data-follow`).

Steps are shown as stored: the worker redacts secrets before it writes a step, so the
commands and the device's verbatim answers are shown as they are and nothing here has
access to an unredacted value. A job of an OLT outside the reader's scope is a 404, as in
the API (oms.scope).

A stream polls the job row with a short database session per look (no session is held
across the pauses) and ends with an event named `done` carrying the final state; it also
ends after STREAM_LIFETIME_S, whatever the job does, so a browser left open holds nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from console.web import render, templates, viewer
from core.access import Permission, Principal
from core.db import session_scope
from core.errors import DomainError
from oms.errors import NotFound
from oms.jobs import FINAL_STATES
from oms.models import Job, Olt, Onu
from oms.scope import check_visible

router = APIRouter(include_in_schema=False)
P = Permission

#: how often a stream looks at the job, and the longest it stays open
POLL_INTERVAL_S = 0.5
STREAM_LIFETIME_S = 600.0


@dataclass(frozen=True)
class JobView:
    """A job as the page and the stream show it (read in one short session)."""

    job: Job
    onu_serial: str | None
    olt_name: str | None

    @property
    def final(self) -> bool:
        return self.job.status in FINAL_STATES

    @property
    def failed_step(self) -> object | None:
        """The step whose device answer explains a failure (the last failed one)."""
        failed = [s for s in self.job.steps if s.status.value == "failed"]
        return failed[-1] if failed else None


def load_job(who: Principal, job_id: int) -> JobView:
    """The job with its steps, ONU serial and OLT name; NotFound when missing or out of scope."""
    with session_scope() as session:
        job = session.execute(select(Job).where(Job.id == job_id).options(selectinload(Job.steps))
                              ).scalar_one_or_none()
        if job is None:
            raise NotFound(f"job {job_id} does not exist")
        check_visible(who, job.olt_id, "job", job_id)
        serial = session.scalar(select(Onu.serial).where(Onu.id == job.onu_id)) if job.onu_id else None
        olt_name = session.scalar(select(Olt.name).where(Olt.id == job.olt_id)) if job.olt_id else None
    return JobView(job, serial, olt_name)


def progress_html(view: JobView) -> str:
    """The job's status and steps so far, as the page and each stream event show them."""
    return templates.env.get_template("job_progress.html").render(view=view, job=view.job, P=P)


@router.get("/console/jobs/{job_id}")
def job_page(request: Request, job_id: int, who: Principal = viewer(P.NETWORK_READ)) -> HTMLResponse:
    view = load_job(who, job_id)
    return render(request, "job_page.html", who, title=f"Job {job_id}", view=view, job=view.job,
                  progress=progress_html(view))


@router.get("/console/jobs/{job_id}/stream")
async def job_stream(request: Request, job_id: int, who: Principal = viewer(P.NETWORK_READ)) -> Response:
    """SSE: the job's progress every POLL_INTERVAL_S while it runs, then `done` with its end."""
    first = await run_in_threadpool(load_job, who, job_id)  # missing or out of scope: at once, before any stream

    def snapshot() -> tuple[bool, str]:
        view = load_job(who, job_id)
        return view.final, progress_html(view)

    return sse_response(request, snapshot, (first.final, progress_html(first)))


# --- Server-Sent Events, shared with the bulk run page ----------------------------------------


def sse_event(html: str, event: str | None = None) -> str:
    """One SSE event whose data is `html`: every line is its own `data:` line."""
    head = f"event: {event}\n" if event else ""
    return head + "".join(f"data: {line}\n" for line in (html.splitlines() or [""])) + "\n"


def sse_response(request: Request, snapshot: Callable[[], tuple[bool, str]],
                 first: tuple[bool, str]) -> StreamingResponse:
    """Stream `snapshot()` (is it final, the HTML) until it is final, the client leaves or
    STREAM_LIFETIME_S passes; the last state goes out as the event `done`. `snapshot` reads the
    database with its own short session and runs in the thread pool."""

    async def events() -> AsyncIterator[str]:
        deadline = time.monotonic() + STREAM_LIFETIME_S
        final, html = first
        while not final and time.monotonic() < deadline:
            yield sse_event(html)
            await asyncio.sleep(POLL_INTERVAL_S)
            if await request.is_disconnected():
                return
            try:
                final, html = await run_in_threadpool(snapshot)
            except DomainError:
                return  # deleted meanwhile: nothing more to tell
        yield sse_event(html, "done")

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
