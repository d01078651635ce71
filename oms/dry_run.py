"""Plan an ONU action without contacting the OLT: what the job will send and the
compensation that would undo it, from the same planning function the job uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from oms.actions import plan_action
from oms.errors import NotFound, OmsError
from oms.models import JobKind, Onu
from oms.services import ALLOWED_STATES, check_actionable


def dry_run(session: Session, onu_id: int, kind: JobKind, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plan as the API and CLI show it: {"serial", "olt", "fsp", "onu_id", "action", "commands",
    "compensation_action", "compensation", "note"}, secrets redacted. Nothing is queued or sent."""
    onu = session.get(Onu, onu_id)
    if onu is None:
        raise NotFound(f"ONU {onu_id} does not exist")
    if kind not in ALLOWED_STATES:
        raise OmsError(f"{kind.value} is not an ONU action that sends CLI")
    check_actionable(session, onu, kind)
    plan = plan_action(session, onu, kind, params)
    public = plan.public()
    public["note"] = "; ".join([*plan.notes, "rendered from the stored templates; nothing was sent to the OLT"])
    return public
