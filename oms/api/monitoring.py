"""Monitoring read API: OLT health and ONU counts, ONU readings with their ages, signal history.

Ages (`status_age_s`, `optical_age_s`) are seconds since the value was last read from the
OLT, so a stale reading shows as such instead of passing for the current state.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from core.access import Permission, Principal, require
from core.db import current_database_url, session_scope
from core.inputs import Id, InputModel, SearchText
from core.models import VendorFamily
from core.paging import Page, PageQuery
from oms.errors import NotFound
from oms.models import Olt, Onu, OnuLifecycle, OnuStatus, PollClass, PollStatus
from oms.monitoring import queries
from oms.monitoring.scheduling import SCHEDULED_CLASSES, poll_now
from oms.scope import check_visible, get_visible

router = APIRouter(prefix="/monitoring", tags=["monitoring"])

MAX_HISTORY_HOURS = 24 * 90


class OnuCounts(BaseModel):
    """Provisioned (active + suspended) ONUs. `offline` is every down state (offline, los,
    dying_gasp, power_off); `low_signal` is online ONUs with rx_dbm at or below the threshold."""

    onus_total: int
    onus_online: int
    onus_offline: int
    onus_los: int
    onus_dying_gasp: int
    onus_unknown: int
    onus_low_signal: int


class OltHealth(OnuCounts):
    id: int
    name: str
    family: VendorFamily
    model: str
    is_active: bool
    zone: str | None
    snmp_enabled: bool
    sys_name: str | None
    sys_descr: str | None
    uptime_s: int | None
    cpu_pct: float | None
    temperature_c: float | None
    health_at: datetime | None
    last_poll_status: PollStatus
    last_poll_error: str | None
    last_poll_at: datetime | None
    last_status_poll_at: datetime | None
    last_optical_poll_at: datetime | None


class OltOverview(BaseModel):
    low_signal_dbm: float
    olts: list[OltHealth]


class PonPortHealth(OnuCounts):
    id: int
    fsp: str
    frame: int
    slot: int
    port: int
    admin_enabled: bool
    oper_status: str | None
    tx_power_dbm: float | None
    status_at: datetime | None


class BoardHealth(BaseModel):
    frame: int
    slot: int
    board_type: str
    status: str
    updated_at: datetime


class OltHealthDetail(OltHealth):
    low_signal_dbm: float
    pon_ports: list[PonPortHealth]
    boards: list[BoardHealth]


class OnuReading(BaseModel):
    id: int
    serial: str
    name: str
    lifecycle_state: OnuLifecycle
    olt_id: int
    olt: str
    pon_port_id: int
    fsp: str
    onu_index: int
    status: OnuStatus
    status_changed_at: datetime | None
    status_read_at: datetime | None
    status_age_s: int | None
    rx_dbm: float | None
    tx_dbm: float | None
    olt_rx_dbm: float | None
    distance_m: int | None
    last_down_cause: str | None
    optical_read_at: datetime | None
    optical_age_s: int | None


class OnuReadingFilter(PageQuery):
    """GET /monitoring/onus: ordered by OLT name and position."""

    olt_id: Id | None = None
    pon_port_id: Id | None = None
    zone: SearchText | None = Field(None, description="zone name of the ONU's OLT")
    status: list[OnuStatus] = Field(default_factory=list, max_length=len(OnuStatus))
    rx_below: float | None = Field(None, ge=-100, le=100, description="only ONUs whose last rx_dbm is below this")
    offline: bool = Field(False, description="only ONUs in a down state (offline, los, dying_gasp, power_off)")


class Sample(BaseModel):
    sampled_at: datetime
    status: OnuStatus | None
    rx_dbm: float | None
    tx_dbm: float | None
    olt_rx_dbm: float | None
    distance_m: int | None


class OnuHistory(BaseModel):
    onu_id: int
    serial: str
    hours: float
    since: datetime
    samples: list[Sample]


LowSignal = Query(None, ge=-60, le=10, description="override of the monitoring.low_signal_dbm setting")


class OltOverviewFilter(InputModel):
    """GET /monitoring/olts (every OLT the caller sees, by name; unknown parameters refused)."""

    low_signal_dbm: float | None = Field(None, ge=-60, le=10,
                                         description="override of the monitoring.low_signal_dbm setting")
    zone: SearchText | None = Field(None, description="zone name")
    family: VendorFamily | None = None


@router.get("/olts", response_model=OltOverview)
def olt_overview(
    query: Annotated[OltOverviewFilter, Query()], who: Principal = require(Permission.NETWORK_READ)
) -> OltOverview:
    with session_scope() as session:
        threshold = queries.low_signal_threshold(session, query.low_signal_dbm)
        rows = queries.olt_overview(session, threshold, zone=query.zone, family=query.family,
                                    visible=who.olt_condition(Olt.id))
        return OltOverview(low_signal_dbm=threshold, olts=[OltHealth(**row) for row in rows])


@router.get("/olts/{olt_id}", response_model=OltHealthDetail)
def olt_health(
    olt_id: int, low_signal_dbm: float | None = LowSignal, who: Principal = require(Permission.NETWORK_READ)
) -> OltHealthDetail:
    check_visible(who, olt_id, "OLT", olt_id)
    with session_scope() as session:
        threshold = queries.low_signal_threshold(session, low_signal_dbm)
        row = queries.olt_detail(session, olt_id, threshold)
        if row is None:
            raise NotFound(f"OLT {olt_id} does not exist")
        return OltHealthDetail(**row, low_signal_dbm=threshold)


@router.get("/onus", response_model=Page[OnuReading])
def onu_readings(
    query: Annotated[OnuReadingFilter, Query()], who: Principal = require(Permission.NETWORK_READ)
) -> Page[OnuReading]:
    flt = queries.OnuFilter(query.olt_id, query.pon_port_id, query.zone, query.status, query.rx_below,
                            query.offline)
    with session_scope() as session:
        count, estimated, rows = queries.onu_page(session, flt, query.limit, query.offset, datetime.now(UTC),
                                                  visible=who.olt_condition(Onu.olt_id))
        return Page[OnuReading](count=count, count_is_estimate=estimated, limit=query.limit, offset=query.offset,
                                results=[OnuReading(**row) for row in rows])


@router.get("/onus/{onu_id}/history", response_model=OnuHistory)
def onu_history(
    onu_id: int, hours: float = Query(24, gt=0, le=MAX_HISTORY_HOURS), who: Principal = require(Permission.NETWORK_READ)
) -> OnuHistory:
    now = datetime.now(UTC)
    with session_scope() as session:
        onu = get_visible(session, who, Onu, onu_id, "ONU")
        samples = queries.onu_history(session, onu_id, hours, now)
        return OnuHistory(
            onu_id=onu_id,
            serial=onu.serial,
            hours=hours,
            since=queries.history_since(now, hours),
            samples=[Sample(**s) for s in samples],
        )


class PollNowClass(enum.StrEnum):
    """The poll classes that run (oms.monitoring.scheduling.SCHEDULED_CLASSES); an
    inventory poll has no collector yet, so it is not offered."""

    STATUS = PollClass.STATUS.value
    OPTICAL = PollClass.OPTICAL.value


assert {PollClass(c.value) for c in PollNowClass} == set(SCHEDULED_CLASSES)


class PollQueued(BaseModel):
    queued: bool
    queue_job_id: int | None
    detail: str


def _queue_poll(olt_id: int, onu_ids: list[int] | None, poll_class: PollNowClass) -> PollQueued:
    job_id = poll_now(current_database_url(), olt_id, onu_ids, poll_class.value)
    if job_id is None:
        return PollQueued(queued=False, queue_job_id=None, detail="an identical poll is already waiting")
    return PollQueued(queued=True, queue_job_id=job_id, detail="poll queued under the OLT's SNMP lock")


@router.post("/olts/{olt_id}/poll", response_model=PollQueued, status_code=202)
def poll_olt_now(
    olt_id: int, poll_class: PollNowClass = PollNowClass.STATUS, who: Principal = require(Permission.ONU_DIAGNOSE)
) -> PollQueued:
    """Poll one OLT now (status: ONU states + OLT health; optical: per-ONU power)."""
    with session_scope() as session:
        get_visible(session, who, Olt, olt_id, "OLT")
    return _queue_poll(olt_id, None, poll_class)


@router.post("/onus/{onu_id}/poll", response_model=PollQueued, status_code=202)
def poll_onu_now(
    onu_id: int, poll_class: PollNowClass = PollNowClass.OPTICAL, who: Principal = require(Permission.ONU_DIAGNOSE)
) -> PollQueued:
    """Read just this ONU's values (exact GETs, no walk of the OLT's tables)."""
    with session_scope() as session:
        onu = session.get(Onu, onu_id)
        if onu is None or onu.olt_id is None or not who.sees_olt(onu.olt_id):
            raise NotFound(f"ONU {onu_id} does not exist or is on no OLT")
        olt_id = onu.olt_id
    return _queue_poll(olt_id, [onu_id], poll_class)
