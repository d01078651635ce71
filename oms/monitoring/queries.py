"""Read side of monitoring: OLT health with ONU counts, ONU readings with their ages, history.

Counts come from one aggregate per request (COUNT ... FILTER grouped by OLT or port),
never a query per OLT. Only provisioned ONUs (active or suspended) are monitored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from core.paging import count_of
from core.system_settings import get_setting
from oms.models import (
    Olt,
    OltBoard,
    OltSnmpSettings,
    Onu,
    OnuLifecycle,
    OnuSample,
    OnuStatus,
    PonPort,
    Zone,
)

LOW_SIGNAL_SETTING = "monitoring.low_signal_dbm"
DEFAULT_LOW_SIGNAL_DBM = -27.0
MONITORED_STATES = (OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED)
#: every way of being down; `offline` in counts and filters means any of them
DOWN_STATES = (OnuStatus.OFFLINE, OnuStatus.LOS, OnuStatus.DYING_GASP, OnuStatus.POWER_OFF)


def low_signal_threshold(session: Session, override: float | None = None) -> float:
    if override is not None:
        return override
    return float(get_setting(session, LOW_SIGNAL_SETTING, DEFAULT_LOW_SIGNAL_DBM))


# --- OLTs -------------------------------------------------------------------------------------


def _count_columns(threshold: float) -> list[ColumnElement[int]]:
    online = Onu.status == OnuStatus.ONLINE
    return [
        func.count().label("onus_total"),
        func.count().filter(online).label("onus_online"),
        func.count().filter(Onu.status.in_(DOWN_STATES)).label("onus_offline"),
        func.count().filter(Onu.status == OnuStatus.LOS).label("onus_los"),
        func.count().filter(Onu.status == OnuStatus.DYING_GASP).label("onus_dying_gasp"),
        func.count().filter(Onu.status == OnuStatus.UNKNOWN).label("onus_unknown"),
        # Only online ONUs: an offline ONU keeps its last (stale) reading and is counted as offline already.
        func.count().filter(online & (Onu.rx_dbm <= threshold)).label("onus_low_signal"),
    ]


COUNT_NAMES = (
    "onus_total",
    "onus_online",
    "onus_offline",
    "onus_los",
    "onus_dying_gasp",
    "onus_unknown",
    "onus_low_signal",
)


def _counts_by(key: Any, threshold: float) -> Subquery:
    return (
        select(key.label("key"), *_count_columns(threshold))
        .where(Onu.lifecycle_state.in_(MONITORED_STATES))
        .group_by(key)
        .subquery()
    )


def _olt_statement(threshold: float) -> Select[*tuple[Any, ...]]:
    counts = _counts_by(Onu.olt_id, threshold)
    return (
        select(
            Olt.id,
            Olt.name,
            Olt.family,
            Olt.model,
            Olt.is_active,
            Zone.name.label("zone"),
            func.coalesce(OltSnmpSettings.enabled, False).label("snmp_enabled"),
            Olt.sys_name,
            Olt.sys_descr,
            Olt.uptime_s,
            Olt.cpu_pct,
            Olt.temperature_c,
            Olt.health_at,
            Olt.last_poll_status,
            Olt.last_poll_error,
            Olt.last_poll_at,
            Olt.last_status_poll_at,
            Olt.last_optical_poll_at,
            *(func.coalesce(counts.c[name], 0).label(name) for name in COUNT_NAMES),
        )
        .outerjoin(counts, counts.c.key == Olt.id)
        .outerjoin(Zone, Zone.id == Olt.zone_id)
        .outerjoin(OltSnmpSettings, OltSnmpSettings.olt_id == Olt.id)
    )


def olt_overview(
    session: Session, threshold: float, zone: str | None = None, family: str | None = None,
    visible: ColumnElement[bool] | None = None,
) -> list[dict[str, Any]]:
    """Every OLT's health, last poll and ONU counts, in one statement; `visible`: a condition
    on Olt.id keeping the OLTs the caller may see."""
    stmt = _olt_statement(threshold).order_by(Olt.name)
    if visible is not None:
        stmt = stmt.where(visible)
    if zone is not None:
        stmt = stmt.where(Zone.name == zone)
    if family is not None:
        stmt = stmt.where(Olt.family == family)
    return [dict(row) for row in session.execute(stmt).mappings()]


def olt_detail(session: Session, olt_id: int, threshold: float) -> dict[str, Any] | None:
    """One OLT as in the overview, plus its PON ports (with ONU counts) and boards."""
    row = session.execute(_olt_statement(threshold).where(Olt.id == olt_id)).mappings().first()
    if row is None:
        return None
    return {**row, "pon_ports": _ports(session, olt_id, threshold), "boards": _boards(session, olt_id)}


def _ports(session: Session, olt_id: int, threshold: float) -> list[dict[str, Any]]:
    counts = _counts_by(Onu.pon_port_id, threshold)
    stmt = (
        select(
            PonPort.id,
            PonPort.frame,
            PonPort.slot,
            PonPort.port,
            PonPort.admin_enabled,
            PonPort.oper_status,
            PonPort.tx_power_dbm,
            PonPort.status_at,
            *(func.coalesce(counts.c[name], 0).label(name) for name in COUNT_NAMES),
        )
        .outerjoin(counts, counts.c.key == PonPort.id)
        .where(PonPort.olt_id == olt_id)
        .order_by(PonPort.frame, PonPort.slot, PonPort.port)
    )
    return [
        {**row, "fsp": f"{row['frame']}/{row['slot']}/{row['port']}"}
        for row in session.execute(stmt).mappings()
    ]


def _boards(session: Session, olt_id: int) -> list[dict[str, Any]]:
    stmt = (
        select(OltBoard.frame, OltBoard.slot, OltBoard.board_type, OltBoard.status, OltBoard.updated_at)
        .where(OltBoard.olt_id == olt_id)
        .order_by(OltBoard.frame, OltBoard.slot)
    )
    return [dict(row) for row in session.execute(stmt).mappings()]


# --- ONUs -------------------------------------------------------------------------------------


@dataclass
class OnuFilter:
    olt_id: int | None = None
    pon_port_id: int | None = None
    zone: str | None = None
    statuses: Sequence[OnuStatus] = field(default_factory=list)
    rx_below: float | None = None
    offline: bool = False


def _onu_statement(flt: OnuFilter) -> Select[*tuple[Any, ...]]:
    stmt = (
        select(
            Onu.id,
            Onu.serial,
            Onu.name,
            Onu.lifecycle_state,
            Onu.olt_id,
            Olt.name.label("olt"),
            Onu.pon_port_id,
            PonPort.frame,
            PonPort.slot,
            PonPort.port,
            Onu.onu_index,
            Onu.status,
            Onu.status_changed_at,
            Onu.status_read_at,
            Onu.rx_dbm,
            Onu.tx_dbm,
            Onu.olt_rx_dbm,
            Onu.distance_m,
            Onu.last_down_cause,
            Onu.optical_read_at,
        )
        .join(PonPort, PonPort.id == Onu.pon_port_id)
        .join(Olt, Olt.id == Onu.olt_id)
        .where(Onu.lifecycle_state.in_(MONITORED_STATES))
    )
    return _filtered(stmt, flt)


def _filtered(stmt: Select[*tuple[Any, ...]], flt: OnuFilter) -> Select[*tuple[Any, ...]]:
    if flt.olt_id is not None:
        stmt = stmt.where(Onu.olt_id == flt.olt_id)
    if flt.pon_port_id is not None:
        stmt = stmt.where(Onu.pon_port_id == flt.pon_port_id)
    if flt.zone is not None:
        stmt = stmt.join(Zone, Zone.id == Olt.zone_id).where(Zone.name == flt.zone)
    if flt.statuses:
        stmt = stmt.where(Onu.status.in_(flt.statuses))
    if flt.offline:
        stmt = stmt.where(Onu.status.in_(DOWN_STATES))
    if flt.rx_below is not None:
        stmt = stmt.where(Onu.rx_dbm < flt.rx_below)
    return stmt


def _age_s(now: datetime, then: datetime | None) -> int | None:
    return None if then is None else max(0, int((now - then).total_seconds()))


def _onu_row(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        **row,
        "fsp": f"{row['frame']}/{row['slot']}/{row['port']}",
        "status_age_s": _age_s(now, row["status_read_at"]),
        "optical_age_s": _age_s(now, row["optical_read_at"]),
    }


def onu_page(
    session: Session, flt: OnuFilter, limit: int, offset: int, now: datetime,
    visible: ColumnElement[bool] | None = None,
) -> tuple[int, bool, list[dict[str, Any]]]:
    """(matching count, whether it is an estimate, one page of ONU readings ordered by OLT and
    position); `visible`: a condition on Onu.olt_id keeping the ONUs the caller may see. The count
    is core.paging's: exact up to its limit, the planner's estimate beyond; the last page counts
    itself."""
    stmt = _onu_statement(flt)
    if visible is not None:
        stmt = stmt.where(visible)
    page = stmt.order_by(Olt.name, PonPort.frame, PonPort.slot, PonPort.port, Onu.onu_index, Onu.id)
    rows = [_onu_row(dict(row), now) for row in session.execute(page.limit(limit).offset(offset)).mappings()]
    if (rows and len(rows) < limit) or (not rows and offset == 0):
        return offset + len(rows), False, rows
    count, estimated = count_of(session, stmt)
    return max(count, offset + len(rows)) if estimated else count, estimated, rows


def history_statement(onu_id: int, since: datetime) -> Select[*tuple[Any, ...]]:
    # Plain comparisons on both index columns, so the (onu_id, sampled_at) index serves filter and order.
    return (
        select(
            OnuSample.sampled_at,
            OnuSample.status,
            OnuSample.rx_dbm,
            OnuSample.tx_dbm,
            OnuSample.olt_rx_dbm,
            OnuSample.distance_m,
        )
        .where(OnuSample.onu_id == onu_id, OnuSample.sampled_at >= since)
        .order_by(OnuSample.sampled_at)
    )


def history_since(now: datetime, hours: float) -> datetime:
    return now - timedelta(hours=hours)


def onu_history(session: Session, onu_id: int, hours: float, now: datetime) -> list[dict[str, Any]]:
    """The ONU's samples of the last `hours`, oldest first."""
    stmt = history_statement(onu_id, history_since(now, hours))
    return [dict(row) for row in session.execute(stmt).mappings()]
