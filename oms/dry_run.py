"""Plan an ONU action without contacting the OLT: the commands it would send and
the compensation that would undo them, rendered from the stored templates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.errors import NotFound, OmsError, ProvisioningDataMissing
from oms.models import CliAction, CliTemplate, JobKind, Onu, PonPort
from oms.onu_ids import free_onu_id
from oms.provisioning_context import build_context
from oms.services import check_actionable
from vendor_cli.registry import get_driver
from vendor_cli.render import TemplateError, cli_safe, render_cli

AUTHORIZE_NOTE = (
    "ONU id {onu_id} is the lowest id free in the database; the OLT's list is re-read when the job "
    "runs and may give another id"
)
ACTION_NOTE = "rendered from the stored templates; nothing was sent to the OLT"


def plan_action(
    session: Session, onu_id: int, kind: JobKind, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What `kind` would send for the ONU: {"serial", "olt", "fsp", "onu_id" (the id on the port),
    "action", "commands", "compensation_action", "compensation", "note"}."""
    onu = session.get(Onu, onu_id)
    if onu is None:
        raise NotFound(f"ONU {onu_id} does not exist")
    action = _cli_action(kind)
    check_actionable(session, onu, kind)
    port = onu.pon_port
    if port is None:
        raise ProvisioningDataMissing(f"ONU {onu.serial} has no PON port yet (not discovered)")
    driver = get_driver(port.olt.family)
    index = free_onu_id(session, driver, port, onu) if kind is JobKind.AUTHORIZE else onu.onu_index
    context = build_context(session, onu, action, port=port, onu_id=index)
    context.update(_param_overrides(params or {}))
    undo_action = driver.compensation.get(action.value)
    return {
        "serial": onu.serial,
        "olt": port.olt.name,
        "fsp": port.fsp,
        "onu_id": index,
        "action": action.value,
        "commands": _render(session, port, action.value, context),
        "compensation_action": undo_action,
        "compensation": _render(session, port, undo_action, context) if undo_action else [],
        "note": AUTHORIZE_NOTE.format(onu_id=index) if kind is JobKind.AUTHORIZE else ACTION_NOTE,
    }


def _cli_action(kind: JobKind) -> CliAction:
    try:
        return CliAction(kind.value)
    except ValueError:
        raise OmsError(f"{kind.value} is not an ONU action that sends CLI") from None


def _param_overrides(params: dict[str, Any]) -> dict[str, Any]:
    # The job changes these on the ONU; the plan shows the values it will push.
    overrides: dict[str, Any] = {
        key: cli_safe(params[key]) for key in ("name", "description") if key in params
    }
    if "new" in params:
        overrides["new"] = params["new"]
    return overrides


def _render(session: Session, port: PonPort, action: str, context: dict[str, Any]) -> list[str]:
    family = port.olt.family
    body = session.execute(
        select(CliTemplate.body).where(CliTemplate.vendor_family == family, CliTemplate.action == action)
    ).scalar_one_or_none()
    if body is None:
        raise ProvisioningDataMissing(f"no CLI template for {family.value} / {action} in System Settings")
    try:
        return render_cli(None, body, context)
    except TemplateError as exc:
        raise exc.for_template(f"{family.value}/{action}") from exc
