"""OLTs: CRUD (the CLI password is write-only), connection test, discovery,
reconcile, PON ports and the profiles that exist on each OLT.

The API never opens a CLI session: a connection test or a discovery is a job run by
the worker under the OLT's lock, like every device action. Those endpoints may wait
for their job (`wait`, bounded, without holding a thread) and answer with its
result, or answer 202 with the job to follow.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.access import Forbidden, Permission, Principal, require
from core.audit import audit
from core.db import current_database_url, session_scope
from core.models import Vendor, VendorFamily
from core.paging import Page, page_of
from oms import in_use
from oms.api.jobs import MAX_WAIT_S, FinishedJob, wait_for_job
from oms.errors import Conflict, NotFound, OmsError
from oms.models import JobKind, JobStatus, Olt, OltProfile, Onu, OnuLifecycle, PonPort, Zone
from oms.schemas import (
    ConnectionTestOut,
    JobQueued,
    OltCreate,
    OltFilter,
    OltOut,
    OltProfileIn,
    OltProfileOut,
    OltUpdate,
    OnuOut,
    PonPortOut,
)
from oms.scope import get_visible, visible_only
from oms.services import request_olt_job
from vendor_cli.registry import UnsupportedVendorFamily, get_driver

Wait = Query(20.0, ge=0, le=MAX_WAIT_S, description="seconds to wait for the job's result before answering 202")

router = APIRouter(prefix="/olts", tags=["olts"])

# ONUs that hold configuration on the OLT (or are about to): deleting the OLT would orphan them.
PROVISIONED_STATES = (
    OnuLifecycle.ACTIVE,
    OnuLifecycle.SUSPENDED,
    OnuLifecycle.AUTHORIZING,
    OnuLifecycle.REMOVING,
)
SECRET_FIELDS = ("password", "enable_password")
NULLABLE_FIELDS = {"zone_id", "site_id", "enable_password"}


class InvalidOlt(OmsError):
    status = 422


@router.get("", response_model=Page[OltOut])
def list_olts(
    query: Annotated[OltFilter, Query()], who: Principal = require(Permission.NETWORK_READ)
) -> Page[OltOut]:
    stmt = visible_only(select(Olt), who, Olt.id).options(
        selectinload(Olt.vendor), selectinload(Olt.zone), selectinload(Olt.site))
    if query.family is not None:
        stmt = stmt.where(Olt.family == query.family)
    if query.zone is not None:
        stmt = stmt.join(Zone, Zone.id == Olt.zone_id).where(Zone.name == query.zone)
    if query.active is not None:
        stmt = stmt.where(Olt.is_active.is_(query.active))
    with session_scope() as session:
        return page_of(session, stmt, query, olt_out, order_by=[Olt.id])


@router.get("/{olt_id}", response_model=OltOut)
def get_olt(olt_id: int, who: Principal = require(Permission.NETWORK_READ)) -> OltOut:
    with session_scope() as session:
        return olt_out(get_olt_row(session, who, olt_id))


@router.post("", response_model=OltOut, status_code=201)
def create_olt(body: OltCreate, who: Principal = require(Permission.OLT_MANAGE)) -> OltOut:
    """Refused (403) to a principal restricted to zones or OLTs: the new OLT would be outside its scope."""
    if who.olt_ids is not None:
        raise Forbidden(f"{who.username} is restricted to some zones or OLTs and cannot create an OLT")
    with session_scope() as session:
        _check_name_free(session, body.name)
        fields = body.model_dump(exclude={"vendor"})
        olt = Olt(**fields, vendor_id=_vendor_for(session, body.vendor, body.family).id)
        session.add(olt)
        session.flush()
        audit(session, who.username, "create", "olt", olt.id, None, _snapshot(olt), request_id=who.request_id)
        session.refresh(olt)
        return olt_out(olt)


@router.patch("/{olt_id}", response_model=OltOut)
def update_olt(olt_id: int, body: OltUpdate, who: Principal = require(Permission.OLT_MANAGE)) -> OltOut:
    changes = {
        k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k in NULLABLE_FIELDS
    }
    with session_scope() as session:
        olt = get_olt_row(session, who, olt_id)
        if who.olt_ids is not None and changes.get("zone_id", olt.zone_id) != olt.zone_id:
            raise Forbidden(f"{who.username} is restricted to some zones or OLTs and cannot move an OLT "
                            "to another zone")
        before = _snapshot(olt)
        if changes.get("name", olt.name) != olt.name:
            _check_name_free(session, changes["name"])
        vendor_slug = changes.pop("vendor", None)
        if vendor_slug is not None or "family" in changes:
            family = changes.get("family") or olt.family
            olt.vendor_id = _vendor_for(session, vendor_slug or olt.vendor.slug, family).id
        for key, value in changes.items():
            setattr(olt, key, value)
        session.flush()
        audit(session, who.username, "update", "olt", olt.id, before, _snapshot(olt),
              message=_secret_changes(changes), request_id=who.request_id)
        session.refresh(olt)
        return olt_out(olt)


@router.delete("/{olt_id}", status_code=204)
def delete_olt(olt_id: int, who: Principal = require(Permission.OLT_MANAGE)) -> Response:
    with session_scope() as session:
        olt = get_olt_row(session, who, olt_id)
        provisioned = session.execute(
            select(func.count()).where(Onu.olt_id == olt_id, Onu.lifecycle_state.in_(PROVISIONED_STATES))
        ).scalar_one()
        if provisioned:
            raise Conflict(
                f"OLT {olt.name} still has {provisioned} provisioned ONU(s): remove or move them first"
            )
        for onu in session.execute(select(Onu).where(Onu.olt_id == olt_id)).scalars():
            onu.olt_id, onu.pon_port_id, onu.onu_index = None, None, None  # only seen there, never configured
        session.flush()
        audit(session, who.username, "delete", "olt", olt.id, _snapshot(olt), None, request_id=who.request_id)
        session.delete(olt)
    return Response(status_code=204)


@router.post("/{olt_id}/test-connection", response_model=ConnectionTestOut | JobQueued,
             responses={202: {"model": JobQueued}})
async def connection_test(olt_id: int, wait: float = Wait,
                          who: Principal = require(Permission.OLT_MANAGE)) -> Any:
    """Log in, read the device's identity (version, boards) and check it is the family on
    the OLT's row. `ok: false` with the reason when it is unreachable, refuses the login
    or is another kind of device."""
    job_id = await _queue(olt_id, JobKind.TEST_CONNECTION, who)
    job = await wait_for_job(job_id, wait)
    if job is None:
        return _queued(job_id)
    ok = job.status is JobStatus.SUCCEEDED
    return ConnectionTestOut(ok=ok, error=None if ok else job.error, version=job.result.get("version"),
                             elapsed_s=float(job.result.get("elapsed_s", 0.0)), job_id=job_id)


@router.get("/{olt_id}/unconfigured-onus", response_model=list[OnuOut], responses={202: {"model": JobQueued}})
async def unconfigured_onus(olt_id: int, refresh: bool = False, wait: float = Wait,
                            who: Principal = require(Permission.NETWORK_READ)) -> Any:
    """ONUs seen in autofind and not authorized; `refresh` runs a discovery first (which
    needs `olt:manage` and a token that may write, like POST /olts/{id}/discover)."""
    if refresh:
        _check_may_discover(who)
        job_id = await _queue(olt_id, JobKind.DISCOVER, who)
        job = await wait_for_job(job_id, wait)
        if job is None:
            return _queued(job_id)
        _raise_if_failed(job, "discovery")
    with session_scope() as session:
        get_olt_row(session, who, olt_id)
        onus = session.execute(
            select(Onu)
            .where(
                Onu.olt_id == olt_id,
                Onu.missing_since.is_(None),
                (Onu.lifecycle_state == OnuLifecycle.DISCOVERED)
                | ((Onu.lifecycle_state == OnuLifecycle.PREPROVISIONED) & Onu.last_seen_at.is_not(None)),
            )
            .order_by(Onu.pon_port_id, Onu.serial)
        ).scalars()
        return [OnuOut.model_validate(o) for o in onus]


@router.post("/{olt_id}/discover", responses={202: {"model": JobQueued}})
async def discover_olt(olt_id: int, wait: float = Wait, who: Principal = require(Permission.OLT_MANAGE)) -> Any:
    """Read the OLT's autofind list into the database (a job under the OLT's lock);
    pre-provisioned ONUs it shows are queued for authorization."""
    job_id = await _queue(olt_id, JobKind.DISCOVER, who)
    job = await wait_for_job(job_id, wait)
    if job is None:
        return _queued(job_id)
    _raise_if_failed(job, "discovery")
    return {**job.result.get("report", {}), "job_id": job_id}


@router.post("/{olt_id}/reconcile", status_code=202)
def reconcile_olt(olt_id: int, repair: bool = False,
                  who: Principal = require(Permission.OLT_MANAGE)) -> JobQueued:
    """Compare the OLT's real ONU list with the database (a queued job under the OLT's lock);
    with repair=true the database is brought in line with the OLT, without it nothing is
    written. The report is in the job's result."""
    job_id = _request_olt_job(olt_id, JobKind.RECONCILE, who, {"repair": repair})
    return JobQueued(job_id=job_id, status_url=f"/jobs/{job_id}")


@router.get("/{olt_id}/pon-ports", response_model=list[PonPortOut])
def list_pon_ports(olt_id: int, who: Principal = require(Permission.NETWORK_READ)) -> list[PonPortOut]:
    with session_scope() as session:
        get_olt_row(session, who, olt_id)
        counted = session.execute(
            select(Onu.pon_port_id, func.count())
            .join(PonPort, PonPort.id == Onu.pon_port_id)
            .where(PonPort.olt_id == olt_id, Onu.onu_index.is_not(None))
            .group_by(Onu.pon_port_id)
        ).all()
        counts = {port_id: count for port_id, count in counted}
        ports = session.execute(
            select(PonPort)
            .where(PonPort.olt_id == olt_id)
            .order_by(PonPort.frame, PonPort.slot, PonPort.port)
        ).scalars()
        return [
            PonPortOut.model_validate(p).model_copy(update={"onu_count": counts.get(p.id, 0)}) for p in ports
        ]


@router.get("/{olt_id}/profiles", response_model=list[OltProfileOut])
def list_profiles(olt_id: int, who: Principal = require(Permission.NETWORK_READ)) -> list[OltProfileOut]:
    with session_scope() as session:
        get_olt_row(session, who, olt_id)
        rows = session.execute(
            select(OltProfile).where(OltProfile.olt_id == olt_id).order_by(OltProfile.kind, OltProfile.name)
        ).scalars()
        return [OltProfileOut.model_validate(p) for p in rows]


@router.post("/{olt_id}/profiles", response_model=OltProfileOut, status_code=201)
def create_profile(olt_id: int, body: OltProfileIn,
                   who: Principal = require(Permission.OLT_MANAGE)) -> OltProfileOut:
    with session_scope() as session:
        olt = get_olt_row(session, who, olt_id)
        exists = session.execute(
            select(OltProfile.id).where(
                OltProfile.olt_id == olt_id, OltProfile.kind == body.kind, OltProfile.name == body.name
            )
        ).first()
        if exists:
            raise Conflict(f"{body.kind.value} profile {body.name!r} already exists on OLT {olt.name}")
        profile = OltProfile(olt_id=olt_id, **body.model_dump())
        session.add(profile)
        session.flush()
        audit(session, who.username, "create", "olt_profile", profile.id, None, body.model_dump(),
              request_id=who.request_id)
        return OltProfileOut.model_validate(profile)


@router.delete("/{olt_id}/profiles/{profile_id}", status_code=204)
def delete_profile(olt_id: int, profile_id: int, who: Principal = require(Permission.OLT_MANAGE)) -> Response:
    """Forget a profile of this OLT; refused while ONUs here are provisioned with it."""
    with session_scope() as session:
        get_olt_row(session, who, olt_id)
        profile = session.get(OltProfile, profile_id)
        if profile is None or profile.olt_id != olt_id:
            raise NotFound(f"OLT {olt_id} has no profile {profile_id}")
        in_use.check_olt_profile_unused(session, profile)
        audit(session, who.username, "delete", "olt_profile", profile.id,
              OltProfileIn.model_validate(profile, from_attributes=True).model_dump(), None,
              request_id=who.request_id)
        session.delete(profile)
    return Response(status_code=204)


# --- helpers shared with the other OMS routers ------------------------------------------------


def get_olt_row(session: Session, who: Principal, olt_id: int) -> Olt:
    """The OLT, or 404 when it does not exist or is outside the principal's scope."""
    return get_visible(session, who, Olt, olt_id, "OLT")


def olt_out(olt: Olt) -> OltOut:
    return OltOut(
        id=olt.id,
        name=olt.name,
        vendor=olt.vendor.slug,
        family=olt.family,
        model=olt.model,
        zone=olt.zone.name if olt.zone else None,
        site=olt.site.name if olt.site else None,
        description=olt.description,
        is_active=olt.is_active,
        zone_id=olt.zone_id,
        site_id=olt.site_id,
        mgmt_host=olt.mgmt_host,
        cli_transport=olt.cli_transport,
        cli_port=olt.cli_port,
        username=olt.username,
        has_enable_password=bool(olt.enable_password),
        connection_options=olt.connection_options or {},
        status_poll_interval_s=olt.status_poll_interval_s,
        optical_poll_interval_s=olt.optical_poll_interval_s,
        sys_name=olt.sys_name,
        sys_descr=olt.sys_descr,
        last_poll_status=olt.last_poll_status,
        last_poll_error=olt.last_poll_error,
        last_poll_at=olt.last_poll_at,
        created_at=olt.created_at,
        updated_at=olt.updated_at,
    )


class DeviceError(OmsError):
    """The job ran, and the OLT could not be reached or refused what we asked."""

    status = 502


def _request_olt_job(olt_id: int, kind: JobKind, who: Principal, params: dict[str, Any] | None = None) -> int:
    with session_scope() as session:
        get_olt_row(session, who, olt_id)
    return request_olt_job(current_database_url(), olt_id, kind, who.username, params)


async def _queue(olt_id: int, kind: JobKind, who: Principal) -> int:
    return await run_in_threadpool(_request_olt_job, olt_id, kind, who)


def _check_may_discover(who: Principal) -> None:
    """A discovery asked through a GET (`?refresh=true`) needs what POST .../discover needs."""
    if not who.write_enabled:
        raise Forbidden("this token is read-only: it cannot run a discovery")
    if not who.can(Permission.OLT_MANAGE):
        raise Forbidden(f"{who.username} ({who.role.value}) lacks {Permission.OLT_MANAGE.value}")


def _queued(job_id: int) -> JSONResponse:
    return JSONResponse(JobQueued(job_id=job_id, status_url=f"/jobs/{job_id}").model_dump(), status_code=202)


def _raise_if_failed(job: FinishedJob, what: str) -> None:
    if job.status is not JobStatus.SUCCEEDED:
        raise DeviceError(f"{what} failed (job {job.id}): {job.error}")


def _vendor_for(session: Session, slug: str, family: VendorFamily) -> Vendor:
    vendor = session.execute(select(Vendor).where(Vendor.slug == slug)).scalar_one_or_none()
    if vendor is None:
        raise InvalidOlt(f"vendor {slug!r} does not exist")
    try:
        get_driver(family)
    except UnsupportedVendorFamily as exc:
        raise InvalidOlt(str(exc)) from exc
    if family.value not in (vendor.families or []):
        raise InvalidOlt(f"vendor {slug!r} makes no {family.value} OLTs (its families: {vendor.families})")
    return vendor


def _check_name_free(session: Session, name: str) -> None:
    if session.execute(select(Olt.id).where(Olt.name == name)).first():
        raise Conflict(f"an OLT named {name!r} already exists")


def _snapshot(olt: Olt) -> dict[str, Any]:
    columns = {c.key for c in Olt.__table__.columns} - set(SECRET_FIELDS)
    return {key: getattr(olt, key) for key in sorted(columns)}


def _secret_changes(changes: dict[str, Any]) -> str:
    changed = [key for key in SECRET_FIELDS if key in changes]
    return f"changed: {', '.join(changed)}" if changed else ""
