"""The dashboard: the SmartOLT cards (waiting authorization, online, offline by cause, low
signal by band), OLT health, PON outages, recent jobs and failures, ONUs waiting.

The frame is light; each part is a fragment (`data-src`, refreshed every 30 s) built from one
aggregate or one LIMITed query, scoped to the viewer's OLTs. Card links open the ONU list with
the filters that select exactly the ONUs counted (`console.lists` shares the conditions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from console.lists import (
    HELPERS,
    MONITORED,
    band_condition,
    job_statement,
    run_status,
    scoped,
    signal_thresholds,
)
from console.web import fragment, render, viewer
from core.access import Permission, Principal
from core.db import session_scope
from oms.models import Job, JobStatus, Olt, Onu, OnuLifecycle, OnuStatus, PonPort
from oms.monitoring import queries

router = APIRouter(include_in_schema=False)

REFRESH_S = 30
RECENT_ROWS = 10
#: a port is in outage when at least this many of its ONUs are down, and at least half of them
OUTAGE_MIN_DOWN = 2
#: LOS on many ONUs of a port within this window: one event upstream of the splitter (a fibre cut)
AT_ONCE_S = 600
FAILED_JOBS = (JobStatus.FAILED, JobStatus.NEEDS_RECONCILE, JobStatus.COMPENSATED)
PARTS = ("cards", "olts", "outages", "jobs", "waiting")


@router.get("/")
def dashboard(request: Request, who: Principal = viewer(Permission.NETWORK_READ)) -> HTMLResponse:
    return render(request, "dashboard.html", who, title="Dashboard", parts=PARTS, refresh=REFRESH_S)


# --- cards ----------------------------------------------------------------------------------------


def _count(condition: ColumnElement[bool]) -> Any:
    return func.count().filter(condition)


def card_counts(session: Session, who: Principal) -> dict[str, int]:
    """Every card's number and split in one aggregate over the viewer's ONUs."""
    limits = signal_thresholds(session)
    online = run_status("online")
    stmt = select(
        _count(Onu.lifecycle_state == OnuLifecycle.DISCOVERED).label("waiting"),
        _count(online).label("online"),
        *(_count(run_status(name)).label(name) for name in ("offline", "power_fail", "los", "offline_unknown")),
        _count(and_(online, band_condition("low", limits))).label("low"),
        _count(and_(online, band_condition("warning", limits))).label("warning"),
        _count(and_(online, band_condition("critical", limits))).label("critical"),
    ).where(Onu.lifecycle_state.in_([*queries.MONITORED_STATES, OnuLifecycle.DISCOVERED]))
    row = session.execute(scoped(stmt, who, Onu.olt_id)).mappings().one()
    return {**row, "warning_dbm": limits.warning, "critical_dbm": limits.critical}


@router.get("/console/dashboard/cards")
def cards(request: Request, who: Principal = viewer(Permission.NETWORK_READ)) -> HTMLResponse:
    with session_scope() as session:
        counts = card_counts(session, who)
    return fragment(request, "dashboard_cards.html", c=counts)


# --- OLTs -----------------------------------------------------------------------------------------


@router.get("/console/dashboard/olts")
def olts(request: Request, who: Principal = viewer(Permission.NETWORK_READ)) -> HTMLResponse:
    with session_scope() as session:
        rows = queries.olt_overview(session, signal_thresholds(session).warning, visible=who.olt_condition(Olt.id))
    return fragment(request, "dashboard_olts.html", olt_rows=rows,
                    olt_caption=f"{len(rows)} OLT{'' if len(rows) == 1 else 's'}", **HELPERS)


# --- PON outages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outage:
    olt_id: int
    olt: str
    pon_port_id: int
    fsp: str
    onus: int
    down: int
    los: int
    power_fail: int
    other: int
    since: datetime | None
    los_spread_s: float | None

    @property
    def cause(self) -> str:
        return probable_cause(self.los, self.power_fail, self.other, self.los_spread_s)


def probable_cause(los: int, power_fail: int, other: int, los_spread_s: float | None) -> str:
    """Why a port's ONUs went down together: most in dying gasp → the area lost power; most in
    LOS at once → the light stopped upstream of the splitter (a fibre cut)."""
    down = los + power_fail + other
    if power_fail * 2 > down:
        return "power outage (dying gasp)"
    if los * 2 > down:
        if los_spread_s is None or los_spread_s <= AT_ONCE_S:
            return "fibre cut (loss of signal at once)"
        return "loss of signal, not at once (several drops or a degrading fibre)"
    return "unknown (mixed causes)"


def _los_at(column: Any) -> Any:
    return column(Onu.status_changed_at).filter(Onu.status == OnuStatus.LOS)


def outages(session: Session, who: Principal, limit: int = 20) -> list[Outage]:
    """Ports where at least half the provisioned ONUs (and OUTAGE_MIN_DOWN) are down, worst first:
    one aggregate grouped by port, over the ports with OUTAGE_MIN_DOWN ONUs down only (found
    first: the (pon_port_id, onu_index) index then reads just their ONUs, not all 100,000)."""
    down = _count(Onu.status.in_(queries.DOWN_STATES))
    ports_down = session.execute(scoped(
        select(Onu.pon_port_id).where(MONITORED, Onu.status.in_(queries.DOWN_STATES))
        .group_by(Onu.pon_port_id).having(func.count() >= OUTAGE_MIN_DOWN), who, Onu.olt_id)).scalars().all()
    if not ports_down:
        return []
    stmt = (
        select(
            Onu.pon_port_id, func.count().label("onus"), down.label("down"),
            _count(Onu.status == OnuStatus.LOS).label("los"),
            _count(Onu.status.in_([OnuStatus.DYING_GASP, OnuStatus.POWER_OFF])).label("power_fail"),
            _count(Onu.status == OnuStatus.OFFLINE).label("other"),
            func.min(Onu.status_changed_at).filter(Onu.status.in_(queries.DOWN_STATES)).label("since"),
            _los_at(func.min).label("los_first"), _los_at(func.max).label("los_last"),
        )
        .where(MONITORED, Onu.pon_port_id.in_(ports_down))
        .group_by(Onu.pon_port_id)
        .having(and_(down >= OUTAGE_MIN_DOWN, down * 2 >= func.count()))
    )
    counts = scoped(stmt, who, Onu.olt_id).subquery()
    rows = session.execute(
        select(counts, PonPort.frame, PonPort.slot, PonPort.port, Olt.id.label("olt_id"), Olt.name.label("olt"))
        .join(PonPort, PonPort.id == counts.c.pon_port_id)
        .join(Olt, Olt.id == PonPort.olt_id)
        .order_by(counts.c.down.desc(), Olt.name, PonPort.frame, PonPort.slot, PonPort.port)
        .limit(limit)
    ).mappings()
    return [
        Outage(r["olt_id"], r["olt"], r["pon_port_id"], f"{r['frame']}/{r['slot']}/{r['port']}", r["onus"],
               r["down"], r["los"], r["power_fail"], r["other"], r["since"],
               None if r["los_first"] is None else (r["los_last"] - r["los_first"]).total_seconds())
        for r in rows
    ]


@router.get("/console/dashboard/outages")
def outage_table(request: Request, who: Principal = viewer(Permission.NETWORK_READ)) -> HTMLResponse:
    with session_scope() as session:
        rows = outages(session, who)
    return fragment(request, "dashboard_outages.html", outages=rows, **HELPERS)


# --- jobs and waiting ONUs --------------------------------------------------------------------------


@router.get("/console/dashboard/jobs")
def jobs(request: Request, who: Principal = viewer(Permission.NETWORK_READ)) -> HTMLResponse:
    recent = job_statement(who, "", "", None).order_by(Job.id.desc()).limit(RECENT_ROWS)
    failed = job_statement(who, "", "", None).where(Job.status.in_(FAILED_JOBS)).order_by(Job.id.desc()) \
        .limit(RECENT_ROWS)
    with session_scope() as session:
        recent_rows, failed_rows = session.execute(recent).all(), session.execute(failed).all()
    return fragment(request, "dashboard_jobs.html", recent=recent_rows, failed=failed_rows, **HELPERS)


@router.get("/console/dashboard/waiting")
def waiting(request: Request, who: Principal = viewer(Permission.NETWORK_READ)) -> HTMLResponse:
    """Unconfigured ONUs (seen in autofind, not authorized) on every OLT, newest first."""
    stmt = (
        select(Onu.id, Onu.serial, Onu.equipment_id, Onu.vendor_id, Onu.discovered_at, Onu.last_seen_at,
               Onu.olt_id, Olt.name.label("olt"), PonPort.frame, PonPort.slot, PonPort.port)
        .join(Olt, Olt.id == Onu.olt_id)
        .outerjoin(PonPort, PonPort.id == Onu.pon_port_id)
        .where(Onu.lifecycle_state == OnuLifecycle.DISCOVERED)
        .order_by(Onu.discovered_at.desc().nulls_last(), Onu.id.desc())
        .limit(RECENT_ROWS)
    )
    with session_scope() as session:
        rows = session.execute(scoped(stmt, who, Onu.olt_id)).all()
    return fragment(request, "dashboard_waiting.html", rows=rows, **HELPERS)
