"""The worker's scheduled discovery: each active OLT's autofind is read every
`discovery.interval_s` (a DISCOVER job under the OLT's lock), never twice at once, never for an
inactive OLT, and not at all when the setting is 0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from core.db import session_scope
from core.models import Setting, Vendor, VendorFamily
from oms.discovery_schedule import SCHEDULER, due_olts, schedule_due_discoveries
from oms.models import Job, JobKind, JobStatus, Olt

EVERY_S = 300


def olts(url: str, *names: str) -> list[int]:
    with session_scope(url) as session:
        vendor = session.scalar(select(Vendor.id).where(Vendor.slug == "huawei"))
        rows = [Olt(name=name, vendor_id=vendor, family=VendorFamily.HUAWEI_SMARTAX, model="MA5800-X7",
                    mgmt_host="192.0.2.1", username="admin", password="pw") for name in names]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def due(url: str, now: datetime) -> list[int]:
    with session_scope(url) as session:
        return due_olts(session, now, EVERY_S)


def test_an_olt_is_due_its_interval_after_its_registration_then_after_each_discovery(db_url: str) -> None:
    (olt_id,) = olts(db_url, "OLT-A")
    now = datetime.now(UTC)
    assert due(db_url, now) == [], "just registered"
    assert due(db_url, now + timedelta(seconds=EVERY_S + 1)) == [olt_id]

    with session_scope(db_url) as session:
        session.add(Job(kind=JobKind.DISCOVER, status=JobStatus.QUEUED, olt_id=olt_id, requested_by="noc"))
    later = now + timedelta(seconds=3 * EVERY_S)
    assert due(db_url, later) == [], "a discovery is waiting already"
    with session_scope(db_url) as session:
        session.execute(update(Job).values(status=JobStatus.SUCCEEDED, created_at=later - timedelta(seconds=10)))
    assert due(db_url, later) == [], "discovered 10 s ago"
    assert due(db_url, later + timedelta(seconds=EVERY_S)) == [olt_id]


def test_inactive_olts_are_not_discovered(db_url: str) -> None:
    active, inactive = olts(db_url, "OLT-A", "OLT-B")
    with session_scope(db_url) as session:
        session.execute(update(Olt).where(Olt.id == inactive).values(is_active=False))
    assert due(db_url, datetime.now(UTC) + timedelta(days=1)) == [active]


def test_the_scheduler_queues_one_job_per_olt_due_and_none_when_switched_off(
        db_url: str, deferred: list[dict[str, Any]]) -> None:
    first, second = olts(db_url, "OLT-A", "OLT-B")
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    jobs = schedule_due_discoveries(db_url, tomorrow)
    with session_scope(db_url) as session:
        rows = session.scalars(select(Job).where(Job.id.in_(jobs)).order_by(Job.olt_id)).all()
        assert [(j.olt_id, j.kind, j.requested_by) for j in rows] == [
            (first, JobKind.DISCOVER, SCHEDULER), (second, JobKind.DISCOVER, SCHEDULER)]
    assert [call["lock"] for call in deferred] == [f"olt:{first}", f"olt:{second}"]
    assert schedule_due_discoveries(db_url, tomorrow) == [], "both are queued already"

    with session_scope(db_url) as session:
        session.execute(update(Job).values(status=JobStatus.SUCCEEDED))
        session.execute(update(Setting).where(Setting.key == "discovery.interval_s").values(value=0))
    assert schedule_due_discoveries(db_url, tomorrow + timedelta(days=1)) == []
