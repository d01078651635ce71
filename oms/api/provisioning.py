"""Bulk provisioning: one action for many ONUs, chosen by serial or by a filter.
Each ONU gets its own job, queued per OLT; ONUs that cannot run now are reported."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access import Permission, Principal, require
from core.db import current_database_url, session_scope
from oms.dry_run import dry_run
from oms.errors import NotFound, OmsError
from oms.jobs import FINAL_STATES
from oms.models import BulkRun, Job, JobKind, Onu
from oms.schemas import (
    ActionPlan,
    BulkDryRunOut,
    BulkFilter,
    BulkItem,
    BulkPlan,
    BulkQueued,
    BulkRequest,
    BulkRunOut,
    canonical_serial,
)
from oms.scope import visible_only
from oms.services import ALLOWED_STATES, request_bulk
from vendor_cli.render import TemplateError

router = APIRouter(prefix="/provisioning", tags=["provisioning"])

MAX_BULK_ONUS = 2000


class InvalidBulkRequest(OmsError):
    status = 422


@router.post("/bulk", response_model=BulkQueued | BulkDryRunOut, status_code=202,
             responses={200: {"model": BulkDryRunOut, "description": "dry run: the plans"}})
def bulk(body: BulkRequest, response: Response,
         who: Principal = require(Permission.ONU_PROVISION)) -> BulkQueued | BulkDryRunOut:
    """Only ONUs on the principal's OLTs are selected: a serial elsewhere is reported as unknown."""
    if body.kind not in ALLOWED_STATES:
        raise InvalidBulkRequest(f"{body.kind.value} is not an ONU action")
    with session_scope() as session:
        onus, refused = _select_onus(session, body, who)
        if body.dry_run:
            response.status_code = 200
            return BulkDryRunOut(plans=[_plan(session, onu, body.kind) for onu in onus], refused=refused)
    run_id, not_queued = request_bulk(current_database_url(), [onu.id for onu in onus], body.kind, who.username)
    return BulkQueued(
        bulk_run_id=run_id,
        queued=len(onus) - len(not_queued),
        refused=refused + not_queued,
        status_url=f"/provisioning/bulk/{run_id}",
    )


@router.get("/bulk/{run_id}", response_model=BulkRunOut)
def get_bulk_run(run_id: int, who: Principal = require(Permission.NETWORK_READ)) -> BulkRunOut:
    """A principal restricted to zones or OLTs sees a run whose jobs are all on its OLTs
    (one without any job only when it asked for it)."""
    with session_scope() as session:
        run = session.get(BulkRun, run_id)
        rows = session.execute(
            select(Job.id, Job.status, Job.error, Job.onu_id, Job.olt_id, Onu.serial)
            .outerjoin(Onu, Onu.id == Job.onu_id)
            .where(Job.bulk_run_id == run_id)
            .order_by(Job.id)
        ).all()
        if run is None or not _sees_run(who, run, [r.olt_id for r in rows]):
            raise NotFound(f"bulk run {run_id} does not exist")
        items = [
            BulkItem(onu_id=r.onu_id, serial=r.serial, job_id=r.id, status=r.status, error=r.error)
            for r in rows
        ]
        return BulkRunOut(
            id=run.id,
            kind=run.kind,
            status=run.status,
            requested_by=run.requested_by,
            total=run.total,
            created_at=run.created_at,
            finished_at=run.finished_at,
            done=all(item.status in FINAL_STATES for item in items),
            counts=dict(Counter(item.status.value for item in items)),
            items=items,
        )


def _sees_run(who: Principal, run: BulkRun, olt_ids: list[int | None]) -> bool:
    if who.olt_ids is None:
        return True
    if not olt_ids:
        return run.requested_by == who.username
    return all(who.sees_olt(olt_id) for olt_id in olt_ids)


def _select_onus(session: Session, body: BulkRequest, who: Principal) -> tuple[list[Onu], list[str]]:
    if body.serials is not None:
        onus, refused = _by_serials(session, body.serials, who)
    else:
        assert body.filter is not None
        onus, refused = _by_filter(session, body.filter, who), []
    if not onus:
        raise InvalidBulkRequest(
            "no ONU matches the request" + (f": {'; '.join(refused)}" if refused else "")
        )
    if len(onus) > MAX_BULK_ONUS:
        raise InvalidBulkRequest(f"{len(onus)} ONUs match; a bulk run takes at most {MAX_BULK_ONUS}")
    return onus, refused


def _by_serials(session: Session, serials: list[str], who: Principal) -> tuple[list[Onu], list[str]]:
    refused: list[str] = []
    wanted: list[str] = []
    for serial in serials:
        try:
            wanted.append(canonical_serial(serial))
        except ValueError as exc:
            refused.append(str(exc))
    stmt = visible_only(select(Onu).where(Onu.serial.in_(wanted)), who, Onu.olt_id)
    found = {o.serial: o for o in session.execute(stmt).scalars()}
    refused += [f"no ONU with serial {s}" for s in wanted if s not in found]
    onus = [found[s] for s in dict.fromkeys(wanted) if s in found]
    return onus, refused


def _by_filter(session: Session, selection: BulkFilter, who: Principal) -> list[Onu]:
    stmt = visible_only(select(Onu), who, Onu.olt_id).where(Onu.lifecycle_state == selection.lifecycle_state)
    if selection.olt_id is not None:
        stmt = stmt.where(Onu.olt_id == selection.olt_id)
    if selection.pon_port_id is not None:
        stmt = stmt.where(Onu.pon_port_id == selection.pon_port_id)
    return list(session.execute(stmt.order_by(Onu.id).limit(MAX_BULK_ONUS + 1)).scalars())


def _plan(session: Session, onu: Onu, kind: JobKind) -> BulkPlan:
    try:
        with session.begin_nested():
            return BulkPlan(serial=onu.serial, plan=ActionPlan(**dry_run(session, onu.id, kind)))
    except (OmsError, TemplateError) as exc:
        return BulkPlan(serial=onu.serial, error=str(exc))
