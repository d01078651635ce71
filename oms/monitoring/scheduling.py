"""When to poll which OLT over SNMP, and queueing those polls.

Every SNMP poll of an OLT runs under the queue lock ``snmp:<olt_id>`` (one at a
time per OLT, apart from its CLI jobs under ``olt:<id>``) and is queued with a
queueing lock per poll class: while one poll of a class waits, deferring
another is refused, so a slow or unreachable OLT never piles up jobs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import ColumnElement, func, literal, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.db import session_scope
from core.queue import queue_app
from core.system_settings import get_setting
from oms.models import Olt, OltSnmpSettings, PollClass

SNMP_POLL_OLT = "ponstack.snmp_poll_olt"
SCHEDULE_POLLS = "ponstack.schedule_polls"
PRUNE_HISTORY = "ponstack.prune_history"

SCHEDULED_CLASSES = (PollClass.STATUS, PollClass.OPTICAL)
INTERVAL_SETTINGS = {
    PollClass.STATUS: ("monitoring.status_interval_s", 300),
    PollClass.OPTICAL: ("monitoring.optical_interval_s", 3600),
}
RETENTION_SETTING = ("monitoring.history_retention_days", 30)
#: the scheduler ticks once a minute and a poll is stamped when it ends, so without some slack
#: a 300 s interval would come due only on the tick after (every 360 s)
DUE_SLACK_S = 30
#: ONU ids spelled out in a queueing lock up to this many; more are hashed
_LOCK_IDS_SPELLED = 10


@dataclass(frozen=True)
class DuePoll:
    olt_id: int
    poll_class: PollClass


PollColumns = tuple[InstrumentedAttribute[datetime | None], InstrumentedAttribute[int]]


def _columns(poll_class: PollClass) -> PollColumns:
    if poll_class is PollClass.STATUS:
        return Olt.last_status_poll_at, Olt.status_poll_interval_s
    if poll_class is PollClass.OPTICAL:
        return Olt.last_optical_poll_at, Olt.optical_poll_interval_s
    raise ValueError(f"poll class {poll_class.value!r} is not scheduled")


def default_interval_s(session: Session, poll_class: PollClass) -> int:
    key, fallback = INTERVAL_SETTINGS[poll_class]
    return int(get_setting(session, key, fallback))


def _is_due(poll_class: PollClass, now: datetime, default_s: int) -> ColumnElement[bool]:
    last_at, interval_s = _columns(poll_class)
    seconds = func.coalesce(interval_s, default_s) - DUE_SLACK_S
    cutoff = literal(now) - func.make_interval(0, 0, 0, 0, 0, 0, seconds)
    return or_(last_at.is_(None), last_at <= cutoff)


def due_polls(session: Session, now: datetime | None = None) -> list[DuePoll]:
    """Active OLTs with SNMP enabled whose status or optical poll is due, least recently polled first."""
    now = now or datetime.now(UTC)
    due: list[DuePoll] = []
    for poll_class in SCHEDULED_CLASSES:
        last_at, _ = _columns(poll_class)
        stmt = (
            select(Olt.id)
            .join(OltSnmpSettings, OltSnmpSettings.olt_id == Olt.id)
            .where(
                Olt.is_active.is_(True),
                OltSnmpSettings.enabled.is_(True),
                _is_due(poll_class, now, default_interval_s(session, poll_class)),
            )
            .order_by(last_at.asc().nulls_first(), Olt.id)
        )
        due += [DuePoll(olt_id, poll_class) for olt_id in session.execute(stmt).scalars()]
    return due


def poll_lock(olt_id: int) -> str:
    return f"snmp:{olt_id}"


def queueing_lock(olt_id: int, poll_class: str, onu_ids: Sequence[int] | None = None) -> str:
    """One waiting job per OLT and class; a poll of single ONUs waits per set of ONUs instead,
    so that asking for ONU A does not swallow a request for ONU B."""
    base = f"snmp:{olt_id}:{poll_class}"
    if onu_ids is None:
        return base
    ids = ",".join(str(i) for i in sorted(set(onu_ids)))
    if len(onu_ids) > _LOCK_IDS_SPELLED:
        ids = "#" + hashlib.sha1(ids.encode()).hexdigest()[:16]
    return f"{base}:onus:{ids}"


def defer_poll(
    url: str, olt_id: int, poll_class: str | PollClass, onu_ids: Sequence[int] | None = None
) -> int | None:
    """Queue `ponstack.snmp_poll_olt`; None when the same poll is already waiting in the queue."""
    poll_class = PollClass(poll_class)
    kwargs: dict[str, object] = {"olt_id": olt_id, "poll_class": poll_class.value}
    if onu_ids is not None:
        kwargs["onu_ids"] = sorted(set(onu_ids))
    deferrer = queue_app(url).configure_task(
        name=SNMP_POLL_OLT,
        lock=poll_lock(olt_id),
        queueing_lock=queueing_lock(olt_id, poll_class.value, onu_ids),
    )
    try:
        return int(deferrer.defer(**kwargs))  # type: ignore[arg-type]
    except AlreadyEnqueued:
        return None


def poll_now(
    url: str, olt_id: int, onu_ids: Sequence[int] | None = None, poll_class: str = PollClass.STATUS.value
) -> int | None:
    """Queue an immediate poll of an OLT (or of some of its ONUs) for the API.

    Returns the queue job id, or None when an identical poll is already waiting.
    """
    if onu_ids is not None and not onu_ids:
        raise ValueError("onu_ids is empty: give None to poll the whole OLT")
    return defer_poll(url, olt_id, poll_class, onu_ids)


def schedule_due_polls(url: str, now: datetime | None = None) -> list[tuple[DuePoll, int | None]]:
    """Queue every due poll; each with its queue job id, or None if one was already waiting."""
    with session_scope(url) as session:
        due = due_polls(session, now)
    return [(poll, defer_poll(url, poll.olt_id, poll.poll_class)) for poll in due]


def mark_polled(session: Session, olt_id: int, poll_class: str | PollClass, at: datetime) -> None:
    """Stamp a scheduled poll as done (also when it failed: an unreachable OLT waits its interval)."""
    last_at, _ = _columns(PollClass(poll_class))
    session.execute(update(Olt).where(Olt.id == olt_id).values({last_at: at}))


def retention_days(session: Session) -> int:
    key, fallback = RETENTION_SETTING
    return int(get_setting(session, key, fallback))
