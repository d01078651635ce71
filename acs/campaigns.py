"""Campaigns: one intent over many ONUs, which GenieACS has no bulk endpoint for
(genieacs issues #248, #295).

A campaign releases its intents in waves: first a canary share; the rest only after
every canary intent finished with a fault rate under the threshold; never more than
`concurrency` open at once; only inside the maintenance window. When the fault rate of
the finished intents passes the threshold the campaign halts and releases nothing more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acs.intents import create_intent, secrets_of
from acs.models import AcsCampaign, AcsIntent, CampaignStatus, IntentReason, IntentStatus
from core.errors import DomainError, FieldErrors

FINISHED = (IntentStatus.APPLIED, IntentStatus.FAILED, IntentStatus.SUPERSEDED)


@dataclass
class CampaignProgress:
    total: int
    released: int
    open: int
    applied: int
    failed: int
    superseded: int

    @property
    def fault_rate(self) -> float:
        done = self.applied + self.failed
        return self.failed / done if done else 0.0


def progress(session: Session, campaign: AcsCampaign) -> CampaignProgress:
    counts: dict[IntentStatus, int] = dict(session.execute(
        select(AcsIntent.status, func.count()).where(AcsIntent.campaign_id == campaign.id).group_by(AcsIntent.status)
    ).all())
    released = sum(counts.values())
    return CampaignProgress(
        total=len(campaign.onu_ids), released=released,
        open=counts.get(IntentStatus.PENDING, 0) + counts.get(IntentStatus.SENT, 0),
        applied=counts.get(IntentStatus.APPLIED, 0), failed=counts.get(IntentStatus.FAILED, 0),
        superseded=counts.get(IntentStatus.SUPERSEDED, 0),
    )


def in_window(campaign: AcsCampaign, now: datetime) -> bool:
    if not campaign.window_start or not campaign.window_end:
        return True
    start, end, current = _hhmm(campaign.window_start), _hhmm(campaign.window_end), now.astimezone(UTC).time()
    return start <= current < end if start <= end else current >= start or current < end  # across midnight


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def step(session: Session, campaign_id: int, now: datetime | None = None) -> int:
    """Halt, finish or release the next intents of one running campaign; how many were released."""
    now = now or datetime.now(UTC)
    campaign = session.get(AcsCampaign, campaign_id, with_for_update=True)
    if campaign is None:
        raise FieldErrors("no such campaign", [{"loc": ["campaign_id"], "msg": "does not exist", "type": "missing"}])
    state = progress(session, campaign)
    if campaign.status is not CampaignStatus.RUNNING:
        return 0
    if state.applied + state.failed and state.fault_rate > campaign.halt_fault_rate:
        campaign.status = CampaignStatus.HALTED
        campaign.halted_reason = (f"fault rate {state.fault_rate:.0%} ({state.failed} of "
                                  f"{state.applied + state.failed}) passed {campaign.halt_fault_rate:.0%}")
        return 0
    if state.released == state.total and state.open == 0:
        campaign.status = CampaignStatus.DONE
        return 0
    if not in_window(campaign, now):
        return 0
    canary = max(1, math.ceil(campaign.canary_share * state.total))
    if state.released < canary or state.open:
        target = canary if state.released <= canary else state.total  # the canary finishes first
    else:
        target = state.total
    room = max(0, min(campaign.concurrency - state.open, target - state.released))
    _release(session, campaign, state.released, room)
    return room


def _release(session: Session, campaign: AcsCampaign, start: int, count: int) -> None:
    values: dict[str, Any] = {**campaign.desired, **(secrets_of(campaign) if campaign.secrets else {})}
    for onu_id in campaign.onu_ids[start:start + count]:
        try:
            with session.begin_nested():
                create_intent(session, onu_id, campaign.kind, values, reason=IntentReason.CAMPAIGN,
                              reason_ref=f"campaign {campaign.id}", actor=campaign.requested_by,
                              campaign_id=campaign.id)
        except DomainError as refused:
            # Recorded as a failed intent, so it counts towards the fault rate and the order holds.
            session.add(AcsIntent(
                onu_id=onu_id, kind=campaign.kind, slot=f"campaign:{campaign.id}", desired={}, result={},
                reason=IntentReason.CAMPAIGN, reason_ref=f"campaign {campaign.id}", requested_by=campaign.requested_by,
                campaign_id=campaign.id, status=IntentStatus.FAILED, attempts=0, last_outcome="refused",
                last_error=str(refused), unique_key=f"ponstack:{onu_id}:campaign:{campaign.id}",
                finished_at=datetime.now(UTC)))
            session.flush()


def running_campaigns(session: Session) -> list[int]:
    return list(session.scalars(select(AcsCampaign.id).where(AcsCampaign.status == CampaignStatus.RUNNING)))
