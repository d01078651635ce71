"""The ONU page (`/console/onus/{id}`): state, position, subscription, latest optics with their
ages, a signal-history chart, a live view, recent jobs and ACS intents, and the actions the
viewer may take.

Reads go through the API's own pieces: scope is `oms.scope.get_visible` (another zone's ONU is
a 404, as in the API), the recent jobs are the ones `GET /onus/{id}` lists, intents are
`acs.intents.intents_of` shown as `IntentOut` (secret names only), and the chart reads
`oms.monitoring.queries.history_statement` (the history API's query) downsampled in SQL to about
CHART_POINTS buckets (`date_bin`: the worst and the average RX per bucket), so 30 days of
5-minute samples stay a few hundred points. The warning/critical lines are the console's signal
bands (`console.lists.signal_thresholds`, the monitoring low-signal setting).

The chart is pygal's SVG inline in the page: no JavaScript (`js=[]`, and its inline config
script is dropped), no external reference.

Actions are the JSON API's own endpoints, sent by console.js with `data-preview`: the OLT
actions answer their commands on `dry_run` (ActionPlan), the ACS Wi-Fi/WAN endpoints
(`/onus/{id}/acs/{wifi|wan}`) the parameters the intent would set, secrets masked (IntentPlan).

The live view (`/console/onus/{id}/live`, SSE) sends the state/optics fragment every
LIVE_INTERVAL_S for LIVE_LIFETIME_S, then `done`; a missing ONU is a 404 at once. The page
starts it on demand (console.js `data-then-stream`: the watch button, and each poll once asked).
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pygal
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pygal.style import Style
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from acs.intents import intents_of
from acs.schemas import IntentOut
from console.job_pages import sse_event
from console.lists import HELPERS, SignalThresholds, signal_thresholds
from console.web import render, templates, viewer
from core.access import Permission, Principal
from core.db import session_scope
from core.errors import DomainError, Invalid
from crm.models import Customer, Subscription
from oms.api.onus import RECENT_JOBS
from oms.models import Job, Olt, Onu, OnuLifecycle, OnuType, PonPort
from oms.monitoring import queries
from oms.scope import get_visible
from oms.services import OPEN_JOB_STATES

router = APIRouter(include_in_schema=False)
P = Permission

#: `?range=`: (hours, label); the first is the default
RANGES: dict[str, tuple[int, str]] = {"24h": (24, "24 hours"), "7d": (24 * 7, "7 days"), "30d": (24 * 30, "30 days")}
#: about this many points per series, whatever the range (one SQL bucket each)
CHART_POINTS = 300
RECENT_INTENTS = 10
#: the live view: one look every LIVE_INTERVAL_S, for LIVE_LIFETIME_S at most
LIVE_INTERVAL_S = 2.0
LIVE_LIFETIME_S = 60.0


@dataclass
class OnuView:
    """One ONU as the page and the live fragment show it (read in one short session)."""

    onu: Onu
    olt_name: str | None
    fsp: str | None
    onu_type: OnuType | None
    limits: SignalThresholds
    subscription: Subscription | None = None
    customer: Customer | None = None
    jobs: list[Job] = field(default_factory=list)
    intents: list[IntentOut] = field(default_factory=list)
    open_job: Job | None = None

    @property
    def monitored(self) -> bool:
        return self.onu.lifecycle_state in queries.MONITORED_STATES

    @property
    def radios(self) -> list[str]:
        t = self.onu_type
        if t is None:
            return ["2.4GHz", "5GHz"]  # unknown model: the ACS checks against the device
        return [band for band, has in (("2.4GHz", t.wifi_24ghz), ("5GHz", t.wifi_5ghz)) if has]


def load_onu(who: Principal, onu_id: int, full: bool = True) -> OnuView:
    """The ONU with its OLT, port, type and signal limits (and with `full`, its subscription,
    customer, recent jobs and intents); NotFound when missing or out of the viewer's scope."""
    with session_scope() as session:
        onu = get_visible(session, who, Onu, onu_id, "ONU")
        olt_name = session.scalar(select(Olt.name).where(Olt.id == onu.olt_id)) if onu.olt_id else None
        port = session.get(PonPort, onu.pon_port_id) if onu.pon_port_id else None
        onu_type = session.get(OnuType, onu.onu_type_id) if onu.onu_type_id else None
        view = OnuView(onu, olt_name, port.fsp if port else None, onu_type, signal_thresholds(session))
        if full:
            _add_links(session, view)
        session.expunge_all()  # plain values for the templates, once the session is gone
    return view


def _add_links(session: Session, view: OnuView) -> None:
    onu = view.onu
    if onu.subscription_id is not None:
        view.subscription = session.get(Subscription, onu.subscription_id)
        if view.subscription is not None:
            view.customer = session.get(Customer, view.subscription.customer_id)
    # the jobs GET /onus/{id} lists: newest first
    view.jobs = list(session.scalars(select(Job).where(Job.onu_id == onu.id)
                                     .order_by(Job.created_at.desc(), Job.id.desc()).limit(RECENT_JOBS)))
    view.open_job = next((j for j in view.jobs if j.status in OPEN_JOB_STATES), None)
    view.intents = [IntentOut.of(i) for i in intents_of(session, onu.id, RECENT_INTENTS)]


def live_html(view: OnuView) -> str:
    """The state and optics block: on the page and in every live event."""
    return templates.env.get_template("onu_live.html").render(view=view, onu=view.onu, limits=view.limits,
                                                               P=P, now=datetime.now(UTC), **HELPERS)


# --- the signal-history chart -----------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    at: datetime
    rx_min: float | None
    rx_avg: float | None
    tx_avg: float | None
    samples: int


def history_buckets(session: Session, onu_id: int, hours: int, now: datetime) -> list[Bucket]:
    """The history API's samples of the last `hours` (its own statement), in about CHART_POINTS
    buckets of equal width: the worst and average RX, the average TX, the count of each."""
    since = queries.history_since(now, hours)
    history = queries.history_statement(onu_id, since).subquery()
    step = _step(hours)
    bucket = func.date_bin(literal(step), history.c.sampled_at, literal(since)).label("bucket")
    rows = session.execute(
        select(bucket, func.min(history.c.rx_dbm), func.avg(history.c.rx_dbm), func.avg(history.c.tx_dbm),
               func.count()).group_by(bucket).order_by(bucket)
    ).all()
    return [Bucket(at + step / 2, _f(rx_min), _f(rx_avg), _f(tx_avg), n) for at, rx_min, rx_avg, tx_avg, n in rows]


def _f(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


#: RX average, RX worst, warning, critical
CHART_STYLE = Style(
    colors=("#0b57d0", "#7fa7e8", "#bf8700", "#cf222e"),
    background="transparent", plot_background="transparent", foreground="#1b1f24",
    foreground_strong="#1b1f24", foreground_subtle="#d0d7de",
    guide_stroke_color="#e4e8ec", major_guide_stroke_color="#e4e8ec",
    guide_stroke_dasharray="0", major_guide_stroke_dasharray="0",
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    label_font_size=13, major_label_font_size=13, legend_font_size=13, title_font_size=15,
    opacity="1", opacity_hover="1",
)
TX_STYLE = Style(**{**CHART_STYLE.to_dict(), "colors": ("#1a7f37",)})
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _config(hours: int, now: datetime, height: int, low: float, high: float, **more: Any) -> pygal.Config:
    since = queries.history_since(now, hours)
    fmt = "%H:%M" if hours <= 24 else "%d %b"
    bottom, top = math.floor(low), math.ceil(high)
    every = max(1, math.ceil((top - bottom) / 8))  # whole dBm, 8 labels at most
    return pygal.Config(
        js=[], disable_xml_declaration=True, show_dots=False, allow_interruptions=True,
        width=960, height=height, explicit_size=False, legend_at_bottom=True, legend_at_bottom_columns=4,
        truncate_legend=-1, show_x_guides=False, show_y_guides=True, x_label_rotation=0,
        x_labels_major_count=7, show_minor_x_labels=False, xrange=(since, now),
        range=(bottom, top), y_labels=list(range(bottom, top + 1, every)),
        x_value_formatter=lambda d: d.astimezone(UTC).strftime(fmt), value_formatter=lambda v: f"{v:g}",
        **more,
    )


def _svg(chart: Any) -> str:
    """pygal's SVG without its inline config script and comments (no script runs in the page)."""
    return _COMMENT.sub("", _SCRIPT.sub("", chart.render(is_unicode=True)))


def chart_svg(buckets: list[Bucket], hours: int, now: datetime, limits: SignalThresholds, title: str) -> str:
    """Inline SVG: RX (average and worst of each bucket) over the range with the warning and
    critical levels as dashed lines; gaps where no sample was taken."""
    since = queries.history_since(now, hours)
    step = _step(hours)
    rx = [v for b in buckets for v in (b.rx_min, b.rx_avg) if v is not None]
    chart = pygal.DateTimeLine(_config(
        hours, now, 360, min([*rx, limits.critical]) - 2, max([*rx, limits.warning]) + 2,
        y_title="RX power (dBm)", style=CHART_STYLE, title=title))
    dots = _dots(buckets)
    chart.add("RX (average)", _with_gaps(buckets, "rx_avg", step), stroke_style={"width": 2.5}, **dots)
    chart.add("RX (worst)", _with_gaps(buckets, "rx_min", step), stroke_style={"width": 1.5}, **dots)
    chart.add(f"warning {limits.warning:.1f}", [(since, limits.warning), (now, limits.warning)],
              stroke_style={"width": 2.5, "dasharray": "10,6"})
    chart.add(f"critical {limits.critical:.1f}", [(since, limits.critical), (now, limits.critical)],
              stroke_style={"width": 2.5, "dasharray": "10,6"})
    return _svg(chart)


def tx_chart_svg(buckets: list[Bucket], hours: int, now: datetime) -> str:
    """Inline SVG: the ONU's TX power (average of each bucket) over the same range; empty
    when none was read."""
    tx = [b.tx_avg for b in buckets if b.tx_avg is not None]
    if not tx:
        return ""
    chart = pygal.DateTimeLine(_config(hours, now, 170, min(tx) - 1, max(tx) + 1, y_title="TX (dBm)",
                                       style=TX_STYLE, show_legend=False))
    chart.add("TX (average)", _with_gaps(buckets, "tx_avg", _step(hours)), stroke_style={"width": 2},
              **_dots(buckets))
    return _svg(chart)


def _dots(buckets: list[Bucket]) -> dict[str, Any]:
    """Dots on the readings while they are few: a line needs two neighbouring buckets, so the
    first readings of a new ONU (or readings between gaps) would otherwise draw nothing."""
    return {"show_dots": True, "dots_size": 3} if len(buckets) <= SPARSE_BUCKETS else {}


#: up to this many buckets with readings, each is drawn as a dot too
SPARSE_BUCKETS = 48


def _step(hours: int) -> timedelta:
    """The width of one bucket: about CHART_POINTS of them over the range."""
    return timedelta(seconds=max(60, hours * 3600 // CHART_POINTS))


def _with_gaps(buckets: list[Bucket], name: str, step: timedelta) -> list[tuple[datetime, float | None]]:
    """The series' points, with a gap (None) where buckets are missing (no sample taken)."""
    points: list[tuple[datetime, float | None]] = []
    previous: datetime | None = None
    for b in buckets:
        if previous is not None and b.at - previous > step * 2:
            points.append((previous + step, None))
        points.append((b.at, getattr(b, name)))
        previous = b.at
    return points


@dataclass(frozen=True)
class Summary:
    """The chart's figures in words (for the caption and screen readers)."""

    samples: int
    rx_min: float | None
    rx_avg: float | None


def summarize(buckets: list[Bucket]) -> Summary:
    count = sum(b.samples for b in buckets)
    worst = [b.rx_min for b in buckets if b.rx_min is not None]
    weighted = [(b.rx_avg, b.samples) for b in buckets if b.rx_avg is not None]
    total = sum(n for _, n in weighted)
    avg = round(sum(v * n for v, n in weighted) / total, 2) if total else None
    return Summary(count, min(worst) if worst else None, avg)


def _charts(onu_id: int, hours: int, limits: SignalThresholds, label: str) -> tuple[str, str, Summary]:
    now = datetime.now(UTC)
    with session_scope() as session:
        buckets = history_buckets(session, onu_id, hours, now)
    return (chart_svg(buckets, hours, now, limits, f"RX power, last {label}"), tx_chart_svg(buckets, hours, now),
            summarize(buckets))


# --- pages --------------------------------------------------------------------------------------


@router.get("/console/onus/{onu_id}")
async def onu_page(request: Request, onu_id: int, who: Principal = viewer(P.NETWORK_READ)) -> HTMLResponse:
    chosen = request.query_params.get("range", "24h")
    if chosen not in RANGES:
        raise Invalid(f"bad range: it is one of {', '.join(RANGES)}, not {chosen[:20]!r}")
    view = await run_in_threadpool(load_onu, who, onu_id)
    hours, label = RANGES[chosen]
    svg, tx_svg, summary = await run_in_threadpool(_charts, onu_id, hours, view.limits, label)
    onu = view.onu
    return render(request, "onu_page.html", who, title=onu.name or onu.serial, view=view, onu=onu,
                  live=live_html(view), chart=svg, tx_chart=tx_svg, summary=summary, ranges=RANGES, chosen=chosen,
                  L=OnuLifecycle, **HELPERS)


@router.get("/console/onus/{onu_id}/live")
async def onu_live(request: Request, onu_id: int, who: Principal = viewer(P.NETWORK_READ)) -> Response:
    """SSE: the state/optics fragment every LIVE_INTERVAL_S, for LIVE_LIFETIME_S, then `done`."""
    first = await run_in_threadpool(load_onu, who, onu_id, False)  # missing or out of scope: at once, before any stream

    async def events() -> AsyncIterator[str]:
        deadline = time.monotonic() + LIVE_LIFETIME_S
        html = live_html(first)
        while time.monotonic() < deadline:
            yield sse_event(html)
            await asyncio.sleep(LIVE_INTERVAL_S)
            if await request.is_disconnected():
                return
            try:
                html = live_html(await run_in_threadpool(load_onu, who, onu_id, False))
            except DomainError:
                return  # removed or moved out of scope meanwhile
        yield sse_event(html, "done")

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
