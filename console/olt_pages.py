"""The OLT page (`/console/olts/{id}`): identity, connection and SNMP status, boards, PON ports
with ONU counts and average signal, and the OLT's unconfigured ONUs with an Authorize form.

What the page shows comes from the API's own functions (oms.api.olts, oms.api.monitoring), so
scope (another zone's OLT is a 404) and the unconfigured-ONU rule are the API's. The Authorize
form calls `POST /onus/by-serial/{serial}/authorize` from the browser (console.js: preview with
a dry run, then send, then follow the job's stream); it carries what that API takes: the ONU
type and the service plan (the plan selects the OLT profiles and VLANs). Name, VLAN override
and address are not taken by the authorize API (see the form's note)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.web import render, viewer
from core.access import Permission, Principal
from core.db import session_scope
from core.models import VendorFamily
from crm.models import ServicePlan
from oms.api import monitoring
from oms.api import olts as olts_api
from oms.models import Job, JobKind, Onu, OnuStatus, OnuType, OnuTypeOltMapping, PlanOltProfile
from oms.monitoring.queries import MONITORED_STATES
from oms.schemas import OltOut, OnuOut

router = APIRouter(include_in_schema=False)
P = Permission

#: the OLT-wide jobs whose latest outcome the page shows (connection, discovery)
STATUS_JOBS = (JobKind.TEST_CONNECTION, JobKind.DISCOVER)


@dataclass(frozen=True)
class Choice:
    id: int
    label: str


@dataclass(frozen=True)
class AuthorizeChoices:
    """What the Authorize form offers on this OLT: ONU types mapped for its family, plans with
    OLT profiles for its family (others would fail the plan check anyway)."""

    onu_types: list[Choice]
    plans: list[Choice]

    def onu_type_for(self, onu: OnuOut) -> int | None:
        """The ONU's own type (matched from its equipment id at discovery), else the first offered."""
        offered = {c.id for c in self.onu_types}
        if onu.onu_type_id in offered:
            return onu.onu_type_id
        return self.onu_types[0].id if self.onu_types else None

    def plan_for(self, onu: OnuOut) -> int | None:
        """The plan chosen for the ONU already (pre-provisioning), else the first offered."""
        chosen = onu.desired.get("plan_id")
        if chosen in {c.id for c in self.plans}:
            return int(chosen)
        return self.plans[0].id if self.plans else None


@router.get("/console/olts/{olt_id}")
async def olt_page(request: Request, olt_id: int, who: Principal = viewer(P.NETWORK_READ)) -> HTMLResponse:
    olt: OltOut = await run_in_threadpool(olts_api.get_olt, olt_id, who)  # 404 out of scope
    health = await run_in_threadpool(monitoring.olt_health, olt_id, None, who)
    unconfigured: list[OnuOut] = await olts_api.unconfigured_onus(olt_id, refresh=False, wait=0.0, who=who)
    context = await run_in_threadpool(_page_context, olt_id, olt.family, who)
    fsp_of = {port.id: port.fsp for port in health.pon_ports}
    return render(request, "olt_page.html", who, title=olt.name, olt=olt, health=health,
                  unconfigured=unconfigured, fsp_of=fsp_of, uptime=uptime_text, **context)


def uptime_text(seconds: int | None) -> str:
    """'12 d 3 h' for an uptime read by SNMP; an em dash when never read."""
    if seconds is None:
        return "—"
    days, rest = divmod(int(seconds), 86400)
    return f"{days} d {rest // 3600} h" if days else f"{rest // 3600} h {rest % 3600 // 60} min"


def _page_context(olt_id: int, family: VendorFamily, who: Principal) -> dict[str, Any]:
    with session_scope() as session:
        context: dict[str, Any] = {
            "avg_rx": _average_rx_by_port(session, olt_id),
            "last_jobs": _last_jobs(session, olt_id),
        }
        if who.can(P.ONU_PROVISION):
            context["choices"] = _authorize_choices(session, family)
    return context


def _average_rx_by_port(session: Session, olt_id: int) -> dict[int, float]:
    """Average RX power of each port's online, provisioned ONUs (one grouped query). Offline
    ONUs keep their last, stale reading: they would distort the average."""
    rows = session.execute(
        select(Onu.pon_port_id, func.avg(Onu.rx_dbm))
        .where(Onu.olt_id == olt_id, Onu.lifecycle_state.in_(MONITORED_STATES), Onu.status == OnuStatus.ONLINE,
               Onu.rx_dbm.is_not(None))
        .group_by(Onu.pon_port_id)
    ).tuples()
    return {port_id: float(avg) for port_id, avg in rows if port_id is not None}


def _last_jobs(session: Session, olt_id: int) -> dict[str, Job]:
    """The latest connection test and discovery of the OLT, by kind."""
    latest: dict[str, Job] = {}
    for kind in STATUS_JOBS:
        job = session.scalars(select(Job).where(Job.olt_id == olt_id, Job.kind == kind)
                              .order_by(Job.id.desc()).limit(1)).first()
        if job is not None:
            latest[kind.value] = job
    return latest


def _authorize_choices(session: Session, family: VendorFamily) -> AuthorizeChoices:
    types = session.execute(
        select(OnuType.id, OnuType.vendor, OnuType.model).join(OnuTypeOltMapping)
        .where(OnuTypeOltMapping.vendor_family == family).order_by(OnuType.vendor, OnuType.model)
    ).all()
    plans = session.execute(
        select(ServicePlan.id, ServicePlan.name).join(PlanOltProfile, PlanOltProfile.plan_id == ServicePlan.id)
        .where(ServicePlan.is_active.is_(True), PlanOltProfile.vendor_family == family).order_by(ServicePlan.name)
    ).all()
    return AuthorizeChoices([Choice(t.id, f"{t.vendor} {t.model}") for t in types],
                            [Choice(p.id, p.name) for p in plans])
