"""OLTs: CRUD (the CLI password is write-only), connection test, discovery,
PON ports and the profiles that exist on each OLT.

Handlers are plain `def` (FastAPI's threadpool): the database work and the
diagnostic CLI sessions are synchronous.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Response
from nornir.core.task import Result, Task
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import audit
from core.db import current_database_url, session_scope
from core.models import Vendor, VendorFamily
from oms.errors import Conflict, NotFound, OmsError
from oms.lifecycle import DeviceUnreachable, joined
from oms.models import Job, JobKind, Olt, OltProfile, Onu, OnuLifecycle, PonPort, Zone
from oms.schemas import (
    DEFAULT_ACTOR,
    Actor,
    ConnectionTestOut,
    OltCreate,
    OltOut,
    OltProfileIn,
    OltProfileOut,
    OltUpdate,
    OnuOut,
    PonPortOut,
    http_errors,
)
from oms.services import enqueue, request_olt_job, request_onu_action
from tasks.device import NornirDeviceSession
from tasks.discovery import discover
from tasks.nornir_factory import build_nornir
from vendor_cli.base import CliCommandError
from vendor_cli.registry import UnsupportedVendorFamily, get_driver

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


class DeviceError(OmsError):
    """The OLT could not be reached or refused what we asked."""

    status = 502


class InvalidOlt(OmsError):
    status = 422


@router.get("", response_model=list[OltOut])
def list_olts(
    family: VendorFamily | None = None, zone: str | None = None, active: bool | None = None
) -> list[OltOut]:
    stmt = select(Olt).order_by(Olt.id)
    if family is not None:
        stmt = stmt.where(Olt.family == family)
    if zone is not None:
        stmt = stmt.join(Zone, Zone.id == Olt.zone_id).where(Zone.name == zone)
    if active is not None:
        stmt = stmt.where(Olt.is_active.is_(active))
    with session_scope() as session:
        return [olt_out(o) for o in session.execute(stmt).scalars()]


@router.get("/{olt_id}", response_model=OltOut)
def get_olt(olt_id: int) -> OltOut:
    with http_errors(), session_scope() as session:
        return olt_out(get_olt_row(session, olt_id))


@router.post("", response_model=OltOut, status_code=201)
def create_olt(body: OltCreate, actor: Actor = DEFAULT_ACTOR) -> OltOut:
    with http_errors(), session_scope() as session:
        _check_name_free(session, body.name)
        fields = body.model_dump(exclude={"vendor"})
        olt = Olt(**fields, vendor_id=_vendor_for(session, body.vendor, body.family).id)
        session.add(olt)
        session.flush()
        audit(session, actor, "create", "olt", olt.id, None, _snapshot(olt))
        session.refresh(olt)
        return olt_out(olt)


@router.patch("/{olt_id}", response_model=OltOut)
def update_olt(olt_id: int, body: OltUpdate, actor: Actor = DEFAULT_ACTOR) -> OltOut:
    changes = {
        k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k in NULLABLE_FIELDS
    }
    with http_errors(), session_scope() as session:
        olt = get_olt_row(session, olt_id)
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
        audit(
            session, actor, "update", "olt", olt.id, before, _snapshot(olt), message=_secret_changes(changes)
        )
        session.refresh(olt)
        return olt_out(olt)


@router.delete("/{olt_id}", status_code=204)
def delete_olt(olt_id: int, actor: Actor = DEFAULT_ACTOR) -> Response:
    with http_errors(), session_scope() as session:
        olt = get_olt_row(session, olt_id)
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
        audit(session, actor, "delete", "olt", olt.id, _snapshot(olt), None)
        session.delete(olt)
    return Response(status_code=204)


@router.post("/{olt_id}/test-connection", response_model=ConnectionTestOut)
def connection_test(olt_id: int) -> ConnectionTestOut:
    with http_errors():
        with session_scope() as session:
            get_olt_row(session, olt_id)
        started = time.perf_counter()
        result = _run_on_olt(olt_id, _read_version, include_inactive=True)
        elapsed = round(time.perf_counter() - started, 3)
    if result.failed:
        return ConnectionTestOut(ok=False, error=_failure_text(result), version=None, elapsed_s=elapsed)
    return ConnectionTestOut(ok=True, error=None, version=result.result, elapsed_s=elapsed)


@router.get("/{olt_id}/unconfigured-onus", response_model=list[OnuOut])
def unconfigured_onus(olt_id: int, refresh: bool = False) -> list[OnuOut]:
    with http_errors():
        if refresh:
            run_discovery(olt_id)
        with session_scope() as session:
            get_olt_row(session, olt_id)
            onus = session.execute(
                select(Onu)
                .where(
                    Onu.olt_id == olt_id,
                    Onu.lifecycle_state == OnuLifecycle.DISCOVERED,
                    Onu.missing_since.is_(None),
                )
                .order_by(Onu.pon_port_id, Onu.serial)
            ).scalars()
            return [OnuOut.model_validate(o) for o in onus]


@router.post("/{olt_id}/discover")
def discover_olt(olt_id: int) -> dict[str, Any]:
    with http_errors():
        return run_discovery(olt_id)


@router.post("/{olt_id}/reconcile", status_code=202)
def reconcile_olt(olt_id: int, repair: bool = False, actor: Actor = DEFAULT_ACTOR) -> dict[str, object]:
    """Compare the OLT's real ONU list with the database (a queued job under the OLT's lock);
    with repair=true the database is brought in line with the OLT. The report is in the job's result."""
    with http_errors():
        job_id = request_olt_job(current_database_url(), olt_id, JobKind.RECONCILE, actor, {"repair": repair})
    return {"job_id": job_id, "status_url": f"/jobs/{job_id}"}


@router.get("/{olt_id}/pon-ports", response_model=list[PonPortOut])
def list_pon_ports(olt_id: int) -> list[PonPortOut]:
    with http_errors(), session_scope() as session:
        get_olt_row(session, olt_id)
        counted = session.execute(
            select(Onu.pon_port_id, func.count())
            .join(PonPort, PonPort.id == Onu.pon_port_id)
            .where(PonPort.olt_id == olt_id, Onu.onu_index.is_not(None))
            .group_by(Onu.pon_port_id)
        ).tuples()
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
def list_profiles(olt_id: int) -> list[OltProfileOut]:
    with http_errors(), session_scope() as session:
        get_olt_row(session, olt_id)
        rows = session.execute(
            select(OltProfile).where(OltProfile.olt_id == olt_id).order_by(OltProfile.kind, OltProfile.name)
        ).scalars()
        return [OltProfileOut.model_validate(p) for p in rows]


@router.post("/{olt_id}/profiles", response_model=OltProfileOut, status_code=201)
def create_profile(olt_id: int, body: OltProfileIn, actor: Actor = DEFAULT_ACTOR) -> OltProfileOut:
    with http_errors(), session_scope() as session:
        olt = get_olt_row(session, olt_id)
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
        audit(session, actor, "create", "olt_profile", profile.id, None, body.model_dump())
        return OltProfileOut.model_validate(profile)


# --- helpers shared with the other OMS routers ------------------------------------------------


def get_olt_row(session: Session, olt_id: int) -> Olt:
    olt = session.get(Olt, olt_id)
    if olt is None:
        raise NotFound(f"OLT {olt_id} does not exist")
    return olt


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


def run_discovery(olt_id: int) -> dict[str, Any]:
    """Read the OLT's autofind list into the database; pre-provisioned ONUs it shows
    are queued for authorization, as the worker's discovery does."""
    with session_scope() as session:
        olt = get_olt_row(session, olt_id)
        if not olt.is_active:
            raise Conflict(f"OLT {olt.name} is inactive: activate it before discovery")
    url = current_database_url()
    result = _run_on_olt(olt_id, discover, database_url=url)
    if result.failed:
        raise DeviceError(f"discovery on OLT {olt.name} failed: {_failure_text(result)}")
    report = dict(result.result)
    report["authorization_jobs"] = _authorize_ready(url, report.get("ready_to_authorize", []))
    return report


def _authorize_ready(url: str, onu_ids: list[int]) -> list[int]:
    jobs: list[Job] = []
    with session_scope(url) as session:
        for onu_id in onu_ids:
            try:
                with session.begin_nested():
                    jobs.append(request_onu_action(session, onu_id, JobKind.AUTHORIZE, "discovery"))
            except OmsError:
                continue  # already has an open job: nothing to add
    if jobs:
        enqueue(url, jobs)
    return [job.id for job in jobs]


def _run_on_olt(olt_id: int, task: Any, include_inactive: bool = False, **kwargs: Any) -> Result:
    nr = build_nornir(
        current_database_url(), num_workers=1, olt_ids=[olt_id], include_inactive=include_inactive
    )
    if not nr.inventory.hosts:
        raise NotFound(f"OLT {olt_id} is not in the device inventory (inactive or deleted)")
    with nr:
        results = nr.run(task=task, **kwargs)
    return next(iter(results.values()))[0]


def _read_version(task: Task) -> Result:
    device = NornirDeviceSession(task)
    try:
        output = joined(device.send(device.driver.cmd_version()))
    except (DeviceUnreachable, CliCommandError) as exc:
        return Result(host=task.host, failed=True, result={"error": str(exc)})
    return Result(host=task.host, result=asdict(device.driver.parse_version(output)))


def _failure_text(result: Result) -> str:
    if isinstance(result.result, dict) and result.result.get("error"):
        return str(result.result["error"])
    return f"{result.host}: {result.exception!r}" if result.exception else f"{result.host}: task failed"


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
