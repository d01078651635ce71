"""Creating intents: the outbox the dispatcher reads.

`create_intent` runs inside the caller's transaction (a subscription activation, a ticket
action, an API call), so the intent exists exactly when the change that caused it does.
A newer intent for the same ONU and slot supersedes the open one; on the ACS the same
`uniqueKey` replaces a task still queued there.

`preview_intent` is the dry run of `create_intent`: the same validation (values, the ONU
model's radios and bridge support), answered as the fields the intent would set (secrets
masked) and the open intents it would supersede, with nothing stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from acs.mappings import intent_fields
from acs.models import OPEN_STATUSES, AcsCampaign, AcsIntent, IntentKind, IntentReason, IntentStatus
from acs.validation import SECRET_FIELDS, check_for_onu_type, slot_of, validated
from core.audit import audit
from oms.errors import get_or_404
from oms.models import Onu, OnuType


def create_intent(session: Session, onu_id: int, kind: IntentKind, values: dict[str, Any], *,
                  reason: IntentReason, actor: str, reason_ref: str | None = None,
                  campaign_id: int | None = None) -> AcsIntent:
    """Validate `values` for `kind` and this ONU's model, supersede the open intent of the
    same slot and add the new one (flushed, not committed)."""
    onu = get_or_404(session, Onu, onu_id, "ONU", lock=True)
    desired, secrets = validated(kind, values)
    check_model(session, onu, kind, desired)
    slot = slot_of(kind, desired)
    superseded = _supersede(session, onu.id, slot)
    intent = AcsIntent(
        onu_id=onu.id, kind=kind, slot=slot, desired=desired,
        secrets=json.dumps(secrets) if secrets else None, reason=reason, reason_ref=reason_ref,
        requested_by=actor, campaign_id=campaign_id, unique_key=f"ponstack:{onu.id}:{slot}",
        status=IntentStatus.PENDING, attempts=0, result={},
    )
    session.add(intent)
    session.flush()
    audit(session, actor, "acs.intent.create", "acs_intent", intent.id, None,
          {"onu_id": onu.id, "kind": kind.value, "desired": desired, "secrets": sorted(secrets),
           "reason": reason.value, "reason_ref": reason_ref, "superseded": superseded})
    return intent


#: how a secret's value is shown in a preview
MASKED = "••••••••"


@dataclass(frozen=True)
class PreviewParameter:
    name: str
    value: Any  # MASKED for a secret
    secret: bool = False


@dataclass(frozen=True)
class IntentPreview:
    """What `create_intent` would store, for an operator to check first (no secret value)."""

    serial: str
    kind: IntentKind
    slot: str
    parameters: list[PreviewParameter]
    supersedes: list[int]

    @property
    def note(self) -> str:
        note = (f"The ACS will set these {self.kind.value.replace('_', ' ')} parameters on {self.serial} "
                f"({self.slot}) at its next contact; the device's own TR-069 paths are chosen then from what "
                "it reports. Secrets are sent to the device, stored encrypted and never shown again.")
        if self.supersedes:
            note += " It replaces the intent(s) not applied yet: " + ", ".join(map(str, self.supersedes)) + "."
        return note


def preview_intent(session: Session, onu_id: int, kind: IntentKind, values: dict[str, Any]) -> IntentPreview:
    """The dry run of `create_intent`: validated the same way (FieldErrors, NotFound), nothing
    written (the caller's transaction is left as it was)."""
    onu = get_or_404(session, Onu, onu_id, "ONU")
    desired, secrets = validated(kind, values)
    check_model(session, onu, kind, desired)
    slot = slot_of(kind, desired)
    open_ids = list(session.scalars(
        select(AcsIntent.id).where(AcsIntent.onu_id == onu.id, AcsIntent.slot == slot,
                                   AcsIntent.status.in_(OPEN_STATUSES)).order_by(AcsIntent.id)
    ))
    parameters = [PreviewParameter(name, MASKED, True) if name in SECRET_FIELDS else PreviewParameter(name, value)
                  for name, value in intent_fields(kind, desired, secrets).items()]
    return IntentPreview(onu.serial, kind, slot, parameters, open_ids)


def check_model(session: Session, onu: Onu, kind: IntentKind, desired: dict[str, Any]) -> None:
    """Refuse (FieldErrors) what the ONU's model cannot do; an unknown model passes (the
    ACS checks against what the device reports)."""
    onu_type = session.get(OnuType, onu.onu_type_id) if onu.onu_type_id else None
    if onu_type is None:
        # Without a known model only the generic data model applies; the radio and bridge
        # checks happen against what the ACS has discovered on the device.
        return
    bands = frozenset(band for band, has in (("2.4GHz", onu_type.wifi_24ghz), ("5GHz", onu_type.wifi_5ghz)) if has)
    check_for_onu_type(kind, desired, model=f"{onu_type.vendor} {onu_type.model}",
                       supports_bridge=onu_type.supports_bridge, bands=bands)


def _supersede(session: Session, onu_id: int, slot: str) -> list[int]:
    rows = session.execute(
        update(AcsIntent)
        .where(AcsIntent.onu_id == onu_id, AcsIntent.slot == slot, AcsIntent.status.in_(OPEN_STATUSES))
        .values(status=IntentStatus.SUPERSEDED, finished_at=datetime.now(UTC),
                last_error="superseded by a newer intent for the same ONU and slot")
        .returning(AcsIntent.id)
    )
    return [row[0] for row in rows]


def secrets_of(row: AcsIntent | AcsCampaign) -> dict[str, str]:
    """The decrypted secrets of an intent or a campaign."""
    return json.loads(row.secrets) if row.secrets else {}


def intents_of(session: Session, onu_id: int, limit: int = 50) -> list[AcsIntent]:
    return list(session.scalars(
        select(AcsIntent).where(AcsIntent.onu_id == onu_id).order_by(AcsIntent.id.desc()).limit(limit)
    ))
