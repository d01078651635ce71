"""Scheduled discovery: the worker reads each active OLT's autofind list every
`discovery.interval_s` seconds (a DISCOVER job, under the OLT's lock like any other), so new
ONUs wait on the dashboard, and ONUs registered by serial are authorized, without anybody
asking. An OLT is due when its last discovery (or, never discovered, its registration) is
that old and no discovery of it is queued or running."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.system_settings import get_setting
from oms.models import Job, JobKind, Olt
from oms.services import OPEN_JOB_STATES, request_olt_job

INTERVAL_SETTING = "discovery.interval_s"
DEFAULT_INTERVAL_S = 300
SCHEDULER = "scheduler"


def interval_s(session: Session) -> int:
    value = get_setting(session, INTERVAL_SETTING, DEFAULT_INTERVAL_S)
    return max(0, int(value)) if isinstance(value, int | float) else DEFAULT_INTERVAL_S


def due_olts(session: Session, now: datetime, every_s: int) -> list[int]:
    """Active OLTs whose last discovery (or registration) is at least `every_s` old, with none open."""
    last = (select(Job.olt_id, func.max(Job.created_at).label("at"))
            .where(Job.kind == JobKind.DISCOVER).group_by(Job.olt_id).subquery())
    open_discovery = select(Job.id).where(Job.olt_id == Olt.id, Job.kind == JobKind.DISCOVER,
                                          Job.status.in_(OPEN_JOB_STATES)).exists()
    since = func.coalesce(last.c.at, Olt.created_at)
    return list(session.scalars(
        select(Olt.id).outerjoin(last, last.c.olt_id == Olt.id)
        .where(and_(Olt.is_active.is_(True), ~open_discovery, since <= now - timedelta(seconds=every_s)))
        .order_by(Olt.id)))


def schedule_due_discoveries(url: str, now: datetime) -> list[int]:
    """Queue a discovery job for each OLT due; answers the job ids (none when switched off)."""
    with session_scope(url) as session:
        every_s = interval_s(session)
        due = due_olts(session, now, every_s) if every_s > 0 else []
    return [request_olt_job(url, olt_id, JobKind.DISCOVER, SCHEDULER) for olt_id in due]
