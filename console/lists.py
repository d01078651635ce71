"""Console lists: ONUs, OLTs and jobs, paged and sorted on the server (the one console way:
`list_window`, `Listing`), scoped to the viewer's OLTs.

The ONU list is one SELECT with LIMIT; its count is exact up to 10,000 rows and the planner's
estimate beyond (`count_of`). Filters come from the page's query; a bad value is a 422 page
naming it, never an unfiltered list. Signal bands use the monitoring thresholds
(`signal_thresholds`), so the dashboard's cards and the lists they link to always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from console.web import Listing, list_window, render, viewer
from core.access import Permission, Principal
from core.db import session_scope
from core.errors import Invalid
from core.models import VendorFamily
from core.paging import EXACT_COUNT_LIMIT, count_of
from core.system_settings import get_setting
from oms.models import (
    Job,
    JobKind,
    JobStatus,
    Olt,
    Onu,
    OnuLifecycle,
    OnuStatus,
    OnuType,
    PollStatus,
    PonPort,
    Zone,
)
from oms.monitoring import queries

router = APIRouter(include_in_schema=False)
#: a list's count is exact up to this many rows, the planner's estimate beyond (flagged "about")
COUNT_LIMIT = EXACT_COUNT_LIMIT
S = TypeVar("S", bound=Select[*tuple[Any, ...]])

# --- signal bands -------------------------------------------------------------------------------

#: optional System Setting; without it "critical" is CRITICAL_MARGIN_DB below the low-signal one
CRITICAL_SIGNAL_SETTING = "monitoring.critical_signal_dbm"
#: 3 dB is half the optical power: a link that far below "low" is at the receiver's limit
CRITICAL_MARGIN_DB = 3.0
BANDS = ("ok", "warning", "critical", "low", "none")


@dataclass(frozen=True)
class SignalThresholds:
    """RX power at or below `warning` is low (the monitoring.low_signal_dbm setting the API's
    `onus_low_signal` counts use); at or below `critical`, critical."""

    warning: float
    critical: float


def signal_thresholds(session: Session) -> SignalThresholds:
    warning = queries.low_signal_threshold(session)
    critical = float(get_setting(session, CRITICAL_SIGNAL_SETTING, warning - CRITICAL_MARGIN_DB))
    return SignalThresholds(warning, min(critical, warning))


def band_condition(band: str, limits: SignalThresholds) -> ColumnElement[bool]:
    rx = Onu.rx_dbm
    return {
        "ok": rx > limits.warning,
        "warning": and_(rx <= limits.warning, rx > limits.critical),
        "critical": rx <= limits.critical,
        "low": rx <= limits.warning,
        "none": rx.is_(None),
    }[band]


# --- ONU run status -----------------------------------------------------------------------------

#: a dying gasp is the ONU telling it lost power; power_off the OLT saying so
POWER_FAIL = (OnuStatus.DYING_GASP, OnuStatus.POWER_OFF)
#: the run-status filter (and the dashboard's cards): only provisioned ONUs have a run status
STATUS_FILTERS: dict[str, tuple[str, ColumnElement[bool]]] = {
    "online": ("online", Onu.status == OnuStatus.ONLINE),
    "offline": ("offline (any cause)", Onu.status.in_(queries.DOWN_STATES)),
    "power_fail": ("offline: power fail", Onu.status.in_(POWER_FAIL)),
    "los": ("offline: loss of signal", Onu.status == OnuStatus.LOS),
    "offline_unknown": ("offline: cause unknown", Onu.status == OnuStatus.OFFLINE),
    "unknown": ("not read yet", Onu.status == OnuStatus.UNKNOWN),
}
MONITORED = Onu.lifecycle_state.in_(queries.MONITORED_STATES)


def run_status(name: str) -> ColumnElement[bool]:
    return and_(MONITORED, STATUS_FILTERS[name][1])


# --- query parameters -------------------------------------------------------------------------


def _param(request: Request, name: str) -> str:
    return request.query_params.get(name, "").strip()


def _choice(request: Request, name: str, allowed: Sequence[str]) -> str:
    value = _param(request, name)
    if value and value not in allowed:
        raise Invalid(f"bad filter value: {name} must be one of {', '.join(allowed)}, not {value[:40]!r}")
    return value


def _id(request: Request, name: str, alias: str = "") -> int | None:
    value = _param(request, name) or (_param(request, alias) if alias else "")
    if not value:
        return None
    if not value.isdigit() or int(value) > 2_147_483_647:
        raise Invalid(f"bad filter value: {name} must be a row id, not {value[:40]!r}")
    return int(value)


def _text(request: Request, name: str, max_length: int = 64) -> str:
    value = _param(request, name)
    if len(value) > max_length or "\x00" in value:
        raise Invalid(f"bad filter value: {name} is at most {max_length} characters of text")
    return value


def scoped(stmt: S, who: Principal, olt_id_column: Any) -> S:
    """`stmt` keeping the rows of the viewer's OLTs (as oms.scope.visible_only, for typed selects)."""
    condition = who.olt_condition(olt_id_column)
    return stmt if condition is None else stmt.where(condition)


def _params(**values: object) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in values.items()}


def _order(keys: Sequence[Any], descending: bool, tie: Any) -> list[Any]:
    """ORDER BY the sort key's columns, then `tie`, all in one direction (stable pages).

    A NOT NULL column of the listed table is ordered plainly, so that a btree index on it
    serves both directions (read backwards for DESC); a nullable one (or one of an outer-joined
    table) keeps its missing values last either way."""
    return [_direction(c, descending) for c in (*keys, tie)]


#: the tables the lists page through (the others are outer-joined: their columns may be NULL)
_LISTED_TABLES = (Onu.__table__, Job.__table__)


def _direction(column: Any, descending: bool) -> Any:
    ordered = column.desc() if descending else column.asc()
    plain = getattr(column, "nullable", True) is False and column.table in _LISTED_TABLES
    return ordered if plain else ordered.nulls_last()


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """'4 min ago' for a past time; an em dash for never."""
    if when is None:
        return "—"
    return duration(((now or datetime.now(UTC)) - when).total_seconds()) + " ago"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0.0, seconds)
    parts = [(86400, "d"), (3600, "h"), (60, "min")]
    for i, (size, unit) in enumerate(parts):
        if seconds >= size:
            text = f"{int(seconds // size)} {unit}"
            if i + 1 < len(parts) and unit != "min":
                rest = int(seconds % size // parts[i + 1][0])
                text += f" {rest} {parts[i + 1][1]}" if rest else ""
            return text
    return f"{int(seconds)} s"


HELPERS: dict[str, Any] = {"ago": ago, "duration": duration}


# --- ONUs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnuQuery:
    """The ONU list's filters, as given in the page's query string."""

    olt: int | None = None
    port: int | None = None
    zone: int | None = None
    state: str = ""
    status: str = ""
    band: str = ""
    type: int | None = None
    q: str = ""

    @classmethod
    def from_request(cls, request: Request) -> OnuQuery:
        return cls(
            olt=_id(request, "olt", "olt_id"), port=_id(request, "port", "pon_port_id"), zone=_id(request, "zone"),
            state=_choice(request, "state", [s.value for s in OnuLifecycle]),
            status=_choice(request, "status", list(STATUS_FILTERS)),
            band=_choice(request, "band", BANDS), type=_id(request, "type"), q=_text(request, "q"),
        )

    def params(self) -> dict[str, str]:
        return _params(olt=self.olt, port=self.port, zone=self.zone, state=self.state, status=self.status,
                       band=self.band, type=self.type, q=self.q)


ONU_SORTS: dict[str, tuple[Any, ...]] = {
    "id": (),
    "serial": (Onu.serial,),
    "name": (Onu.name,),
    "olt": (Olt.name, PonPort.frame, PonPort.slot, PonPort.port, Onu.onu_index),
    "state": (Onu.lifecycle_state,),
    "status": (Onu.status,),
    "rx": (Onu.rx_dbm,),
    "changed": (Onu.status_changed_at,),
}


def onu_conditions(flt: OnuQuery, limits: SignalThresholds) -> list[ColumnElement[bool]]:
    """WHERE conditions of the ONU list. Run status and signal band concern provisioned ONUs
    only (as the dashboard counts them); without a lifecycle filter removed ONUs are left out."""
    conditions: list[ColumnElement[bool]] = []
    for column, value in ((Onu.olt_id, flt.olt), (Onu.pon_port_id, flt.port), (Olt.zone_id, flt.zone),
                          (Onu.onu_type_id, flt.type)):
        if value is not None:
            conditions.append(column == value)
    conditions.append(Onu.lifecycle_state == flt.state if flt.state
                      else Onu.lifecycle_state != OnuLifecycle.REMOVED)
    if flt.status:
        conditions.append(run_status(flt.status))
    if flt.band:
        conditions += [MONITORED, band_condition(flt.band, limits)]
    if flt.q:
        # The serial is stored upper-case and has a trigram index (LIKE '%x%' uses it); the
        # name has none yet (ILIKE on it reads every row the other filters leave).
        conditions.append(or_(Onu.serial.contains(flt.q.upper(), autoescape=True),
                              Onu.name.icontains(flt.q, autoescape=True)))
    return conditions


def onu_statement(who: Principal, flt: OnuQuery, limits: SignalThresholds) -> Select[*tuple[Any, ...]]:
    stmt = (
        select(Onu.id, Onu.serial, Onu.name, Onu.description, Onu.lifecycle_state, Onu.status,
               Onu.status_changed_at, Onu.rx_dbm, Onu.onu_index, Onu.olt_id, Onu.equipment_id,
               Olt.name.label("olt"), PonPort.frame, PonPort.slot, PonPort.port,
               OnuType.model.label("onu_type"))
        .outerjoin(Olt, Olt.id == Onu.olt_id)
        .outerjoin(PonPort, PonPort.id == Onu.pon_port_id)
        .outerjoin(OnuType, OnuType.id == Onu.onu_type_id)
        .where(*onu_conditions(flt, limits))
    )
    return scoped(stmt, who, Onu.olt_id)


def _onu_options(session: Session, who: Principal, olt_id: int | None) -> dict[str, Any]:
    """The filter form's choices: only the viewer's OLTs, their zones and (for the OLT chosen) ports."""
    olts = session.execute(scoped(select(Olt.id, Olt.name, Olt.zone_id), who, Olt.id)
                           .order_by(Olt.name)).all()
    zone_ids = {o.zone_id for o in olts if o.zone_id is not None}
    zones = session.execute(select(Zone.id, Zone.name).where(Zone.id.in_(zone_ids)).order_by(Zone.name)).all()
    ports = [] if olt_id is None or not who.sees_olt(olt_id) else session.execute(
        select(PonPort.id, PonPort.frame, PonPort.slot, PonPort.port).where(PonPort.olt_id == olt_id)
        .order_by(PonPort.frame, PonPort.slot, PonPort.port)).all()
    types = session.execute(select(OnuType.id, OnuType.vendor, OnuType.model)
                            .order_by(OnuType.vendor, OnuType.model)).all()
    return {"olts": olts, "zones": zones, "ports": ports, "types": types}


@router.get("/console/onus")
def onu_list(request: Request, who: Principal = viewer(Permission.NETWORK_READ)) -> HTMLResponse:
    flt = OnuQuery.from_request(request)
    sort, descending, offset, limit = list_window(request, tuple(ONU_SORTS), "id", True)
    with session_scope() as session:
        limits = signal_thresholds(session)
        stmt = onu_statement(who, flt, limits)
        count, estimated = count_of(session, stmt, COUNT_LIMIT)
        page = stmt.order_by(*_order(ONU_SORTS[sort], descending, Onu.id)).limit(limit).offset(offset)
        rows = list(session.execute(page).all())
        if estimated:  # the planner's estimate may fall short of the rows already paged through
            count = max(count, offset + len(rows))
        options = _onu_options(session, who, flt.olt)
    listing = Listing("/console/onus", flt.params(), sort, descending, offset, limit, count, rows, estimated)
    return render(request, "lists_onus.html", who, title="ONUs", listing=listing, limits=limits,
                  states=list(OnuLifecycle), statuses=STATUS_FILTERS, bands=BANDS, **options, **HELPERS)


# --- OLTs ---------------------------------------------------------------------------------------

#: the OLT list sorts the monitoring overview's rows (one per OLT: a few thousand at most, and
#: the ONU counts behind them are one aggregate whatever the page)
OLT_SORTS: dict[str, str] = {
    "name": "name", "zone": "zone", "online": "onus_online", "offline": "onus_offline",
    "low": "onus_low_signal", "uptime": "uptime_s", "temperature": "temperature_c", "poll": "last_poll_at",
}


def _sorted_rows(rows: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """Rows by `key` with missing values last in either direction, ties by name."""
    rows = sorted(rows, key=lambda r: r["name"])
    present = [r for r in rows if r[key] is not None]
    missing = [r for r in rows if r[key] is None]
    return sorted(present, key=lambda r: r[key], reverse=descending) + missing


@router.get("/console/olts")
def olt_list(request: Request, who: Principal = viewer(Permission.NETWORK_READ)) -> HTMLResponse:
    zone = _text(request, "zone", 100)
    family = _choice(request, "family", [f.value for f in VendorFamily])
    poll = _choice(request, "poll", [s.value for s in PollStatus])
    q = _text(request, "q", 100)
    sort, descending, offset, limit = list_window(request, tuple(OLT_SORTS), "name")
    with session_scope() as session:
        limits = signal_thresholds(session)
        rows = queries.olt_overview(session, limits.warning, zone=zone or None, family=family or None,
                                    visible=who.olt_condition(Olt.id))
        zones = session.execute(scoped(select(Zone.name).join(Olt, Olt.zone_id == Zone.id), who, Olt.id)
                                .distinct().order_by(Zone.name)).scalars().all()
    rows = [r for r in rows if (not poll or r["last_poll_status"] == poll)
            and (not q or q.lower() in r["name"].lower())]
    rows = _sorted_rows(rows, OLT_SORTS[sort], descending)
    params = _params(zone=zone, family=family, poll=poll, q=q)
    listing = Listing("/console/olts", params, sort, descending, offset, limit, len(rows),
                      rows[offset:offset + limit])
    return render(request, "lists_olts.html", who, title="OLTs", listing=listing, zones=zones,
                  families=list(VendorFamily), polls=list(PollStatus), **HELPERS)


# --- jobs ---------------------------------------------------------------------------------------

JOB_SORTS: dict[str, tuple[Any, ...]] = {
    "id": (), "kind": (Job.kind,), "status": (Job.status,), "olt": (Olt.name,), "finished": (Job.finished_at,),
}


def job_statement(who: Principal, status: str, kind: str, olt: int | None) -> Select[*tuple[Any, ...]]:
    stmt = (
        select(Job.id, Job.kind, Job.status, Job.olt_id, Job.onu_id, Job.dry_run, Job.error, Job.requested_by,
               Job.created_at, Job.started_at, Job.finished_at, Olt.name.label("olt"), Onu.serial)
        .outerjoin(Olt, Olt.id == Job.olt_id)
        .outerjoin(Onu, Onu.id == Job.onu_id)
    )
    for column, value in ((Job.status, status or None), (Job.kind, kind or None), (Job.olt_id, olt)):
        if value is not None:
            stmt = stmt.where(column == value)
    return scoped(stmt, who, Job.olt_id)


@router.get("/console/jobs")
def job_list(request: Request, who: Principal = viewer(Permission.NETWORK_READ)) -> HTMLResponse:
    status = _choice(request, "status", [s.value for s in JobStatus])
    kind = _choice(request, "kind", [k.value for k in JobKind])
    olt = _id(request, "olt")
    sort, descending, offset, limit = list_window(request, tuple(JOB_SORTS), "id", True)
    with session_scope() as session:
        stmt = job_statement(who, status, kind, olt)
        count, estimated = count_of(session, stmt, COUNT_LIMIT)
        page = stmt.order_by(*_order(JOB_SORTS[sort], descending, Job.id)).limit(limit).offset(offset)
        rows = list(session.execute(page).all())
        if estimated:
            count = max(count, offset + len(rows))
        olts = session.execute(scoped(select(Olt.id, Olt.name), who, Olt.id).order_by(Olt.name)).all()
    params = _params(status=status, kind=kind, olt=olt)
    listing = Listing("/console/jobs", params, sort, descending, offset, limit, count, rows, estimated)
    return render(request, "lists_jobs.html", who, title="Jobs", listing=listing, olts=olts,
                  statuses=list(JobStatus), kinds=list(JobKind), **HELPERS)
