"""Bulk provisioning: one action for many ONUs, chosen by serial or by a filter.
Each ONU gets its own job, queued per OLT; ONUs that cannot run now are reported."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import zlib
from collections import Counter
from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access import Permission, Principal, require
from core.crypto import resolve_secret_key
from core.db import current_database_url, session_scope
from oms.dry_run import dry_run
from oms.errors import Conflict, NotFound, OmsError
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

#: the ONU actions that need nothing but the ONU (a rename, move, replace or reprofile needs
#: values of its own for each ONU)
BULK_KINDS = frozenset(ALLOWED_STATES) - {JobKind.RENAME, JobKind.MOVE, JobKind.REPLACE, JobKind.REPROFILE}

router = APIRouter(prefix="/provisioning", tags=["provisioning"])

MAX_BULK_ONUS = 2000


class InvalidBulkRequest(OmsError):
    status = 422


@router.post("/bulk", response_model=BulkQueued | BulkDryRunOut, status_code=202,
             responses={200: {"model": BulkDryRunOut, "description": "dry run: the plans"}})
def bulk(body: BulkRequest, response: Response,
         who: Principal = require(Permission.ONU_PROVISION)) -> BulkQueued | BulkDryRunOut:
    """Only ONUs on the principal's OLTs are selected: a serial elsewhere is reported as unknown.
    A dry run answers a `preview_token`; a run sending it back is refused (409, nothing queued,
    the answer naming what changed) when an ONU left or joined the selection or changed since."""
    if body.kind not in BULK_KINDS:
        raise InvalidBulkRequest(f"{body.kind.value} is not an action a bulk run takes (one of: "
                                 f"{', '.join(sorted(kind.value for kind in BULK_KINDS))})")
    with session_scope() as session:
        onus, refused = _select_onus(session, body, who)
        if body.dry_run:
            response.status_code = 200
            return BulkDryRunOut(plans=[_plan(session, onu, body.kind) for onu in onus], refused=refused,
                                 preview_token=preview_token(body, onus, who))
        if body.preview_token is not None:
            check_preview_token(body.preview_token, body, onus, who)
    token = body.preview_token
    # checked again once request_bulk holds the ONUs' locks: a change in between refuses it too
    recheck = None if token is None else lambda locked: check_preview_token(token, body, locked, who)
    run_id, not_queued = request_bulk(current_database_url(), [onu.id for onu in onus], body.kind, who.username,
                                      recheck)
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


# --- the preview token: what a dry run showed, checked again by the run --------------------------
#
# The dry run answers a token naming its request (kind, selection, user) and every selected ONU
# with what its plan depends on; the run that sends it back is refused (409, nothing queued) when
# that changed meanwhile. The token is the signed (HMAC-SHA256 with the server's secret key),
# compressed list itself, so a refusal can name what changed without the server keeping previews.

PREVIEW_TOKEN_VERSION = 1
#: serials named per kind of change in a refusal (then "and N more")
NAMED_IN_CONFLICT = 10


def preview_token(body: BulkRequest, onus: list[Onu], who: Principal) -> str:
    payload = {"v": PREVIEW_TOKEN_VERSION, "u": who.username, "k": body.kind.value, "s": _selection_digest(body),
               "o": sorted(_fingerprint(onu) for onu in onus)}
    data = base64.urlsafe_b64encode(zlib.compress(json.dumps(payload, separators=(",", ":")).encode(), 9))
    text = data.decode().rstrip("=")
    return f"{text}.{_signature(text, _keys()[0])}"


def check_preview_token(token: str, body: BulkRequest, onus: list[Onu], who: Principal) -> None:
    """Conflict (naming what changed) unless `onus`, selected now by `body`, are the ONUs the
    token's dry run previewed, in the same state; InvalidBulkRequest for a token this server
    did not issue."""
    previewed = _read_token(token)
    if previewed.get("u") != who.username:
        raise Conflict("the preview token belongs to another user's preview: preview the selection again")
    if previewed.get("k") != body.kind.value:
        raise Conflict(f"the preview was of {previewed.get('k')}, not {body.kind.value}: preview again")
    before = {int(entry[0]): entry for entry in previewed.get("o", [])}
    now = {onu.id: _fingerprint(onu) for onu in onus}
    gone = [before[i][1] for i in sorted(before.keys() - now.keys())]
    added = [now[i][1] for i in sorted(now.keys() - before.keys())]
    changed = [_change(before[i], now[i]) for i in sorted(before.keys() & now.keys()) if before[i] != now[i]]
    parts = [f"{what}: {_named(items)}" for what, items in (
        ("no longer selected", gone), ("newly selected", added), ("changed", changed)) if items]
    if not parts and previewed.get("s") != _selection_digest(body):
        parts.append("the request selects differently (other serials or filter) than the preview did")
    if parts:
        raise Conflict("the selection changed since the preview, nothing was queued (preview again): "
                       + "; ".join(parts))


def _fingerprint(onu: Onu) -> list[Any]:
    """[id, serial, lifecycle state, digest of what its plan depends on]: not the timestamps
    that status polling moves, only where it is and what it would be configured with."""
    relevant = [onu.serial, onu.olt_id, onu.pon_port_id, onu.onu_index, onu.onu_type_id, onu.subscription_id,
                onu.desired, onu.admin_state.value if onu.admin_state is not None else None,
                onu.missing_since is None]
    digest = hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return [onu.id, onu.serial, onu.lifecycle_state.value, digest]


def _change(before: list[Any], now: list[Any]) -> str:
    if before[2] != now[2]:
        return f"{now[1]} is {now[2]} (was {before[2]})"
    return f"{now[1]} (its port, type, plan or settings)"


def _named(serials: list[str]) -> str:
    shown = ", ".join(serials[:NAMED_IN_CONFLICT])
    return shown + (f" and {len(serials) - NAMED_IN_CONFLICT} more" if len(serials) > NAMED_IN_CONFLICT else "")


def _selection_digest(body: BulkRequest) -> str:
    if body.serials is not None:
        selection: Any = {"serials": sorted({_canonical_or_raw(s) for s in body.serials})}
    else:
        assert body.filter is not None
        selection = {"filter": body.filter.model_dump(mode="json")}
    return hashlib.sha256(json.dumps(selection, sort_keys=True).encode()).hexdigest()[:16]


def _canonical_or_raw(serial: str) -> str:
    try:
        return canonical_serial(serial)
    except ValueError:
        return serial


def _keys() -> list[bytes]:
    return [k.strip().encode() for k in resolve_secret_key().split(",") if k.strip()]


def _signature(text: str, key: bytes) -> str:
    return hmac.new(key, b"bulk-preview:" + text.encode(), hashlib.sha256).hexdigest()


def _read_token(token: str) -> dict[str, Any]:
    text, _, signature = token.partition(".")
    sent = signature.encode("utf-8", "replace")
    if not any(hmac.compare_digest(sent, _signature(text, key).encode()) for key in _keys()):
        raise InvalidBulkRequest("preview_token is not a token this server issued: preview the selection again")
    try:
        payload = json.loads(zlib.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))))
    except (ValueError, zlib.error) as exc:  # signed but unreadable: issued by another version
        raise InvalidBulkRequest("preview_token cannot be read: preview the selection again") from exc
    if not isinstance(payload, dict) or payload.get("v") != PREVIEW_TOKEN_VERSION:
        raise InvalidBulkRequest("preview_token is from another version of the server: preview again")
    return payload
