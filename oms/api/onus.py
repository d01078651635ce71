"""ONUs: list, detail, pre-provisioning, and the lifecycle actions. An action is
planned (dry run, nothing queued) or recorded as a job and queued under its
OLT's lock; the answer then points at the job to follow."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access import Forbidden, Permission, Principal, require
from core.audit import audit
from core.db import current_database_url, session_scope
from core.paging import Page, page_of
from oms.actions import serial_owner_check
from oms.dry_run import dry_run
from oms.errors import Conflict, ProvisioningDataMissing
from oms.models import Job, JobKind, Olt, Onu, OnuLifecycle, OnuType, PonPort
from oms.schemas import (
    ActionPlan,
    ActionRequest,
    AuthorizeRequest,
    JobQueued,
    JobSummary,
    OnuDetail,
    OnuFilter,
    OnuOut,
    PortNumber,
    PreprovisionIn,
    RenameRequest,
    SerialText,
)
from oms.scope import check_visible, get_visible, visible_only, visible_onu_id_by_serial
from oms.service import plan_name, subscription_exists
from oms.services import check_actionable, lock_onu, request_and_enqueue
from vendor_cli.serials import serial_hex

router = APIRouter(prefix="/onus", tags=["onus"])

RECENT_JOBS = 10
#: a dry run answers 200 with the plan; a queued action 202 with its job
DRY_RUN: dict[int | str, dict[str, Any]] = {200: {"model": ActionPlan, "description": "dry run: the plan"}}


#: what each action needs (reboot is a diagnosis; the others change the service)
ACTION_PERMISSION = {
    JobKind.AUTHORIZE: Permission.ONU_PROVISION,
    JobKind.REMOVE: Permission.ONU_PROVISION,
    JobKind.REBOOT: Permission.ONU_DIAGNOSE,
    JobKind.SUSPEND: Permission.ONU_PROVISION,
    JobKind.RESUME: Permission.ONU_PROVISION,
}


@router.get("", response_model=Page[OnuOut])
def list_onus(
    query: Annotated[OnuFilter, Query()], who: Principal = require(Permission.NETWORK_READ)
) -> Page[OnuOut]:
    stmt = visible_only(select(Onu), who, Onu.olt_id)
    if query.olt_id is not None:
        stmt = stmt.where(Onu.olt_id == query.olt_id)
    if query.pon_port_id is not None:
        stmt = stmt.where(Onu.pon_port_id == query.pon_port_id)
    if query.lifecycle_state is not None:
        stmt = stmt.where(Onu.lifecycle_state == query.lifecycle_state)
    if query.serial is not None:
        stmt = stmt.where(Onu.serial.contains(query.serial.upper(), autoescape=True))
    with session_scope() as session:
        return page_of(session, stmt, query, OnuOut.model_validate, order_by=[Onu.id])


@router.get("/{onu_id:int}", response_model=OnuDetail)  # :int: /onus/preprovision is not an ONU
def get_onu(onu_id: int, who: Principal = require(Permission.NETWORK_READ)) -> OnuDetail:
    with session_scope() as session:
        onu = _get_onu(session, who, onu_id)
        jobs = session.execute(
            select(Job)
            .where(Job.onu_id == onu_id)
            .order_by(Job.created_at.desc(), Job.id.desc())
            .limit(RECENT_JOBS)
        ).scalars()
        return OnuDetail(
            **OnuOut.model_validate(onu).model_dump(), jobs=[JobSummary.model_validate(j) for j in jobs]
        )


@router.post("/preprovision", response_model=OnuOut, status_code=201)
def preprovision(body: PreprovisionIn, who: Principal = require(Permission.ONU_PROVISION)) -> OnuOut:
    """A principal restricted to zones or OLTs must give a position on one of its OLTs (403
    otherwise: an ONU on no OLT would be outside its scope)."""
    if body.olt_id is None and who.olt_ids is not None:
        raise Forbidden(f"{who.username} is restricted to some zones or OLTs: give olt_id, frame, slot "
                        "and port of one of them")
    with session_scope() as session:
        if session.execute(select(Onu.id).where(Onu.serial == body.serial)).first():
            raise Conflict(f"an ONU with serial {body.serial} already exists")
        _onu_type(session, body.onu_type_id)
        desired = _desired(session, body)
        onu = Onu(
            serial=body.serial,
            onu_type_id=body.onu_type_id,
            subscription_id=body.subscription_id,
            name=body.name,
            description=body.description,
            lifecycle_state=OnuLifecycle.PREPROVISIONED,
            desired=desired,
        )
        if body.olt_id is not None:
            port = _port_at(session, who, body.olt_id, body.frame, body.slot, body.port)
            onu.olt_id, onu.pon_port_id = port.olt_id, port.id
        session.add(onu)
        session.flush()
        audit(session, who.username, "preprovision", "onu", onu.id, None, body.model_dump(),
              request_id=who.request_id)
        session.refresh(onu)
        return OnuOut.model_validate(onu)


@router.post("/by-serial/{serial}/authorize", response_model=JobQueued | ActionPlan, status_code=202,
             responses=DRY_RUN)
def authorize_by_serial(
    serial: str, response: Response, body: AuthorizeRequest | None = Body(None),
    who: Principal = require(Permission.ONU_PROVISION),
) -> JobQueued | ActionPlan:
    with session_scope() as session:
        onu_id = visible_onu_id_by_serial(session, who, serial.strip())
    return _act(onu_id, JobKind.AUTHORIZE, body or AuthorizeRequest(), who, response)


def _action_endpoint(kind: JobKind) -> Any:
    if kind is JobKind.AUTHORIZE:
        def authorize(
            onu_id: int, response: Response, body: AuthorizeRequest | None = Body(None),
            who: Principal = require(ACTION_PERMISSION[kind]),
        ) -> JobQueued | ActionPlan:
            return _act(onu_id, kind, body or AuthorizeRequest(), who, response)

        authorize.__name__ = "authorize_onu"
        authorize.__doc__ = ("Authorize the ONU (optionally with its type, plan, VLANs, name and address); "
                             "with dry_run, answer the plan and queue nothing.")
        return authorize

    def endpoint(
        onu_id: int, response: Response, body: ActionRequest | None = Body(None),
        who: Principal = require(ACTION_PERMISSION[kind]),
    ) -> JobQueued | ActionPlan:
        return _act(onu_id, kind, body or ActionRequest(), who, response)

    endpoint.__name__ = f"{kind.value}_onu"
    endpoint.__doc__ = f"{kind.value.capitalize()} the ONU; with dry_run, answer the plan and queue nothing."
    return endpoint


for _kind in ACTION_PERMISSION:
    router.add_api_route(
        f"/{{onu_id}}/{_kind.value}",
        _action_endpoint(_kind),
        methods=["POST"],
        response_model=JobQueued | ActionPlan,
        status_code=202,
        responses=DRY_RUN,
    )


@router.post("/{onu_id}/rename", response_model=JobQueued | ActionPlan, status_code=202,
             responses=DRY_RUN)
def rename_onu(
    onu_id: int, body: RenameRequest, response: Response, who: Principal = require(Permission.ONU_PROVISION)
) -> JobQueued | ActionPlan:
    params = {"name": body.name, "description": body.description}
    return _act(onu_id, JobKind.RENAME, body, who, response, params)


class ReplaceRequest(ActionRequest):
    new_serial: SerialText


class MoveRequest(ActionRequest):
    frame: PortNumber
    slot: PortNumber
    port: PortNumber


@router.post("/{onu_id}/replace", response_model=JobQueued | ActionPlan, status_code=202,
             responses=DRY_RUN)
def replace_onu(
    onu_id: int, body: ReplaceRequest, response: Response, who: Principal = require(Permission.ONU_PROVISION)
) -> JobQueued | ActionPlan:
    """Swap the ONU's serial for a new unit at the same ONU id (hardware replacement)."""
    new = {"serial": body.new_serial, "serial_hex": serial_hex(body.new_serial)}
    return _act(onu_id, JobKind.REPLACE, body, who, response, {"new": new})


@router.post("/{onu_id}/move", response_model=JobQueued | ActionPlan, status_code=202,
             responses=DRY_RUN)
def move_onu(
    onu_id: int, body: MoveRequest, response: Response, who: Principal = require(Permission.ONU_PROVISION)
) -> JobQueued | ActionPlan:
    """Move the ONU to another PON port of its OLT (the new ONU id is read from the OLT when the job runs)."""
    return _act(onu_id, JobKind.MOVE, body, who, response,
                {"new": {"frame": body.frame, "slot": body.slot, "port": body.port, "onu_id": None}})


def _act(
    onu_id: int,
    kind: JobKind,
    request: ActionRequest,
    who: Principal,
    response: Response,
    params: dict[str, Any] | None = None,
) -> JobQueued | ActionPlan:
    if request.dry_run:
        response.status_code = 200
        return _plan(onu_id, kind, request, params, who)
    with session_scope() as session:
        onu = _get_onu(session, who, onu_id)
        if kind is JobKind.REPLACE:  # refuse a serial in use now, not after the job is queued
            serial_owner_check(session, onu, params["new"]["serial"])  # type: ignore[index]
    if _has_overrides(request):
        _apply_overrides(onu_id, kind, request, who)
    job_id = request_and_enqueue(current_database_url(), onu_id, kind, who.username, params)
    return JobQueued(job_id=job_id, status_url=f"/jobs/{job_id}")


def _plan(onu_id: int, kind: JobKind, request: ActionRequest, params: dict[str, Any] | None,
          who: Principal) -> ActionPlan:
    with session_scope() as session:
        onu = _get_onu(session, who, onu_id)
        _set_type_and_plan(session, onu, request)
        plan = ActionPlan(**dry_run(session, onu_id, kind, params))
        session.rollback()  # a dry run changes nothing, the type/plan given included
    return plan


def _apply_overrides(onu_id: int, kind: JobKind, request: ActionRequest, who: Principal) -> None:
    """Store the ONU type / plan chosen with the request, only when the action is allowed now."""
    with session_scope() as session:
        onu = lock_onu(session, onu_id)
        check_visible(who, onu.olt_id, "ONU", onu_id)
        check_actionable(session, onu, kind)
        before = _overridable(onu)
        _set_type_and_plan(session, onu, request)
        after = _overridable(onu)
        audit(session, who.username, "update", "onu", onu.id, before, after, message=f"set for {kind.value}",
              request_id=who.request_id)


def _has_overrides(request: ActionRequest) -> bool:
    if isinstance(request, AuthorizeRequest):
        return request.overrides()
    return request.onu_type_id is not None or request.plan_id is not None


def _overridable(onu: Onu) -> dict[str, Any]:
    return {"onu_type_id": onu.onu_type_id, "name": onu.name, "description": onu.description,
            **{key: onu.desired.get(key) for key in ("plan_id", "user_vlan", "service_vlan")}}


def _set_type_and_plan(session: Session, onu: Onu, request: ActionRequest) -> None:
    """The type, plan (and for an authorization the VLANs, name and address) given with the request."""
    if request.onu_type_id is not None:
        onu.onu_type = _onu_type(session, request.onu_type_id)
    if request.plan_id is not None:
        _check_plan(session, request.plan_id)
        onu.desired = {**onu.desired, "plan_id": request.plan_id}
    if isinstance(request, AuthorizeRequest):
        vlans = {key: getattr(request, key) for key in ("user_vlan", "service_vlan") if getattr(request, key)}
        onu.desired = {**onu.desired, **vlans}
        if request.name is not None:
            onu.name = request.name
        if request.description is not None:
            onu.description = request.description


def _get_onu(session: Session, who: Principal, onu_id: int) -> Onu:
    """The ONU, or 404 when it does not exist or is outside the principal's scope."""
    return get_visible(session, who, Onu, onu_id, "ONU")


def _onu_type(session: Session, onu_type_id: int) -> OnuType:
    onu_type = session.get(OnuType, onu_type_id)
    if onu_type is None:
        raise ProvisioningDataMissing(f"ONU type {onu_type_id} does not exist")
    return onu_type


def _check_plan(session: Session, plan_id: int) -> None:
    if plan_name(session, plan_id) is None:
        raise ProvisioningDataMissing(f"service plan {plan_id} does not exist")


def _desired(session: Session, body: PreprovisionIn) -> dict[str, Any]:
    desired: dict[str, Any] = {}
    if body.plan_id is not None:
        _check_plan(session, body.plan_id)
        desired["plan_id"] = body.plan_id
    if body.subscription_id is not None:
        if not subscription_exists(session, body.subscription_id):
            raise ProvisioningDataMissing(f"subscription {body.subscription_id} does not exist")
        holder = session.execute(
            select(Onu.serial).where(Onu.subscription_id == body.subscription_id)
        ).first()
        if holder:
            raise Conflict(f"subscription {body.subscription_id} already has ONU {holder.serial}")
    for key in ("user_vlan", "service_vlan"):
        if getattr(body, key) is not None:
            desired[key] = getattr(body, key)
    return desired


def _port_at(session: Session, who: Principal, olt_id: int, frame: int | None, slot: int | None,
             port: int | None) -> PonPort:
    olt = session.get(Olt, olt_id)
    if olt is None or not who.sees_olt(olt_id):
        raise ProvisioningDataMissing(f"OLT {olt_id} does not exist")
    row = session.execute(
        select(PonPort).where(
            PonPort.olt_id == olt_id, PonPort.frame == frame, PonPort.slot == slot, PonPort.port == port
        )
    ).scalar_one_or_none()
    if row is None:
        raise ProvisioningDataMissing(f"OLT {olt.name} has no PON port {frame}/{slot}/{port}")
    return row
